/**
 * The PostgreSQL connection layer: one pool per terminal, parameterised queries
 * only, and transactions on a dedicated client. What the repositories need is
 * `PgExecutor`, implemented by the pool (one statement, autocommit) and by a
 * transaction's client.
 *
 * Failures are sorted in two: the server cannot be reached (refused, dropped,
 * shutting down, too many connections…) becomes a StoreUnavailableError, so the
 * kiosk says « service indisponible » and the clerk can try again; anything else
 * (a bug, a constraint) is thrown as is.
 */

import pg from 'pg'
import type { Logger } from '../../log'
import { silentLogger } from '../../log'
import { StoreUnavailableError } from './errors'

export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface PgExecutor {
  query<T extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>
  /**
   * One statement that may break a unique constraint: resolves `undefined` when
   * it did. Inside a transaction it runs under a savepoint, so the transaction
   * goes on (PostgreSQL would otherwise abort it).
   */
  unlessUnique<T extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T> | undefined>
}

export interface PgTarget {
  user: string
  host: string
  port: number
  database: string
}

export interface PgDatabaseOptions {
  /** postgres://user@host:port/database[?sslmode=…]; never with a password (see `password`). */
  url: string
  /** Default: PGPASSWORD, then ~/.pgpass (the client's own lookups). */
  password?: string
  /** Connections of this terminal at most (the engine runs one request at a time). */
  max?: number
  connectTimeoutMs?: number
  log?: Logger
}

/** Milliseconds since the epoch are BIGINT: read them (and counts) as numbers, not strings. */
const INT8_OID = 20
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  },
} as pg.CustomTypesConfig

/** The URL to show in messages and logs: never a password, never query options. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    const user = u.username ? `${decodeURIComponent(u.username)}@` : ''
    return `${u.protocol}//${user}${u.host}${u.pathname}`
  } catch {
    return 'postgres://(unreadable URL)'
  }
}

export function targetOf(url: string): PgTarget {
  const u = new URL(url)
  return {
    user: decodeURIComponent(u.username) || process.env.PGUSER || process.env.USER || 'postgres',
    host: u.hostname || 'localhost',
    port: Number(u.port || 5432),
    database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username),
  }
}

const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
])

/** SQLSTATEs that mean "the server is not there for us right now". */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database is gone
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification
])

const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly|Client was closed|Cannot use a pool after calling end|server closed the connection/i

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** True when the error says the server could not be reached or the connection broke. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true
  const code = errorCode(error)
  if (code && (NET_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')))
    return true
  if (error instanceof AggregateError) return error.errors.some(isConnectionError)
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message)
}

/** A short reason for messages: the error code, or the first line of the message. */
export function reasonOf(error: unknown): string {
  const code = errorCode(error)
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
  if (code && NET_CODES.has(code)) return code
  if (error instanceof AggregateError && error.errors[0]) return reasonOf(error.errors[0])
  return message || code || 'unknown error'
}

const SERIALIZATION_FAILURE = '40001'
const DEADLOCK_DETECTED = '40P01'
const UNIQUE_VIOLATION = '23505'
const MAX_TX_ATTEMPTS = 10

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export type Isolation = 'serializable' | 'read committed'

export class PgDatabase implements PgExecutor {
  readonly location: string
  readonly target: PgTarget
  private readonly pool: pg.Pool
  private readonly log: Logger
  private closed = false

  constructor(options: PgDatabaseOptions) {
    this.location = describeUrl(options.url)
    this.target = targetOf(options.url)
    this.log = options.log ?? silentLogger
    this.pool = new pg.Pool({
      connectionString: options.url,
      ...(options.password !== undefined ? { Client: clientWithPassword(options.password) } : {}),
      max: options.max ?? 3,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'guichet',
      types,
    })
    // An idle connection that breaks (server restart, network) emits here; without
    // a listener Node would end the process. The pool drops it and opens another.
    this.pool.on('error', (error) => {
      this.log.warn('A connection to the account store broke while idle; it will be reopened.', {
        store: this.location,
        reason: reasonOf(error),
      })
    })
  }

  /** Connection errors become StoreUnavailableError; everything else is thrown as is. */
  translate(error: unknown): unknown {
    if (error instanceof StoreUnavailableError) return error
    if (isConnectionError(error))
      return new StoreUnavailableError(
        `The account store at ${this.location} cannot be reached (${reasonOf(error)}); nothing was written, try again.`,
        { cause: error },
      )
    return error
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []) {
    try {
      const r = await this.pool.query<T>(sql, params as unknown[])
      return { rows: r.rows, rowCount: r.rowCount ?? 0 }
    } catch (error) {
      throw this.translate(error)
    }
  }

  async unlessUnique<T extends object>(sql: string, params: readonly unknown[] = []) {
    try {
      return await this.query<T>(sql, params)
    } catch (error) {
      if (errorCode(error) === UNIQUE_VIOLATION) return undefined
      throw error
    }
  }

  /**
   * Runs `fn` in one transaction on a dedicated client: BEGIN, COMMIT, or
   * ROLLBACK on any error. SERIALIZABLE by default, so a transaction that reads
   * then writes (first start, a new code voiding the old) behaves as if the
   * terminals took turns; when PostgreSQL reports a conflict (40001) or a
   * deadlock, the whole of `fn` runs again, a few times at most. The client is
   * released in every case, and destroyed if its connection broke.
   */
  async transaction<T>(
    fn: (tx: PgExecutor) => Promise<T>,
    options: { isolation?: Isolation } = {},
  ): Promise<T> {
    const begin = `BEGIN ISOLATION LEVEL ${(options.isolation ?? 'serializable').toUpperCase()}`
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient
      try {
        client = await this.pool.connect()
      } catch (error) {
        throw this.translate(error)
      }
      let broken = false
      const onError = (): void => {
        broken = true
      }
      client.on('error', onError)
      try {
        await client.query(begin)
        const result = await fn(clientExecutor(client))
        await client.query('COMMIT')
        return result
      } catch (error) {
        if (!broken) {
          try {
            await client.query('ROLLBACK')
          } catch {
            broken = true
          }
        }
        const code = errorCode(error)
        const retry =
          !broken &&
          (code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED) &&
          attempt < MAX_TX_ATTEMPTS
        if (!retry) throw this.translate(error)
      } finally {
        client.off('error', onError)
        client.release(broken || undefined)
      }
      await sleep(Math.floor(Math.random() * 10 * attempt))
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }
}

/**
 * pg lets the URL's (empty) password win over a `password` option, so a given
 * password is set on each client instead, hidden from enumeration as pg does.
 */
function clientWithPassword(password: string): new () => pg.ClientBase {
  return class extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config)
      Object.defineProperty(this, 'password', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: password,
      })
    }
  } as unknown as new () => pg.ClientBase
}

function clientExecutor(client: pg.PoolClient): PgExecutor {
  let savepoints = 0
  const query = async <T extends object>(sql: string, params: readonly unknown[] = []) => {
    const r = await client.query<T>(sql, params as unknown[])
    return { rows: r.rows, rowCount: r.rowCount ?? 0 }
  }
  return {
    query,
    async unlessUnique<T extends object>(sql: string, params: readonly unknown[] = []) {
      const name = `guichet_sp_${++savepoints}`
      await client.query(`SAVEPOINT ${name}`)
      try {
        const r = await query<T>(sql, params)
        await client.query(`RELEASE SAVEPOINT ${name}`)
        return r
      } catch (error) {
        if (errorCode(error) !== UNIQUE_VIOLATION) throw error
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`)
        return undefined
      }
    },
  }
}
