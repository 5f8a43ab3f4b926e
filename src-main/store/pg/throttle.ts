import type { ThrottleRecord, ThrottleRepo } from '../types'
import type { PgExecutor } from './database'

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

// n = failures after this one (1 again when the last failure is older than
// forgetAfter); wait = 0 while n <= free, else base * 2^(n - free - 1), capped.
const COUNT = `(CASE WHEN $2::bigint - t.last_failure_at > $6::bigint THEN 1 ELSE t.failures + 1 END)`

export function pgThrottle(db: PgExecutor): ThrottleRepo {
  return {
    async get(subject) {
      const r = await db.query<ThrottleRow>('SELECT * FROM throttle WHERE subject = $1', [subject])
      return r.rows[0] && throttleFromRow(r.rows[0])
    },
    async recordFailure(subject, now, p) {
      // One statement: PostgreSQL computes the count and the wait from the stored
      // row under its row lock, so two terminals never both read the old count.
      const r = await db.query<ThrottleRow>(
        `INSERT INTO throttle AS t (subject, failures, last_failure_at, locked_until)
         VALUES ($1, 1, $2::bigint, CASE WHEN 1 > $3::integer THEN $2::bigint + $4::bigint ELSE 0 END)
         ON CONFLICT (subject) DO UPDATE SET
           failures = ${COUNT},
           last_failure_at = GREATEST(t.last_failure_at, $2::bigint),
           locked_until = CASE
             WHEN ${COUNT} <= $3::integer THEN t.locked_until
             ELSE GREATEST(t.locked_until, $2::bigint + LEAST($5::bigint,
               $4::bigint * (1::bigint << LEAST(30, ${COUNT} - $3::integer - 1))))
           END
         RETURNING *`,
        [subject, now, p.freeFailures, p.baseWaitMs, p.maxWaitMs, p.forgetAfterMs],
      )
      const row = r.rows[0]
      if (!row) throw new Error('throttle upsert returned no row')
      return throttleFromRow(row)
    },
    async reset(subject) {
      await db.query('DELETE FROM throttle WHERE subject = $1', [subject])
    },
  }
}
