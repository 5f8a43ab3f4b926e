/**
 * A small promise layer over `sqlite3` with one rule: a connection runs one
 * transaction at a time. node-sqlite3 queues statements on its connection but
 * knows nothing of transactions, so two async callers could interleave their
 * statements inside one BEGIN…COMMIT; the lock below prevents that.
 */

import { chmod, mkdir, open as openFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import sqlite3 from 'sqlite3'

export type SqlValue = string | number | bigint | Uint8Array | Buffer | null
export type Params = readonly SqlValue[]

export interface RunResult {
  changes: number
  lastID: number
}

/** The statements a repository needs; implemented by a connection and by a transaction. */
export interface SqlExecutor {
  run(sql: string, params?: Params): Promise<RunResult>
  get<T>(sql: string, params?: Params): Promise<T | undefined>
  all<T>(sql: string, params?: Params): Promise<T[]>
}

export class StoreOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreOpenError'
  }
}

class Mutex {
  private tail: Promise<void> = Promise.resolve()
  lock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn)
    this.tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }
}

function raw(db: sqlite3.Database): SqlExecutor {
  return {
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        db.run(sql, params as unknown[], function (this: sqlite3.RunResult, error: Error | null) {
          if (error) reject(error)
          else resolve({ changes: this.changes, lastID: this.lastID })
        })
      }),
    get: <T>(sql: string, params: Params = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        db.get(sql, params as unknown[], (error: Error | null, row: T | undefined) =>
          error ? reject(error) : resolve(row),
        )
      }),
    all: <T>(sql: string, params: Params = []) =>
      new Promise<T[]>((resolve, reject) => {
        db.all(sql, params as unknown[], (error: Error | null, rows: T[]) =>
          error ? reject(error) : resolve(rows),
        )
      }),
  }
}

export class SqliteDatabase implements SqlExecutor {
  private readonly mutex = new Mutex()
  private readonly exec: SqlExecutor

  private constructor(
    private readonly db: sqlite3.Database,
    readonly path: string,
  ) {
    this.exec = raw(db)
  }

  /** Opens (creating 0600 if needed) and sets the pragmas every connection needs. */
  static async open(path: string): Promise<SqliteDatabase> {
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      const handle = await openFile(path, 'a', 0o600)
      await handle.close()
      await chmod(path, 0o600)
    } catch (error) {
      throw new StoreOpenError(
        `Cannot create or open the data file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check that the data folder exists and is writable by this user.`,
        { cause: error },
      )
    }
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d: sqlite3.Database = new sqlite3.Database(
        path,
        sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX,
        (error) => (error ? reject(error) : resolve(d)),
      )
    }).catch((error: Error) => {
      throw new StoreOpenError(`Cannot open the database ${path}: ${error.message}`, {
        cause: error,
      })
    })
    const store = new SqliteDatabase(db, path)
    try {
      await store.exec.run('PRAGMA busy_timeout = 5000')
      const mode = await store.exec.get<{ journal_mode: string }>('PRAGMA journal_mode = WAL')
      if (mode?.journal_mode !== 'wal') throw new Error('the database refused WAL mode')
      await store.exec.run('PRAGMA foreign_keys = ON')
      await store.exec.run('PRAGMA synchronous = NORMAL')
      const check = await store.exec.get<{ quick_check: string }>('PRAGMA quick_check')
      if (check?.quick_check !== 'ok') throw new Error(`integrity check: ${check?.quick_check}`)
    } catch (error) {
      await store.close().catch(() => undefined)
      const message = (error as Error).message
      const why = /SQLITE_BUSY|locked/i.test(message)
        ? 'it is locked by another program'
        : /NOTADB|CORRUPT|malformed|integrity/i.test(message)
          ? 'it is damaged or not a Guichet database (restore it from a backup)'
          : message
      throw new StoreOpenError(`Cannot use the database ${path}: ${why}.`, { cause: error })
    }
    return store
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.mutex.lock(() => this.exec.run(sql, params))
  }
  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.mutex.lock(() => this.exec.get<T>(sql, params))
  }
  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.mutex.lock(() => this.exec.all<T>(sql, params))
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so
   * two terminals on one file serialise instead of failing at COMMIT).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.mutex.lock(async () => {
      await this.exec.run('BEGIN IMMEDIATE')
      try {
        const result = await fn(this.exec)
        await this.exec.run('COMMIT')
        return result
      } catch (error) {
        await this.exec.run('ROLLBACK').catch(() => undefined)
        throw error
      }
    })
  }

  close(): Promise<void> {
    return this.mutex.lock(
      () =>
        new Promise<void>((resolve, reject) => this.db.close((e) => (e ? reject(e) : resolve()))),
    )
  }
}
