/**
 * `store copy`: moves one terminal's SQLite store into the shared PostgreSQL
 * store. Each account is copied in one transaction with everything that makes
 * it sign in (password hash and its state, authenticator app with its last
 * accepted step, security keys with their counters, recovery codes used or
 * not) and its throttle record; the audit log follows, in batches.
 *
 * Idempotent: an account whose address is already in the shared store is left
 * as it is there (and counted as such), and an audit entry already present
 * (same time, terminal, event, outcome, address, factor and detail) is not
 * added twice, so running the copy again copies nothing.
 *
 * Not copied: e-mailed codes and address-change codes (ten minutes of life,
 * bound to a sign-in in progress on that terminal).
 *
 * Ids are the shared store's: user ids are mapped by address, in the audit log
 * too. TOTP secrets are copied as stored, encrypted under the terminal's data
 * key: the fleet must share that key (README, « Many terminals: PostgreSQL »).
 */

import type { SqliteDatabase } from '../sqlite/sqlite'
import type { PgDatabase, PgExecutor } from './database'
import { EMAIL_KEY } from './migrations'

export interface CopyCounts {
  accounts: number
  /** Accounts whose address was already in the shared store: left as they are there. */
  accountsPresent: number
  apps: number
  keys: number
  /** Keys whose credential is already registered in the shared store (to anyone). */
  keysPresent: number
  recoveryCodes: number
  throttle: number
  audit: number
  auditPresent: number
}

interface UserRow {
  id: number
  email: string
  name: string
  password_hash: string
  must_change_password: number
  password_expires_at: number | null
  disabled: number
  created_at: number
  updated_at: number
}

interface AppRow {
  user_id: number
  secret_enc: Buffer
  device_name: string
  created_at: number
  last_step: number
}

interface KeyRow {
  id: string
  user_id: number
  credential_id: string
  public_key: Buffer
  sign_count: number
  aaguid: string
  fmt: string
  discoverable: number
  name: string
  created_at: number
  last_used_at: number | null
}

interface RecoveryRow {
  user_id: number
  code_mac: Buffer
  created_at: number
  used_at: number | null
}

interface ThrottleRow {
  subject: string
  failures: number
  last_failure_at: number
  locked_until: number
}

interface AuditRow {
  id: number
  at: number
  terminal_id: string
  user_id: number | null
  email: string | null
  event: string
  factor: string | null
  outcome: string
  detail: string | null
}

const AUDIT_BATCH = 1000

