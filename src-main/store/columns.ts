/**
 * One statement that reads several tables at once (LEFT JOINs) names each
 * table's columns with a prefix; these helpers write that select list and take
 * a table's row back out of the joined row, under its own column names, for
 * the table's own row mapper. The same on SQLite and PostgreSQL.
 */

export const USER_COLUMNS = [
  'id',
  'email',
  'name',
  'password_hash',
  'must_change_password',
  'password_expires_at',
  'disabled',
  'created_at',
  'updated_at',
] as const

export const KEY_COLUMNS = [
  'id',
  'user_id',
  'credential_id',
  'public_key',
  'sign_count',
  'aaguid',
  'fmt',
  'discoverable',
  'name',
  'created_at',
  'last_used_at',
] as const

export const THROTTLE_COLUMNS = ['subject', 'failures', 'last_failure_at', 'locked_until'] as const

/** `a.id AS a_id, a.email AS a_email, …` */
export function prefixed(alias: string, columns: readonly string[]): string {
  return columns.map((c) => `${alias}.${c} AS ${alias}_${c}`).join(', ')
}

/** The columns of `alias` in a joined row, under their own names; undefined when the join found no row. */
export function unprefixed<T>(
  row: Record<string, unknown>,
  alias: string,
  columns: readonly string[],
  /** A NOT NULL column: null means no row was joined. */
  present: string,
): T | undefined {
  if (row[`${alias}_${present}`] === null || row[`${alias}_${present}`] === undefined)
    return undefined
  return Object.fromEntries(columns.map((c) => [c, row[`${alias}_${c}`]])) as T
}
