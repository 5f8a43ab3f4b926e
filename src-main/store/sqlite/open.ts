/**
 * Opens the single-terminal store: one SQLite file in dataDir, 0600, WAL,
 * foreign keys, numbered migrations applied at open.
 */

import { join } from 'node:path'
import { sqliteAddressCodes } from './address-codes'
import { sqliteApps } from './apps'
import { sqliteAudit } from './audit'
import { sqliteEmailCodes } from './codes'
import { SQLITE_MIGRATIONS, type Migration } from './migrations'
import { sqliteRecoveryCodes } from './recovery'
import { SqliteDatabase, StoreOpenError, type SqlExecutor } from './sqlite'
import { sqliteKeys } from './keys'
import { sqliteSettings } from './settings'
import { sqliteThrottle } from './throttle'
import type { TxRepos, Store } from '../types'
import { sqliteUsers } from './users'

export const DB_FILE_NAME = 'guichet.sqlite'

function repos(db: SqlExecutor): TxRepos {
  return {
    users: sqliteUsers(db),
    throttle: sqliteThrottle(db),
    codes: sqliteEmailCodes(db),
    apps: sqliteApps(db),
    keys: sqliteKeys(db),
    recovery: sqliteRecoveryCodes(db),
    addressCodes: sqliteAddressCodes(db),
    settings: sqliteSettings(db),
    audit: sqliteAudit(db),
  }
}

export async function migrate(
  db: SqliteDatabase,
  migrations: readonly Migration[] = SQLITE_MIGRATIONS,
): Promise<number> {
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  )
  const row = await db.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')
  const current = row?.v ?? 0
  const known = migrations.at(-1)?.version ?? 0
  if (current > known) {
    throw new StoreOpenError(
      `The database ${db.path} has schema version ${current}, newer than this Guichet knows (${known}): update Guichet on this terminal.`,
    )
  }
  for (const m of migrations) {
    if (m.version <= current) continue
    await db.transaction(async (tx) => {
      for (const statement of m.sql
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean)) {
        await tx.run(statement)
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        Date.now(),
      ])
    })
  }
  return known
}

export async function openSqliteStore(dataDir: string): Promise<Store & { db: SqliteDatabase }> {
  const path = join(dataDir, DB_FILE_NAME)
  const db = await SqliteDatabase.open(path)
  try {
    await migrate(db)
  } catch (error) {
    await db.close().catch(() => undefined)
    if (error instanceof StoreOpenError) throw error
    throw new StoreOpenError(`Cannot prepare the database ${path}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return {
    ...repos(db),
    db,
    location: path,
    transaction: (fn) => db.transaction((tx) => fn(repos(tx))),
    close: () => db.close(),
  }
}
