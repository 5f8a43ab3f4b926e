import type { SqlExecutor } from './sqlite'
import type { AuditRecord, AuditRepo } from '../types'

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
  }
}
