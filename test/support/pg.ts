// A PostgreSQL server on loopback for the tests, and a fresh database per test
// file owned by a non-superuser role `guichet` (the role the README asks IT to
// create).
//
// Which server:
// - GUICHET_TEST_PG_URL, if set: a running server and a role that may create
//   roles and databases (e.g. postgres://postgres@127.0.0.1:5432/postgres, its
//   password in PGPASSWORD);
// - otherwise a throw-away cluster of Debian's `postgresql` binaries in
//   $TMPDIR/guichet-pg-<port>, on 127.0.0.1:<port> only (GUICHET_TEST_PG_PORT,
//   default 54329), run as the `postgres` user when we are root. It is started
//   here when nothing answers (once, under a lock, whichever test file asks
//   first), and stopped by the vitest global setup that started it. `.ci/run`
//   starts it before `npm test` (`tsx test/support/pg.ts start`).
//
// If no server can be started, the tests FAIL with a sentence that says what to
// install: they are never skipped.

import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdir, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import pg from 'pg'

const run = promisify(execFile)

export const TEST_PG_PORT = Number(process.env.GUICHET_TEST_PG_PORT || 54329)
/** The kiosk's role in the tests: LOGIN only, no superuser, no CREATEDB, no CREATEROLE. */
export const TEST_ROLE = 'guichet'
/** Not a secret: the password of a test role on a loopback throw-away server. */
export const TEST_ROLE_PASSWORD = 'guichet-test-password'

const base = join(tmpdir(), `guichet-pg-${TEST_PG_PORT}`)
const dataDir = join(base, 'data')
const socketDir = join(base, 'sock')
const logFile = join(base, 'server.log')
const lockDir = `${base}.lock`

const isRoot = process.getuid?.() === 0

export class PgTestServerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PgTestServerError'
  }
}

/** How tests reach the server as an administrator (superuser or CREATEROLE + CREATEDB). */
export function adminConfig(): pg.ClientConfig {
  const url = process.env.GUICHET_TEST_PG_URL
  if (url) return { connectionString: url }
  return { host: socketDir, port: TEST_PG_PORT, user: 'postgres', database: 'postgres' }
}

/** host:port a kiosk connects to (TCP, as a terminal would). */
export function serverAddress(): { host: string; port: number } {
  const url = process.env.GUICHET_TEST_PG_URL
  if (url) {
    const u = new URL(url)
    return { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) }
  }
  return { host: '127.0.0.1', port: TEST_PG_PORT }
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...adminConfig(), connectionTimeoutMillis: 5000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function answers(): Promise<boolean> {
  try {
    await withAdmin((c) => c.query('SELECT 1'))
    return true
  } catch {
    return false
  }
}

function binDir(): string {
  const given = process.env.PG_BINDIR
  if (given && existsSync(join(given, 'initdb'))) return given
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0] && !given) return join(root, versions[0], 'bin')
  throw new PgTestServerError(
    'The PostgreSQL tests need a PostgreSQL server and none was found: install Debian\'s "postgresql" package (apt-get install postgresql), or set GUICHET_TEST_PG_URL to the URL of a running server with a role that may create roles and databases.',
  )
}

/** Runs a server binary, as `postgres` when we are root (PostgreSQL refuses to run as root). */
async function pgRun(bin: string, args: string[]): Promise<string> {
  const [file, argv] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(binDir(), bin), ...args]]
    : [join(binDir(), bin), args]
  try {
    const { stdout } = await run(file, argv, { timeout: 120_000 })
    return stdout
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    throw new PgTestServerError(
      `${bin} failed: ${(e.stderr || e.message).trim()}${existsSync(logFile) ? ` (server log: ${logFile})` : ''}`,
    )
  }
}

async function lock(): Promise<() => Promise<void>> {
  const until = Date.now() + 120_000
  for (;;) {
    try {
      await mkdir(lockDir)
      return () => rmdir(lockDir).catch(() => undefined)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // A lock older than two minutes belongs to a run that died.
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs
      if (age > 120_000) await rmdir(lockDir).catch(() => undefined)
      if (Date.now() > until)
        throw new PgTestServerError(`Timed out waiting for the lock ${lockDir}.`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

/**
 * Makes sure a server answers; resolves `true` when this call started it (the
 * caller then stops it with `stopTestServer`).
 */
export async function ensureTestServer(): Promise<boolean> {
  if (process.env.GUICHET_TEST_PG_URL) {
    if (await answers()) return false
    throw new PgTestServerError(
      `GUICHET_TEST_PG_URL is set but no PostgreSQL server answers there (${describe(process.env.GUICHET_TEST_PG_URL)}).`,
    )
  }
  if (await answers()) return false
  const release = await lock()
  try {
    if (await answers()) return false
    binDir() // fails with the sentence above when PostgreSQL is not installed
    await mkdir(base, { recursive: true, mode: 0o700 })
    await mkdir(socketDir, { recursive: true, mode: 0o700 })
    if (isRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
        throw new PgTestServerError(
          'Running as root, the tests start PostgreSQL as the "postgres" user, which does not exist: install Debian\'s "postgresql" package.',
        )
      })
      const { stdout: gid } = await run('id', ['-g', 'postgres'])
      for (const p of [base, socketDir]) await chown(p, Number(stdout), Number(gid))
    }
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await rm(dataDir, { recursive: true, force: true })
      // Local (socket) connections trust the OS user; TCP ones need a password.
      await pgRun('initdb', [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-sync',
      ])
    }
    await pgRun('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      '-o',
      [
        `-p ${TEST_PG_PORT}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${socketDir}`,
        '-c max_connections=200',
        // a throw-away server: durability off, speed on
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' '),
      'start',
    ])
    if (!(await answers()))
      throw new PgTestServerError(`PostgreSQL started but does not answer (log: ${logFile}).`)
    return true
  } finally {
    await release()
  }
}