async function copyAccount(
  tx: PgExecutor,
  user: UserRow,
  source: SqliteDatabase,
  counts: CopyCounts,
): Promise<number | undefined> {
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO users (email, name, password_hash, must_change_password, password_expires_at, disabled, created_at, updated_at)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8
     WHERE NOT EXISTS (SELECT 1 FROM users WHERE ${EMAIL_KEY} = lower($1 COLLATE "C"))
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      user.email,
      user.name,
      user.password_hash,
      user.must_change_password === 1,
      user.password_expires_at,
      user.disabled === 1,
      user.created_at,
      user.updated_at,
    ],
  )
  const id = inserted.rows[0]?.id
  if (id === undefined) return undefined
  const app = await source.get<AppRow>('SELECT * FROM totp_apps WHERE user_id = ?', [user.id])
  if (app) {
    await tx.query(
      `INSERT INTO totp_apps (user_id, secret_enc, device_name, created_at, last_step) VALUES ($1, $2, $3, $4, $5)`,
      [id, app.secret_enc, app.device_name, app.created_at, app.last_step],
    )
    counts.apps++
  }
  const keys = await source.all<KeyRow>(
    'SELECT * FROM security_keys WHERE user_id = ? ORDER BY created_at, id',
    [user.id],
  )
  for (const k of keys) {
    const r = await tx.query(
      `INSERT INTO security_keys (id, user_id, credential_id, public_key, sign_count, aaguid, fmt, discoverable, name, created_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
      [
        k.id,
        id,
        k.credential_id,
        k.public_key,
        k.sign_count,
        k.aaguid,
        k.fmt,
        k.discoverable === 1,
        k.name,
        k.created_at,
        k.last_used_at,
      ],
    )
    if (r.rowCount === 1) counts.keys++
    else counts.keysPresent++
  }
  const codes = await source.all<RecoveryRow>(
    'SELECT * FROM recovery_codes WHERE user_id = ? ORDER BY id',
    [user.id],
  )
  if (codes.length) {
    await tx.query(
      `INSERT INTO recovery_codes (user_id, code_mac, created_at, used_at)
       SELECT $1, c.mac, c.created_at, c.used_at
       FROM unnest($2::bytea[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS c(mac, created_at, used_at, n)
       ORDER BY c.n`,
      [
        id,
        codes.map((c) => c.code_mac),
        codes.map((c) => c.created_at),
        codes.map((c) => c.used_at),
      ],
    )
    counts.recoveryCodes += codes.length
  }
  const throttle = await source.get<ThrottleRow>('SELECT * FROM throttle WHERE subject = ?', [
    user.email,
  ])
  if (throttle) {
    const r = await tx.query(
      `INSERT INTO throttle (subject, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subject) DO NOTHING`,
      [throttle.subject, throttle.failures, throttle.last_failure_at, throttle.locked_until],
    )
    counts.throttle += r.rowCount
  }
  return id
}

/** Copies `source` (a migrated SQLite store) into `target` (a migrated PostgreSQL store). */
export async function copySqliteToPg(
  source: SqliteDatabase,
  target: PgDatabase,
): Promise<CopyCounts> {
  const counts: CopyCounts = {
    accounts: 0,
    accountsPresent: 0,
    apps: 0,
    keys: 0,
    keysPresent: 0,
    recoveryCodes: 0,
    throttle: 0,
    audit: 0,
    auditPresent: 0,
  }
  // The data-key check goes along, so the shared store is tied to the key its
  // secrets are sealed with (terminals with another key refuse to start).
  const settings = await source.all<{ name: string; value: Buffer }>(
    'SELECT name, value FROM settings',
  )
  for (const row of settings) {
    await target.query(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
      [row.name, row.value],
    )
  }
  const users = await source.all<UserRow>('SELECT * FROM users ORDER BY id')
  for (const user of users) {
    // Counts of an attempt that PostgreSQL retries (a conflict) must not add up twice.
    const attempt = { ...counts }
    const id = await target.transaction(async (tx) => {
      Object.assign(attempt, counts)
      return copyAccount(tx, user, source, attempt)
    })
    Object.assign(counts, attempt)
    if (id === undefined) counts.accountsPresent++
    else counts.accounts++
  }

  // The audit log: user ids become the shared store's, found by address.
  const ids = new Map<number, number | null>()
  for (const user of users) {
    const r = await target.query<{ id: number }>(
      `SELECT id FROM users WHERE ${EMAIL_KEY} = lower($1 COLLATE "C")`,
      [user.email],
    )
    ids.set(user.id, r.rows[0]?.id ?? null)
  }
  for (let after = 0; ;) {
    const rows = await source.all<AuditRow>(
      'SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?',
      [after, AUDIT_BATCH],
    )
    if (rows.length === 0) break
    after = rows.at(-1)!.id
    const r = await target.transaction(
      (tx) =>
        tx.query(
          `INSERT INTO audit (at, terminal_id, user_id, email, event, factor, outcome, detail)
           SELECT s.at, s.terminal_id, s.user_id, s.email, s.event, s.factor, s.outcome, s.detail
           FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
             AS s(at, terminal_id, user_id, email, event, factor, outcome, detail, n)
           WHERE NOT EXISTS (
             SELECT 1 FROM audit a WHERE a.at = s.at AND a.terminal_id = s.terminal_id
               AND a.event = s.event AND a.outcome = s.outcome
               AND a.email IS NOT DISTINCT FROM s.email AND a.factor IS NOT DISTINCT FROM s.factor
               AND a.detail IS NOT DISTINCT FROM s.detail)
           ORDER BY s.n`,
          [
            rows.map((a) => a.at),
            rows.map((a) => a.terminal_id),
            rows.map((a) => (a.user_id === null ? null : (ids.get(a.user_id) ?? null))),
            rows.map((a) => a.email),
            rows.map((a) => a.event),
            rows.map((a) => a.factor),
            rows.map((a) => a.outcome),
            rows.map((a) => a.detail),
            rows.map((a) => a.id),
          ],
        ),
      { isolation: 'read committed' },
    )
    counts.audit += r.rowCount
    counts.auditPresent += rows.length - r.rowCount
  }
  return counts
}
