// Shared test fixtures: a temp data folder, a clock the test moves, an engine
// on a real SQLite file with a real SMTP server on loopback.
//
// With GUICHET_TEST_STORE=pg (the vitest project node-pg), the same beds run on
// PostgreSQL instead: the database of the test file (test/support/pg.ts),
// emptied for each bed, named by "store" in the bed's configuration.

import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig, type Config, type ConfigInput } from '../../src-main/config'
import { createEngine, type Emit, type Engine } from '../../src-main/engine/engine'
import type { KeyClient } from '../../src-main/fido'
import { createFileKeyProvider, defaultKeyFilePath } from '../../src-main/engine/keys'
import { hashPassword } from '../../src-main/engine/password'
import { silentLogger, type Logger } from '../../src-main/log'
import { createMailer, type Mailer } from '../../src-main/mail/mailer'
import type { openSqliteStore } from '../../src-main/store/sqlite/open'
import type { PgStore } from '../../src-main/store/pg/open'
import { openConfiguredStore } from '../../src-main/store/select'
import type { Store } from '../../src-main/store/types'
import { emptyDatabase, testFileDatabase } from './pg'
import { startSmtp, type TestSmtp } from './smtp'

export const T0 = Date.UTC(2026, 10, 29, 9, 42, 5) // a Sunday morning, mid TOTP step

export class TestClock {
  constructor(public t: number = T0) {}
  now = (): number => this.t
  advance(ms: number): void {
    this.t += ms
  }
}

export async function tempDir(
  prefix = 'guichet-test-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export interface TestBed {
  dir: string
  config: Config
  clock: TestClock
  store: Store
  smtp: TestSmtp
  mailer: Mailer
  engine: Engine
  /** Opens a second engine (another terminal, or after a restart) on the same file. */
  reopen(
    overrides?: Partial<ConfigInput>,
  ): Promise<{ engine: Engine; store: Store; close(): Promise<void> }>
  close(): Promise<void>
  /**
   * The JSON of a configuration file for this bed's store (e.g. for the admin
   * command): dataDir, the SMTP server and, on PostgreSQL, "store".
   */
  configJson(overrides?: Record<string, unknown>): Record<string, unknown>
  /** Runs one portable SQL statement on the bed's store, SQLite or PostgreSQL. */
  exec(sql: string): Promise<void>
  /** Reads rows with one portable SQL query, SQLite or PostgreSQL. */
  query<T extends object = Record<string, unknown>>(sql: string): Promise<T[]>
  /**
   * Everything the store keeps at rest, as bytes to search for a secret: on
   * SQLite the database file and its write-ahead log (raw, freed pages too); on
   * PostgreSQL every row of every table, each value as stored (bytea as its
   * bytes, the rest as text).
   */
  bytesAtRest(): Promise<Buffer>
}

type SqliteStore = Awaited<ReturnType<typeof openSqliteStore>>

export const PASSWORD = 'Lune-verte-escalier-42'

/** True in the node-pg project: beds use PostgreSQL instead of a SQLite file. */
export function usesPostgres(): boolean {
  return process.env.GUICHET_TEST_STORE === 'pg'
}

export interface BedExtras {
  keyClient?: KeyClient
  emit?: Emit
  /** Where the engine logs (default: nowhere). */
  log?: Logger
  /** The engine's timing marks (EngineDeps.marks), for the bench. */
  marks?: (name: string) => void
}

export async function startBed(
  overrides: Partial<ConfigInput> = {},
  extras: BedExtras = {},
): Promise<TestBed> {
  const dir = await tempDir()
  const smtp = await startSmtp()
  const clock = new TestClock()
  let store: ConfigInput['store']
  if (usesPostgres()) {
    const db = await testFileDatabase()
    await emptyDatabase(db)
    store = { url: db.url, passwordFile: await db.passwordFile(dir.path), startupWaitSeconds: 5 }
  }
  const configFor = (o: Partial<ConfigInput>): Config =>
    parseConfig({
      dataDir: dir.path,
      mail: { url: smtp.url, from: 'guichet@mairie.fr', timeoutSeconds: 2 },
      terminalId: 'poste-1',
      // The engine ends an idle session (idleLockSeconds + 30 s) and a long one
      // (sessionMaxMinutes): beds whose clock jumps minutes ahead keep theirs
      // unless a test sets these.
      idleLockSeconds: 86_400,
      sessionMaxMinutes: 1440,
      ...(store ? { store } : {}),
      ...overrides,
      ...o,
    })
  const config = configFor({})
  const open = async (c: Config): Promise<{ engine: Engine; store: Store; mailer: Mailer }> => {
    const store = await openConfiguredStore(c)
    const mailer = createMailer(c)
    const engine = await createEngine({
      config: c,
      store,
      mailer,
      keyProvider: createFileKeyProvider(defaultKeyFilePath(c.dataDir)),
      clock,
      log: extras.log ?? silentLogger,
      keyClient: extras.keyClient,
      emit: extras.emit,
      marks: extras.marks,
    })
    return { engine, store, mailer }
  }
  const main = await open(config)
  const extra: { close(): Promise<void> }[] = []
  return {
    dir: dir.path,
    config,
    clock,
    configJson: (o = {}) => ({
      dataDir: dir.path,
      mail: { url: smtp.url },
      ...(store ? { store } : {}),
      ...o,
    }),
    async exec(sql) {
      const s = main.store as Partial<PgStore & SqliteStore>
      if (s.pg) await s.pg.query(sql)
      else if (s.db) await s.db.run(sql)
      else throw new Error('exec: neither a SQLite nor a PostgreSQL store')
    },
    async query<T extends object>(sql: string) {
      const s = main.store as Partial<PgStore & SqliteStore>
      if (s.pg) return (await s.pg.query<T>(sql)).rows
      if (s.db) return s.db.all<T>(sql)
      throw new Error('query: neither a SQLite nor a PostgreSQL store')
    },
    async bytesAtRest() {
      const s = main.store as Partial<PgStore & SqliteStore>
      if (s.pg) {
        const tables = await s.pg.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        )
        if (tables.rows.length === 0) throw new Error('bytesAtRest: no tables')
        const parts: Buffer[] = []
        for (const { name } of tables.rows) {
          const rows = await s.pg.query(`SELECT * FROM "${name}"`)
          for (const row of rows.rows)
            for (const v of Object.values(row))
              parts.push(Buffer.isBuffer(v) ? v : Buffer.from(String(v)))
        }
        return Buffer.concat(parts)
      }
      const file = join(dir.path, 'guichet.sqlite')
      // The main file always exists; the log only while it holds pages.
      const wal = existsSync(`${file}-wal`) ? [await readFile(`${file}-wal`)] : []
      return Buffer.concat([await readFile(file), ...wal])
    },
    smtp,
    ...main,
    async reopen(o = {}) {
      const r = await open(configFor(o))
      const handle = {
        ...r,
        close: async () => {
          r.mailer.close()
          await r.store.close()
        },
      }
      extra.push(handle)
      return handle
    },
    async close() {
      for (const e of extra) await e.close().catch(() => undefined)
      main.mailer.close()
      await main.store.close()
      await smtp.close()
      await dir.remove()
    },
  }
}

export async function addUser(
  store: Store,
  email: string,
  name = 'Alice Martin',
  password = PASSWORD,
): Promise<number> {
  const id = await store.users.insert({
    email,
    name,
    passwordHash: await hashPassword(password),
    mustChangePassword: false,
    now: T0,
  })
  if (id === undefined) throw new Error('address taken')
  return id
}

/** Unwraps an ok Result or fails the test with the error code. */
export function value<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`)
  return r.value
}
