import type { SqlExecutor } from './sqlite'
import type { EmailCodeRecord, EmailCodesTxRepo } from '../types'

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

export function sqliteEmailCodes(db: SqlExecutor): EmailCodesTxRepo {
  return {
    async insertReplacing(code) {
      await db.run(
        `UPDATE email_codes SET state = 'voided' WHERE user_id = ? AND state = 'active'`,
        [code.userId],
      )
      const r = await db.run(
        `INSERT INTO email_codes (user_id, attempt_id, code_mac, sent_at, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
        [code.userId, code.attemptId, Buffer.from(code.mac), code.sentAt, code.expiresAt],
      )
      return r.lastID
    },
    async active(userId, attemptId) {
      const row = await db.get<Row>(
        `SELECT * FROM email_codes WHERE user_id = ? AND attempt_id = ? AND state = 'active'`,
        [userId, attemptId],
      )
      return row && toRecord(row)
    },
    async countSentSince(userId, since) {
      const row = await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM email_codes WHERE user_id = ? AND sent_at > ?',
        [userId, since],
      )
      return row?.n ?? 0
    },
    async oldestSentSince(userId, since) {
      const row = await db.get<{ t: number | null }>(
        'SELECT min(sent_at) AS t FROM email_codes WHERE user_id = ? AND sent_at > ?',
        [userId, since],
      )
      return row?.t ?? undefined
    },
    async registerAttempt(id, maxAttempts) {
      const row = await db.get<{ attempts: number }>(
        `UPDATE email_codes SET attempts = attempts + 1
         WHERE id = ? AND state = 'active' AND attempts < ? RETURNING attempts`,
        [id, maxAttempts],
      )
      return row?.attempts
    },
    async consume(id, now) {
      const r = await db.run(
        `UPDATE email_codes SET state = 'used', used_at = ? WHERE id = ? AND state = 'active'`,
        [now, id],
      )
      return r.changes === 1
    },
    async voidAll(userId) {
      const r = await db.run(
        `UPDATE email_codes SET state = 'voided' WHERE user_id = ? AND state = 'active'`,
        [userId],
      )
      return r.changes
    },
  }
}
