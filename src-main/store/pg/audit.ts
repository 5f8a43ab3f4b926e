import type { AuditRecord, AuditRepo, LastSignIn } from '../types'
import type { PgExecutor } from './database'

interface Row {
  id: number
  at: number
  terminal_id: string
  user_id: number | null
  email: string | null
  event: string
  factor: string | null
  outcome: 'ok' | 'fail'
  detail: string | null
}

interface LastRow {
  user_id: number
  at: number
  terminal_id: string
  factor: string | null
}

export function pgAudit(db: PgExecutor): AuditRepo {
  return {
    async append(e) {
      await db.query(
        `INSERT INTO audit (at, terminal_id, user_id, email, event, factor, outcome, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          e.at,
          e.terminalId,
          e.userId ?? null,
          e.email ?? null,
          e.event,
          e.factor ?? null,
          e.outcome,
          e.detail ?? null,
        ],
      )
    },
    async list(options = {}) {
      const r = await db.query<Row>('SELECT * FROM audit WHERE at >= $1 ORDER BY at, id LIMIT $2', [
        options.since ?? 0,
        options.limit ?? 1_000_000,
      ])
      return r.rows.map((row): AuditRecord => ({
        id: row.id,
        at: row.at,
        terminalId: row.terminal_id,
        userId: row.user_id,
        email: row.email,
        event: row.event,
        factor: row.factor,
        outcome: row.outcome,
        detail: row.detail,
      }))
    },
    async lastSignIns() {
      // One scan of the sign-ins; the window keeps each account's latest.
      const r = await db.query<LastRow>(
        `SELECT user_id, at, terminal_id, factor FROM (
         SELECT user_id, at, terminal_id, factor,
                ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS n
         FROM audit
         WHERE event = 'sign-in' AND outcome = 'ok' AND user_id IS NOT NULL
       ) AS latest
       WHERE n = 1`,
      )
      return r.rows.map((row): LastSignIn => ({
        userId: Number(row.user_id),
        at: row.at,
        terminalId: row.terminal_id,
        factor: row.factor,
      }))
    },
  }
}
