// Reads a Guichet data folder the way an auditor would after a crash: the
// SQLite file opened read-only with the `sqlite3` package, the data key from
// its file, and every rule that a half-done write would break.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sqlite3 from 'sqlite3'
import { open as openSealed } from '../../../src-main/engine/secrets'

type Row = Record<string, unknown>

function openReadOnly(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (e) =>
      e ? reject(e) : resolve(db),
    )
  })
}

function all<T = Row>(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all(sql, params, (e: Error | null, rows: T[]) => (e ? reject(e) : resolve(rows))),
  )
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((e) => (e ? reject(e) : resolve())))
}

export interface ThrottleRow {
  failures: number
  lockedUntil: number
}

export interface StoreReport {
  /** `PRAGMA integrity_check`, rows joined ("ok" when sound). */
  integrity: string
  /** Every broken rule, in words; empty when the store is consistent. */
  violations: string[]
  /** Subject → counter. */
  throttle: Map<string, ThrottleRow>
  /** User id → decrypted TOTP secret. */
  apps: Map<number, string>
  /** User id → last accepted TOTP step. */
  lastSteps: Map<number, number>
  /** Users with at least one security key. */
  keyUsers: Set<number>
  /** User id → address, for messages. */
  emails: Map<number, string>
  /** Subjects with a successful sign-in, step-up or address change in the audit log at or after `since`. */
  successesSince(since: number): Set<string>
  auditCount: number
}

/** Only the throttle counters (cheap; taken just before a kill). */
export async function readThrottle(dataDir: string): Promise<Map<string, ThrottleRow>> {
  const db = await openReadOnly(join(dataDir, 'guichet.sqlite'))
  try {
    const rows = await all<{ subject: string; failures: number; locked_until: number }>(
      db,
      'SELECT subject, failures, locked_until FROM throttle',
    )
    return new Map(
      rows.map((r) => [r.subject, { failures: r.failures, lockedUntil: r.locked_until }]),
    )
  } finally {
    await close(db)
  }
}