export async function stopTestServer(): Promise<void> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) return
  await pgRun('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined)
  await rm(base, { recursive: true, force: true })
}

function describe(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`
  } catch {
    return '(unreadable URL)'
  }
}

async function ensureRole(c: pg.Client): Promise<void> {
  const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [TEST_ROLE])
  if (exists.rowCount) return
  try {
    await c.query(
      `CREATE ROLE ${TEST_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${TEST_ROLE_PASSWORD}'`,
    )
  } catch (error) {
    // another test file created it at the same moment
    if (!['42710', '23505'].includes((error as { code?: string }).code ?? '')) throw error
  }
}

export interface TestDatabase {
  name: string
  /** postgres://guichet@127.0.0.1:port/name: no password in it, as in a real configuration. */
  url: string
  password: string
  /** Writes the password in `dir`/pg-password and returns its path (for "store.passwordFile"). */
  passwordFile(dir: string): Promise<string>
  drop(): Promise<void>
}

/** Creates an empty database owned by the `guichet` role (starting the server if need be). */
export async function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  await ensureTestServer()
  const name = `guichet_t_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`
  await withAdmin(async (c) => {
    await ensureRole(c)
    await c.query(`CREATE DATABASE ${name} OWNER ${TEST_ROLE}`)
  })
  const { host, port } = serverAddress()
  return {
    name,
    url: `postgres://${TEST_ROLE}@${host}:${port}/${name}`,
    password: TEST_ROLE_PASSWORD,
    async passwordFile(dir) {
      const path = join(dir, 'pg-password')
      await writeFile(path, `${TEST_ROLE_PASSWORD}\n`, { mode: 0o600 })
      return path
    },
    drop: () => dropDatabase(name),
  }
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
}

let fileDatabase: Promise<TestDatabase> | undefined

/**
 * The database of the current test file (vitest isolates modules per file, so
 * this is one per file), created on first use.
 */
export function testFileDatabase(): Promise<TestDatabase> {
  fileDatabase ??= createTestDatabase('file')
  return fileDatabase
}

/** Empties every Guichet table of `db` and restarts its identities (a fresh store per test bed). */
export async function emptyDatabase(db: TestDatabase): Promise<void> {
  const u = new URL(db.url)
  // (pg lets a URL's empty password win over `password`: give the parts instead)
  const c = new pg.Client({
    host: u.hostname,
    port: Number(u.port),
    user: u.username,
    database: u.pathname.slice(1),
    password: db.password,
  })
  await c.connect()
  try {
    const tables = await c.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
    )
    if (tables.rows.length)
      await c.query(`TRUNCATE ${tables.rows.map((r) => r.t).join(', ')} RESTART IDENTITY CASCADE`)
  } finally {
    await c.end()
  }
}

/** Runs one statement as the administrator (e.g. to end a kiosk's connections). */
export function adminQuery<T extends pg.QueryResultRow = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<T>> {
  return withAdmin((c) => c.query<T>(sql, params))
}

// ---- vitest global setup (project node-pg) and the command line of .ci/run ----

/** Starts the server if nothing answers; the returned teardown stops what it started. */
export async function setup(): Promise<() => Promise<void>> {
  const started = await ensureTestServer()
  return async () => {
    if (started) await stopTestServer()
    else
      await withAdmin(async (c) => {
        const dbs = await c.query<{ d: string }>(
          "SELECT datname AS d FROM pg_database WHERE datname LIKE 'guichet\\_t\\_%'",
        )
        for (const { d } of dbs.rows) await c.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`)
      }).catch(() => undefined)
  }
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href
if (isMain) {
  const command = process.argv[2]
  const action =
    command === 'start'
      ? ensureTestServer().then((started) =>
          process.stdout.write(
            `PostgreSQL for the tests ${started ? 'started' : 'already running'} on ${serverAddress().host}:${serverAddress().port}\n`,
          ),
        )
      : command === 'stop'
        ? stopTestServer().then(() => process.stdout.write('PostgreSQL for the tests stopped\n'))
        : Promise.reject(new Error('usage: tsx test/support/pg.ts start|stop'))
  action.catch((error: Error) => {
    process.stderr.write(`${error.message}\n`)
    process.exitCode = 1
  })
}
