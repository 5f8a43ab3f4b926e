// What "nothing changed" means for the proof tests: every table of the SQLite
// store (all rows, hashed, with their counts), the mails the SMTP server got,
// and the prototypes a payload could try to pollute.

import { createHash } from 'node:crypto'
import type { Store } from '../../../src-main/store/types'

interface Db {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>
}

function dbOf(store: Store): Db {
  const db = (store as unknown as { db?: Db }).db
  if (!db) throw new Error('the proof tests need the SQLite store (store.db)')
  return db
}

export interface StoreSnapshot {
  /** Row count per table. */
  counts: Record<string, number>
  /** sha256 of each table's rows in rowid order. */
  hashes: Record<string, string>
}

const canonical = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array || (value as { type?: string })?.type === 'Buffer'
    ? Buffer.from(value as Uint8Array).toString('hex')
    : value

/** Every table, every row: counts and a content hash per table. */
export async function snapshotStore(store: Store): Promise<StoreSnapshot> {
  const db = dbOf(store)
  const tables = await db.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  )
  const counts: Record<string, number> = {}
  const hashes: Record<string, string> = {}
  for (const { name } of tables) {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM "${name}"`)
    counts[name] = rows.length
    hashes[name] = createHash('sha256').update(JSON.stringify(rows, canonical)).digest('hex')
  }
  return { counts, hashes }
}

/** The rows of one table (for the readable failure message when a snapshot differs). */
export async function tableRows(store: Store, table: string): Promise<Record<string, unknown>[]> {
  return dbOf(store).all<Record<string, unknown>>(`SELECT * FROM "${table}"`)
}

/** Own property names of the prototypes a `__proto__` / `constructor.prototype` payload aims at. */
export function prototypeFingerprint(): Record<string, string[]> {
  const names = (o: object): string[] => Reflect.ownKeys(o).map(String).sort()
  return {
    Object: names(Object.prototype),
    Array: names(Array.prototype),
    Function: names(Function.prototype),
    String: names(String.prototype),
  }
}

/** Properties a polluted prototype would show on a fresh object. */
export const POLLUTION_MARKERS = ['polluted', 'isAdmin', 'admin', 'role', 'userId'] as const

export function pollutedMarkers(): string[] {
  const probe: Record<string, unknown> = {}
  return POLLUTION_MARKERS.filter((k) => probe[k] !== undefined || k in probe)
}
