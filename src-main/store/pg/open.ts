/**
 * Opens the shared store of a terminal fleet: a PostgreSQL database that IT
 * runs and backs up. The numbered migrations (the same versions as SQLite's)
 * run at open, under an advisory lock so that terminals starting together
 * apply them once; a schema newer than this Guichet knows is refused.
 */

import type { Logger } from '../../log'
import { StoreOpenError } from '../sqlite/sqlite'
import type { Migration } from '../sqlite/migrations'
import type { TxRepos, Store } from '../types'
import { pgAddressCodes } from './address-codes'
import { pgApps } from './apps'
import { pgAudit } from './audit'
import { pgEmailCodes } from './codes'
import { errorCode, isConnectionError, PgDatabase, reasonOf, type PgExecutor } from './database'
import { StoreUnavailableError } from './errors'
import { pgKeys } from './keys'
import { PG_MIGRATIONS } from './migrations'
import { pgRecoveryCodes } from './recovery'
import { pgSettings } from './settings'
import { pgThrottle } from './throttle'
import { pgUsers } from './users'

export interface PgStore extends Store {
  /** The pool, for the copy command and the tests. */
  pg: PgDatabase
}

export function pgRepos(db: PgExecutor): TxRepos {
  return {
    users: pgUsers(db),
    throttle: pgThrottle(db),
    codes: pgEmailCodes(db),
    apps: pgApps(db),
    keys: pgKeys(db),
    recovery: pgRecoveryCodes(db),
    addressCodes: pgAddressCodes(db),
    settings: pgSettings(db),
    audit: pgAudit(db),
  }
}

/** pg_advisory_xact_lock key of the migrations ("guichet" in ASCII, truncated). */
const MIGRATION_LOCK = 0x67756963686574

export async function migratePg(
  db: PgDatabase,
  migrations: readonly Migration[] = PG_MIGRATIONS,
): Promise<number> {
  const known = migrations.at(-1)?.version ?? 0
  return db.transaction(
    async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      await tx.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      )
      const row = await tx.query<{ v: number | null }>(
        'SELECT max(version) AS v FROM schema_migrations',
      )
      const current = row.rows[0]?.v ?? 0
      if (current > known) {
        throw new StoreOpenError(
          `The database ${db.location} has schema version ${current}, newer than this Guichet knows (${known}): update Guichet on this terminal.`,
        )
      }
      for (const m of migrations) {
        if (m.version <= current) continue
        await tx.query(m.sql) // no parameters: the simple protocol runs the whole script
        await tx.query(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          [m.version, m.name, Date.now()],
        )
      }
      return known
    },
    { isolation: 'read committed' },
  )
}

/**
 * A sentence for IT that names the setting to fix. Resolves a StoreOpenError
 * for what waiting will not cure (password, database, role, TLS, rights), a
 * StoreUnavailableError for what it may (server down or starting).
 */
export function explainOpenError(thrown: unknown, db: PgDatabase): Error {
  if (thrown instanceof StoreOpenError) return thrown
  // The pool already wrapped connection-level failures: judge the server's own answer.
  const error = thrown instanceof StoreUnavailableError && thrown.cause ? thrown.cause : thrown
  const { user, host, port, database } = db.target
  const where = `the PostgreSQL server at ${host}:${port}`
  const code = errorCode(error)
  const message = error instanceof Error ? error.message : String(error)
  const cause = { cause: error }
  if (code === '28P01')
    return new StoreOpenError(
      `${capitalize(where)} refused the password of role "${user}" (${db.location}): set the PGPASSWORD variable or "store.passwordFile" to this role's password, and check the user in "store.url".`,
      cause,
    )
  if (/client password must be a string/i.test(message))
    return new StoreOpenError(
      `${capitalize(where)} asks a password for role "${user}" and none was given: set the PGPASSWORD variable or "store.passwordFile".`,
      cause,
    )
  if (code === '3D000')
    return new StoreOpenError(
      `The database "${database}" does not exist on ${where}: create it (CREATE DATABASE ${database} OWNER ${user}) or correct the database name in "store.url".`,
      cause,
    )
  if (code === '28000' && /role .* does not exist/i.test(message))
    return new StoreOpenError(
      `The role "${user}" does not exist on ${where}: create it (see the README, « Many terminals: PostgreSQL ») or correct the user in "store.url".`,
      cause,
    )
  if (code === '28000')
    return new StoreOpenError(
      `${capitalize(where)} does not accept role "${user}" on database "${database}" from this terminal (${message}): ask its administrator to allow it in pg_hba.conf, or add sslmode=verify-full to "store.url" if the server requires TLS.`,
      cause,
    )
  if (code === '42501')
    return new StoreOpenError(
      `The role "${user}" may not create Guichet's tables in the database "${database}" (${message}): make it the database's owner (ALTER DATABASE ${database} OWNER TO ${user}), or run "store migrate" once as the owner.`,
      cause,
    )
  if (
    /certificate|self[- ]signed|SSL|TLS|Hostname\/IP does not match|altnames/i.test(message) &&
    !isConnectionError(error)
  )
    return new StoreOpenError(
      `TLS to ${where} failed (${message}): check sslmode and sslrootcert in "store.url".`,
      cause,
    )
  if (isConnectionError(error))
    return new StoreUnavailableError(
      `Cannot reach ${where} named by "store.url" (${db.location}): ${reasonOf(error)}.`,
      cause,
    )
  return new StoreOpenError(`Cannot prepare the database ${db.location}: ${message}`, cause)
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

export interface OpenPgOptions {
  url: string
  password?: string
  log?: Logger
  max?: number
  connectTimeoutMs?: number
}

/** One attempt: connect, migrate, and hand out the repositories. */
export async function openPgStore(options: OpenPgOptions): Promise<PgStore> {
  const db = new PgDatabase(options)
  try {
    await migratePg(db)
  } catch (error) {
    await db.close().catch(() => undefined)
    throw explainOpenError(error, db)
  }
  return {
    ...pgRepos(db),
    pg: db,
    location: db.location,
    transaction: (fn) => db.transaction((tx) => fn(pgRepos(tx))),
    close: () => db.close(),
  }
}
