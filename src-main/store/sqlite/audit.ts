import type { SqlExecutor } from './sqlite'
import type { AuditRecord, AuditRepo, LastSignIn } from '../types'

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

export function sqliteAudit(db: SqlExecutor): AuditRepo {
  return {
    async append(e) {
      await db.run(
        `INSERT INTO audit (at, terminal_id, user_id, email, event, factor, outcome, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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
      const rows = await db.all<Row>('SELECT * FROM audit WHERE at >= ? ORDER BY at, id LIMIT ?', [
        options.since ?? 0,
        options.limit ?? 1_000_000,
      ])
      return rows.map((r): AuditRecord => ({
        id: r.id,
        at: r.at,
        terminalId: r.terminal_id,
        userId: r.user_id,
        email: r.email,
        event: r.event,
        factor: r.factor,
        outcome: r.outcome,
        detail: r.detail,
      }))
    },
    async lastSignIns() {
      // One scan of the sign-ins; the window keeps each account's latest.
      const rows = await db.all<LastRow>(
        `SELECT user_id, at, terminal_id, factor FROM (
         SELECT user_id, at, terminal_id, factor,
                ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY at DESC, id DESC) AS n
         FROM audit
         WHERE event = 'sign-in' AND outcome = 'ok' AND user_id IS NOT NULL
       ) AS latest
       WHERE n = 1`,
      )
      return rows.map((row): LastSignIn => ({
        userId: Number(row.user_id),
        at: row.at,
        terminalId: row.terminal_id,
        factor: row.factor,
      }))
    },
  }
}
