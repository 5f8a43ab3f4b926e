import type { EmailCodeRecord, EmailCodesTxRepo } from '../types'
import type { PgExecutor } from './database'

interface Row {
  id: number
  user_id: number
  attempt_id: string
  code_mac: Buffer
  sent_at: number
  expires_at: number
  attempts: number
  state: EmailCodeRecord['state']
}

const toRecord = (r: Row): EmailCodeRecord => ({
  id: r.id,
  userId: r.user_id,
  attemptId: r.attempt_id,
  mac: new Uint8Array(r.code_mac),
  sentAt: r.sent_at,
  expiresAt: r.expires_at,
  attempts: r.attempts,
  state: r.state,
})

export function pgEmailCodes(db: PgExecutor): EmailCodesTxRepo {
  return {
    async insertReplacing(code) {
      await db.query(
        `UPDATE email_codes SET state = 'voided' WHERE user_id = $1 AND state = 'active'`,
        [code.userId],
      )
      const r = await db.query<{ id: number }>(
        `INSERT INTO email_codes (user_id, attempt_id, code_mac, sent_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [code.userId, code.attemptId, Buffer.from(code.mac), code.sentAt, code.expiresAt],
      )
      return r.rows[0]!.id
    },
    async active(userId, attemptId) {
      const r = await db.query<Row>(
        `SELECT * FROM email_codes WHERE user_id = $1 AND attempt_id = $2 AND state = 'active'`,
        [userId, attemptId],
      )
      return r.rows[0] && toRecord(r.rows[0])
    },
    async countSentSince(userId, since) {
      const r = await db.query<{ n: number }>(
        'SELECT count(*) AS n FROM email_codes WHERE user_id = $1 AND sent_at > $2',
        [userId, since],
      )
      return r.rows[0]?.n ?? 0
    },
    async oldestSentSince(userId, since) {
      const r = await db.query<{ t: number | null }>(
        'SELECT min(sent_at) AS t FROM email_codes WHERE user_id = $1 AND sent_at > $2',
        [userId, since],
      )
      return r.rows[0]?.t ?? undefined
    },
    async registerAttempt(id, maxAttempts) {
      const r = await db.query<{ attempts: number }>(
        `UPDATE email_codes SET attempts = attempts + 1
         WHERE id = $1 AND state = 'active' AND attempts < $2 RETURNING attempts`,
        [id, maxAttempts],
      )
      return r.rows[0]?.attempts
    },
    async consume(id, now) {
      // Conditional: of two terminals consuming the same code, one changes the row.
      const r = await db.query(
        `UPDATE email_codes SET state = 'used', used_at = $2 WHERE id = $1 AND state = 'active'`,
        [id, now],
      )
      return r.rowCount === 1
    },
    async voidAll(userId) {
      const r = await db.query(
        `UPDATE email_codes SET state = 'voided' WHERE user_id = $1 AND state = 'active'`,
        [userId],
      )
      return r.rowCount
    },
  }
}
