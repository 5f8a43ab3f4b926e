/**
 * A small promise layer over `sqlite3` with one rule: a connection runs one
 * transaction at a time, alone. node-sqlite3 queues statements on its
 * connection but knows nothing of transactions, so two async callers could
 * interleave their statements inside one BEGIN…COMMIT; the lock below prevents
 * that, while single statements outside a transaction run side by side.
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

/**
 * Who may use the connection: single statements together (each is its own
 * implicit transaction, and node-sqlite3 runs them side by side on its thread
 * pool, SQLite's connection mutex taking them one at a time), a transaction
 * alone. Turns are taken in call order: a statement asked for after a
 * transaction runs after it, a transaction waits for the statements asked
 * for before it.
 */
class ConnectionLock {
  /** Settles when the last transaction asked for (and all before it) is over. */
  private exclusive: Promise<void> = Promise.resolve()
  /** Statements asked for since that transaction, still running. */
  private readonly statements = new Set<Promise<void>>()

  statement<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    this.statements.add(settled)
    void settled.then(() => this.statements.delete(settled))
    return run
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    const before = Promise.all([this.exclusive, ...this.statements])
    this.statements.clear()
    const run = before.then(fn)
    this.exclusive = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }
}

/** Prepared statements kept per connection, at most this many (the least recently used goes). */
export const STATEMENT_CACHE_SIZE = 128

/**
 * The connection's prepared statements, kept by SQL text. node-sqlite3 runs
 * each step of a statement as one job on libuv's thread pool, and each job's
 * answer waits for a turn of the event loop: `db.run(sql)` is two of them
 * (prepare, then run), a kept statement one (bind and step together). Every
 * statement is stepped to its end (run: once, for statements without rows;
 * get and all: every row), so none is left open holding a read snapshot, and
 * it is bound afresh at each use.
 */
class StatementCache {
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>()

  constructor(
    private readonly db: sqlite3.Database,
    private readonly max = STATEMENT_CACHE_SIZE,
  ) {}

  statement(sql: string): Promise<sqlite3.Statement> {
    const kept = this.statements.get(sql)
    if (kept) {
      // most recently used last: Map keeps insertion order
      this.statements.delete(sql)
      this.statements.set(sql, kept)
      return kept
    }
    const prepared = new Promise<sqlite3.Statement>((resolve, reject) => {
      const statement = this.db.prepare(sql, (error: Error | null) =>
        error ? reject(error) : resolve(statement),
      )
    })
    this.statements.set(sql, prepared)
    prepared.then(
      () => this.evict(),
      // A statement that does not prepare is not kept (its error goes to the caller).
      () => {
        if (this.statements.get(sql) === prepared) this.statements.delete(sql)
      },
    )
    return prepared
  }

  /** The least recently used statements beyond `max` are finalized. */
  private evict(): void {
    while (this.statements.size > this.max) {
      const [oldest, statement] = this.statements.entries().next().value as [
        string,
        Promise<sqlite3.Statement>,
      ]
      this.statements.delete(oldest)
      // node-sqlite3 finalizes after the uses already queued on the statement
      void statement.then(
        (s) => s.finalize(),
        () => undefined,
      )
    }
  }

  get size(): number {
    return this.statements.size
  }

  /** Finalizes every kept statement (before the connection closes). */
  async clear(): Promise<void> {
    const all = [...this.statements.values()]
    this.statements.clear()
    await Promise.all(
      all.map((p) =>
        p.then(
          (s) => new Promise<void>((resolve) => s.finalize(() => resolve())),
          () => undefined,
        ),
      ),
    )
  }
}

/**
 * What `run` may step through a kept statement: a write or a transaction's
 * boundary, which one step completes. Anything else that may answer rows
 * (PRAGMA, RETURNING) or runs once (DDL, migrations) is prepared, run and
 * finalized as before.
 */
const KEPT_RUN =
  /^\s*(INSERT|UPDATE|DELETE|REPLACE|BEGIN|COMMIT|ROLLBACK)\b(?![\s\S]*\bRETURNING\b)/i

function raw(db: sqlite3.Database, cache: StatementCache): SqlExecutor {
  const once = (sql: string, params: Params): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      db.run(sql, params as unknown[], function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error)
        else resolve({ changes: this.changes, lastID: this.lastID })
      })
    })
  return {
    run: async (sql, params = []) => {
      if (!KEPT_RUN.test(sql)) return once(sql, params)
      const statement = await cache.statement(sql)
      return new Promise((resolve, reject) => {
        statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
          if (error) reject(error)
          else resolve({ changes: this.changes, lastID: this.lastID })
        })
      })
    },
    // `all`, not `get`: a statement stepped to its last row leaves no read open.
    get: async <T>(sql: string, params: Params = []) => {
      const statement = await cache.statement(sql)
      return new Promise<T | undefined>((resolve, reject) => {
        statement.all(params, (error: Error | null, rows: T[]) =>
          error ? reject(error) : resolve(rows[0]),
        )
      })
    },
    all: async <T>(sql: string, params: Params = []) => {
      const statement = await cache.statement(sql)
      return new Promise<T[]>((resolve, reject) => {
        statement.all(params, (error: Error | null, rows: T[]) =>
          error ? reject(error) : resolve(rows),
        )
      })
    },
  }
}

export class SqliteDatabase implements SqlExecutor {
  private readonly lock = new ConnectionLock()
  private readonly statements: StatementCache
  private readonly exec: SqlExecutor

  private constructor(
    private readonly db: sqlite3.Database,
    readonly path: string,
  ) {
    this.statements = new StatementCache(db)
    this.exec = raw(db, this.statements)
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

  /** How many prepared statements the connection keeps (at most STATEMENT_CACHE_SIZE). */
  get keptStatements(): number {
    return this.statements.size
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.lock.statement(() => this.exec.run(sql, params))
  }
  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.lock.statement(() => this.exec.get<T>(sql, params))
  }
  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.lock.statement(() => this.exec.all<T>(sql, params))
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so
   * two terminals on one file serialise instead of failing at COMMIT).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.transaction(async () => {
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
    return this.lock.transaction(async () => {
      await this.statements.clear()
      await new Promise<void>((resolve, reject) =>
        this.db.close((e) => (e ? reject(e) : resolve())),
      )
    })
  }
}