export async function checkStore(dataDir: string): Promise<StoreReport> {
  const dataKey = new Uint8Array(await readFile(join(dataDir, 'data.key')))
  const db = await openReadOnly(join(dataDir, 'guichet.sqlite'))
  const violations: string[] = []
  try {
    const integrity = (await all<{ integrity_check: string }>(db, 'PRAGMA integrity_check'))
      .map((r) => r.integrity_check)
      .join('; ')
    const fk = await all(db, 'PRAGMA foreign_key_check')
    if (fk.length > 0) violations.push(`foreign keys: ${JSON.stringify(fk)}`)

    const users = await all<{ id: number; email: string }>(db, 'SELECT id, email FROM users')
    const emails = new Map(users.map((u) => [u.id, u.email]))
    const audit = await all<{
      at: number
      user_id: number | null
      email: string | null
      event: string
      outcome: string
    }>(db, 'SELECT at, user_id, email, event, outcome FROM audit')
    const okEntries = new Set(
      audit.filter((a) => a.outcome === 'ok').map((a) => `${a.user_id}|${a.event}|${a.at}`),
    )
    const audited = (userId: number, events: string[], at: number): boolean =>
      events.some((e) => okEntries.has(`${userId}|${e}|${at}`))

    // Authenticator apps: complete rows whose secret opens under the data key,
    // written in the same transaction as their audit entry.
    const apps = new Map<number, string>()
    const lastSteps = new Map<number, number>()
    const appRows = await all<{
      user_id: number
      secret_enc: Buffer | null
      device_name: string
      created_at: number
      last_step: number
    }>(db, 'SELECT * FROM totp_apps')
    for (const a of appRows) {
      const who = `totp_apps user ${a.user_id}`
      if (!a.secret_enc || a.secret_enc.length === 0) {
        violations.push(`${who}: empty secret_enc`)
        continue
      }
      try {
        const secret = Buffer.from(
          openSealed(dataKey, new Uint8Array(a.secret_enc), `totp:${a.user_id}`),
        ).toString('utf8')
        if (!/^[A-Z2-7]{32}$/.test(secret)) violations.push(`${who}: secret is not 160-bit base32`)
        apps.set(a.user_id, secret)
      } catch (error) {
        violations.push(`${who}: secret does not decrypt (${(error as Error).message})`)
      }
      lastSteps.set(a.user_id, a.last_step)
      if (!a.device_name) violations.push(`${who}: no device name`)
      if (!(a.created_at > 0)) violations.push(`${who}: no creation time`)
      if (!audited(a.user_id, ['app-enrolled', 'setup'], a.created_at))
        violations.push(`${who}: no 'app-enrolled' audit entry at ${a.created_at}`)
    }

    // Security keys: never without their 'key-added' audit entry.
    const keyRows = await all<{ id: string; user_id: number; created_at: number }>(
      db,
      'SELECT id, user_id, created_at FROM security_keys',
    )
    const keyUsers = new Set(keyRows.map((k) => k.user_id))
    for (const k of keyRows) {
      if (!audited(k.user_id, ['key-added'], k.created_at))
        violations.push(`security_keys ${k.id} (user ${k.user_id}): no 'key-added' audit entry`)
    }

    // Recovery codes: a set of 10, created together with the account's first
    // app or key, in the transaction that added it.
    const recovery = await all<{ user_id: number; n: number; times: number; t: number }>(
      db,
      'SELECT user_id, count(*) AS n, count(DISTINCT created_at) AS times, min(created_at) AS t FROM recovery_codes GROUP BY user_id',
    )
    const withCodes = new Set<number>()
    for (const r of recovery) {
      const who = `recovery_codes user ${r.user_id}`
      withCodes.add(r.user_id)
      if (r.n !== 10 || r.times !== 1) violations.push(`${who}: ${r.n} codes at ${r.times} times`)
      if (!keyUsers.has(r.user_id) && !appRows.some((a) => a.user_id === r.user_id))
        violations.push(`${who}: codes without an app or key`)
      if (!audited(r.user_id, ['recovery-codes-issued'], r.t))
        violations.push(`${who}: no 'recovery-codes-issued' audit entry`)
      if (!audited(r.user_id, ['app-enrolled', 'key-added'], r.t))
        violations.push(`${who}: not created together with an app or key`)
    }
    for (const id of new Set([...appRows.map((a) => a.user_id), ...keyUsers])) {
      if (
        !withCodes.has(id) &&
        !audited(id, ['setup'], appRows.find((a) => a.user_id === id)?.created_at ?? -1)
      )
        violations.push(`user ${id}: an app or key but no recovery codes`)
    }

    // E-mailed codes: a code is used or not, never both; one active per user;
    // counted as sent together with its audit entry; voided by an enrolled app.
    const codes = await all<{
      id: number
      user_id: number
      sent_at: number
      attempts: number
      state: string
      used_at: number | null
    }>(db, 'SELECT id, user_id, sent_at, attempts, state, used_at FROM email_codes')
    const active = new Map<number, number>()
    for (const c of codes) {
      const who = `email_codes ${c.id} (user ${c.user_id})`
      if ((c.state === 'used') !== (c.used_at !== null))
        violations.push(`${who}: state ${c.state} with used_at ${c.used_at}`)
      if (!['active', 'used', 'voided'].includes(c.state))
        violations.push(`${who}: state ${c.state}`)
      if (c.attempts > 5) violations.push(`${who}: ${c.attempts} attempts`)
      if (c.state === 'active') active.set(c.user_id, (active.get(c.user_id) ?? 0) + 1)
      if (!audited(c.user_id, ['code-sent'], c.sent_at))
        violations.push(`${who}: no 'code-sent' audit entry`)
      const app = appRows.find((a) => a.user_id === c.user_id)
      if (c.state === 'active' && app && app.created_at >= c.sent_at)
        violations.push(`${who}: still active after the app was enrolled`)
    }
    for (const [userId, n] of active)
      if (n > 1) violations.push(`user ${userId}: ${n} active e-mailed codes`)

    const throttleRows = await all<{ subject: string; failures: number; locked_until: number }>(
      db,
      'SELECT subject, failures, locked_until FROM throttle',
    )
    for (const t of throttleRows)
      if (t.failures < 1) violations.push(`throttle ${t.subject}: ${t.failures} failures`)

    return {
      integrity,
      violations,
      throttle: new Map(
        throttleRows.map((r) => [r.subject, { failures: r.failures, lockedUntil: r.locked_until }]),
      ),
      apps,
      lastSteps,
      keyUsers,
      emails,
      auditCount: audit.length,
      successesSince(since) {
        return new Set(
          audit
            .filter(
              (a) =>
                a.at >= since &&
                a.outcome === 'ok' &&
                ['sign-in', 'step-up', 'address-changed'].includes(a.event) &&
                a.user_id !== null,
            )
            .map((a) => emails.get(a.user_id as number) ?? ''),
        )
      },
    }
  } finally {
    await close(db)
  }
}
