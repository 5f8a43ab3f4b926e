import type { SqlExecutor } from './sqlite'
import type { AddressCodeRecord, AddressCodesTxRepo } from '../types'

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

export function sqliteAddressCodes(db: SqlExecutor): AddressCodesTxRepo {
  return {
    async insertReplacing(code) {
      await db.run(
        `UPDATE address_codes SET state = 'voided' WHERE user_id = ? AND state = 'active'`,
        [code.userId],
      )
      const r = await db.run(
        `INSERT INTO address_codes (user_id, new_email, code_mac, sent_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
        [code.userId, code.newEmail, Buffer.from(code.mac), code.sentAt, code.expiresAt],
      )
      return r.lastID
    },
    async active(userId) {
      const row = await db.get<Row>(
        `SELECT * FROM address_codes WHERE user_id = ? AND state = 'active'`,
        [userId],
      )
      return row && toRecord(row)
    },
    async countSentSince(userId, since) {
      const row = await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM address_codes WHERE user_id = ? AND sent_at > ?',
        [userId, since],
      )
      return row?.n ?? 0
    },
    async registerAttempt(id, maxAttempts) {
      const row = await db.get<{ attempts: number }>(
        `UPDATE address_codes SET attempts = attempts + 1
         WHERE id = ? AND state = 'active' AND attempts < ? RETURNING attempts`,
        [id, maxAttempts],
      )
      return row?.attempts
    },
    async consume(id, now) {
      const r = await db.run(
        `UPDATE address_codes SET state = 'used', used_at = ? WHERE id = ? AND state = 'active'`,
        [now, id],
      )
      return r.changes === 1
    },
  }
}
