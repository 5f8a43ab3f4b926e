import type { AddressCodeRecord, AddressCodesTxRepo } from '../types'
import type { PgExecutor } from './database'

interface Row {
  id: number
  user_id: number
  new_email: string
  code_mac: Buffer
  sent_at: number
  expires_at: number
  attempts: number
}

const toRecord = (r: Row): AddressCodeRecord => ({
  id: r.id,
  userId: r.user_id,
  newEmail: r.new_email,
  mac: new Uint8Array(r.code_mac),
  sentAt: r.sent_at,
  expiresAt: r.expires_at,
  attempts: r.attempts,
})

export function pgAddressCodes(db: PgExecutor): AddressCodesTxRepo {
  return {
    async insertReplacing(code) {
      await db.query(
        `UPDATE address_codes SET state = 'voided' WHERE user_id = $1 AND state = 'active'`,
        [code.userId],
      )
      const r = await db.query<{ id: number }>(
        `INSERT INTO address_codes (user_id, new_email, code_mac, sent_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [code.userId, code.newEmail, Buffer.from(code.mac), code.sentAt, code.expiresAt],
      )
      return r.rows[0]!.id
    },
    async active(userId) {
      const r = await db.query<Row>(
        `SELECT * FROM address_codes WHERE user_id = $1 AND state = 'active'`,
        [userId],
      )
      return r.rows[0] && toRecord(r.rows[0])
    },
    async countSentSince(userId, since) {
      const r = await db.query<{ n: number }>(
        'SELECT count(*) AS n FROM address_codes WHERE user_id = $1 AND sent_at > $2',
        [userId, since],
      )
      return r.rows[0]?.n ?? 0
    },
    async registerAttempt(id, maxAttempts) {
      const r = await db.query<{ attempts: number }>(
        `UPDATE address_codes SET attempts = attempts + 1
         WHERE id = $1 AND state = 'active' AND attempts < $2 RETURNING attempts`,
        [id, maxAttempts],
      )
      return r.rows[0]?.attempts
    },
    async consume(id, now) {
      const r = await db.query(
        `UPDATE address_codes SET state = 'used', used_at = $2 WHERE id = $1 AND state = 'active'`,
        [id, now],
      )
      return r.rowCount === 1
    },
  }
}
