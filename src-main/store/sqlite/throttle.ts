import type { SqlExecutor } from './sqlite'
import type { ThrottleRecord, ThrottleRepo } from '../types'

export interface ThrottleRow {
  subject: string
  failures: number
  last_failure_at: number
  locked_until: number
}

export const throttleFromRow = (r: ThrottleRow): ThrottleRecord => ({
  subject: r.subject,
  failures: r.failures,
  lastFailureAt: r.last_failure_at,
  lockedUntil: r.locked_until,
})

export function sqliteThrottle(db: SqlExecutor): ThrottleRepo {
  return {
    async get(subject) {
      const row = await db.get<ThrottleRow>('SELECT * FROM throttle WHERE subject = ?', [subject])
      return row && throttleFromRow(row)
    },
    async recordFailure(subject, now, p) {
      // One statement: the count and the wait it earns are computed by SQLite
      // from the stored row, so two terminals never both read the old count.
      // n = failures after this one; wait = 0 while n <= free, else
      // base * 2^(n - free - 1), capped.
      const row = await db.get<ThrottleRow>(
        `INSERT INTO throttle (subject, failures, last_failure_at, locked_until)
         VALUES (?1, 1, ?2, CASE WHEN 1 > ?3 THEN ?2 + ?4 ELSE 0 END)
         ON CONFLICT (subject) DO UPDATE SET
           failures = CASE WHEN ?2 - last_failure_at > ?6 THEN 1 ELSE failures + 1 END,
           last_failure_at = max(last_failure_at, ?2),
           locked_until = CASE
             WHEN (CASE WHEN ?2 - last_failure_at > ?6 THEN 1 ELSE failures + 1 END) <= ?3 THEN locked_until
             ELSE max(locked_until, ?2 + min(?5, ?4 * (1 << min(30,
               (CASE WHEN ?2 - last_failure_at > ?6 THEN 1 ELSE failures + 1 END) - ?3 - 1))))
           END
         RETURNING *`,
        [subject, now, p.freeFailures, p.baseWaitMs, p.maxWaitMs, p.forgetAfterMs],
      )
      if (!row) throw new Error('throttle upsert returned no row')
      return throttleFromRow(row)
    },
    async reset(subject) {
      await db.run('DELETE FROM throttle WHERE subject = ?', [subject])
    },
  }
}
