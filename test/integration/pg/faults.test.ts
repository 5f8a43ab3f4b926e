// Bad input and faults of the shared store: the server down at start (waited
// for, then a sentence naming "store.url"), the connection dropped mid-
// transaction (rolled back, try again), a wrong password or a missing database
// (a sentence naming the setting, at once). The kiosk reaches the server
// through a TCP relay that the test takes down and brings back.

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, type ConfigInput } from '../../../src-main/config'
import { createEngine } from '../../../src-main/engine/engine'
import { createFileKeyProvider, defaultKeyFilePath } from '../../../src-main/engine/keys'
import { createLogger } from '../../../src-main/log'
import { createMailer } from '../../../src-main/mail/mailer'
import { openRuntime, openStore, StartupError } from '../../../src-main/runtime'
import { StoreUnavailableError } from '../../../src-main/store/pg/errors'
import type { PgStore } from '../../../src-main/store/pg/open'
import { addUser, PASSWORD, TestClock, tempDir, value } from '../../support/env'
import { createTestDatabase, serverAddress, type TestDatabase } from '../../support/pg'
import { startRelay, type Relay } from './proxy'

const EMAIL = 'denis.morel@mairie.fr'

describe('the shared store when things go wrong', () => {
  let db: TestDatabase
  let dir: { path: string; remove(): Promise<void> }
  let passwordFile: string
  let relay: Relay
  const logs: string[] = []
  const log = createLogger((line) => logs.push(line))

  const urlVia = (port: number, database = db.name): string =>
    `postgres://guichet@127.0.0.1:${port}/${database}`
  const configFor = (store: NonNullable<ConfigInput['store']>) =>
    parseConfig({ dataDir: dir.path, mail: { outbox: 'outbox' }, terminalId: 'poste-3', store })

  beforeAll(async () => {
    db = await createTestDatabase('faults')
    dir = await tempDir()
    passwordFile = await db.passwordFile(dir.path)
    relay = await startRelay(serverAddress(), { listening: false })
  })
  afterAll(async () => {
    await relay.close()
    await dir.remove()
    await db.drop()
  })

  it('server down at start: retries with backoff, then a StartupError that names store.url', async () => {
    logs.length = 0
    const config = configFor({ url: urlVia(relay.port), passwordFile, startupWaitSeconds: 2 })
    const started = Date.now()
    const error = await openRuntime(config, { log }).catch((e: unknown) => e)
    const elapsed = Date.now() - started
    expect(error).toBeInstanceOf(StartupError)
    const message = (error as Error).message
    expect(message).toContain('"store.url"')
    expect(message).toContain(urlVia(relay.port))
    expect(message).toMatch(/cannot be reached \(ECONNREFUSED\) after [3-9] attempts over 2 s/)
    expect(message).toMatch(/check that the PostgreSQL server is running/)
    expect(elapsed).toBeGreaterThanOrEqual(1900)
    expect(elapsed).toBeLessThan(10_000)
    const retries = logs.map((l) => JSON.parse(l) as { level: string; message: string })
    expect(retries.length).toBeGreaterThanOrEqual(2)
    expect(retries.every((r) => r.level === 'warn' && /trying again in/.test(r.message))).toBe(true)
    expect(retries[0]?.message).toContain('"store.url"')
    // never the password, in the message or the log
    expect(message + logs.join('')).not.toContain(db.password)
  })

  it('server down at start, back within the wait: the terminal starts', async () => {
    logs.length = 0
    const config = configFor({ url: urlVia(relay.port), passwordFile, startupWaitSeconds: 20 })
    const comeBack = setTimeout(() => void relay.up(), 1500)
    try {
      const store = await openStore(config, log)
      expect(await store.users.count()).toBe(0)
      await store.close()
    } finally {
      clearTimeout(comeBack)
    }
    const lines = logs.map((l) => JSON.parse(l) as { level: string; message: string })
    expect(lines.filter((l) => l.level === 'warn').length).toBeGreaterThanOrEqual(2)
    expect(lines.at(-1)?.message).toBe('The account store answered; starting.')
  })

  it('a wrong password: at once, a sentence that names PGPASSWORD and store.passwordFile', async () => {
    await relay.up()
    const wrong = join(dir.path, 'wrong-password')
    await writeFile(wrong, 'pas-le-bon-mot-de-passe\n', { mode: 0o600 })
    const started = Date.now()
    const error = await openStore(
      configFor({ url: urlVia(relay.port), passwordFile: wrong, startupWaitSeconds: 20 }),
      log,
    ).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(5000) // no waiting: waiting will not fix it
    expect(error).toBeInstanceOf(StartupError)
    const message = (error as Error).message
    expect(message).toMatch(/refused the password of role "guichet"/)
    expect(message).toContain('PGPASSWORD')
    expect(message).toContain('"store.passwordFile"')
    expect(message).not.toContain('pas-le-bon-mot-de-passe')
  })

  it('no password at all, or an unreadable password file: names the settings', async () => {
    const saved = process.env.PGPASSWORD
    delete process.env.PGPASSWORD
    try {
      const none = await openStore(
        configFor({ url: urlVia(relay.port), startupWaitSeconds: 0 }),
        log,
      ).catch((e: unknown) => e)
      expect((none as Error).message).toMatch(
        /asks a password for role "guichet" and none was given: set the PGPASSWORD variable or "store.passwordFile"/,
      )
    } finally {
      if (saved !== undefined) process.env.PGPASSWORD = saved
    }
    const missing = join(dir.path, 'nowhere')
    await expect(
      openStore(configFor({ url: urlVia(relay.port), passwordFile: missing }), log),
    ).rejects.toThrow(
      `The password file ${missing} set by "store.passwordFile" cannot be read (ENOENT)`,
    )
  })

  it('a missing database: at once, a sentence that names the database and store.url', async () => {
    const error = await openStore(
      configFor({
        url: urlVia(relay.port, 'guichet_absente'),
        passwordFile,
        startupWaitSeconds: 20,
      }),
      log,
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StartupError)
    expect((error as Error).message).toBe(
      `The database "guichet_absente" does not exist on the PostgreSQL server at 127.0.0.1:${relay.port}: create it (CREATE DATABASE guichet_absente OWNER guichet) or correct the database name in "store.url".`,
    )
  })

  it('refuses a store URL with a password, or that is not PostgreSQL', () => {
    const base = { dataDir: dir.path }
    expect(() =>
      parseConfig({ ...base, store: { url: 'postgres://guichet:secret@db:5432/guichet' } }),
    ).toThrow(
      /"store.url": put no password in the URL: set the PGPASSWORD variable or "store.passwordFile" instead/,
    )
    expect(() => parseConfig({ ...base, store: { url: 'mysql://db/guichet' } })).toThrow(
      /"store.url": expected a postgres:\/\/ or postgresql:\/\/ URL/,
    )
    expect(() =>
      parseConfig({ ...base, store: { url: 'postgres://db/guichet?sslmode=allow' } }),
    ).toThrow(ConfigError)
    const ok = parseConfig(
      {
        ...base,
        store: { url: 'postgresql://guichet@db/guichet?sslmode=verify-full', passwordFile: 'pw' },
      },
      '/etc/guichet',
    )
    expect(ok.store).toEqual({
      url: 'postgresql://guichet@db/guichet?sslmode=verify-full',
      passwordFile: '/etc/guichet/pw',
      startupWaitSeconds: 30,
    })
    expect(parseConfig(base).store).toBeUndefined()
  })

  it('the connection dropped mid-transaction: rolled back, nothing half-written, and the next try works', async () => {
    await relay.up()
    const store = (await openStore(
      configFor({ url: urlVia(relay.port), passwordFile, startupWaitSeconds: 5 }),
      log,
    )) as PgStore
    try {
      const error = await store
        .transaction(async (tx) => {
          await tx.users.insert({
            email: 'half@mairie.fr',
            name: 'H',
            passwordHash: 'h',
            mustChangePassword: false,
            now: 1,
          })
          await relay.down() // the network goes, between two statements
          await tx.audit.append({ at: 1, terminalId: 'poste-3', event: 'x', outcome: 'ok' })
        })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect((error as Error).message).toMatch(/cannot be reached .*nothing was written, try again/)
      await relay.up()
      expect(await store.users.byEmail('half@mairie.fr')).toBeUndefined()
      expect(await store.audit.list()).toEqual([])
      // the clerk tries again: the pool opens a new connection
      await store.transaction(async (tx) => {
        await tx.users.insert({
          email: 'half@mairie.fr',
          name: 'H',
          passwordHash: 'h',
          mustChangePassword: false,
          now: 1,
        })
      })
      expect((await store.users.byEmail('half@mairie.fr'))?.name).toBe('H')
    } finally {
      await relay.up()
      await store.close()
    }
  })

  it('the server gone while the kiosk runs: the engine throws StoreUnavailableError, then works again', async () => {
    await relay.up()
    const config = configFor({ url: urlVia(relay.port), passwordFile, startupWaitSeconds: 5 })
    const store = await openStore(config, log)
    const engine = await createEngine({
      config,
      store,
      mailer: createMailer(config),
      keyProvider: createFileKeyProvider(defaultKeyFilePath(dir.path)),
      clock: new TestClock(),
      log,
    })
    try {
      await addUser(store, EMAIL)
      await relay.down()
      await expect(engine.signIn({ email: EMAIL, password: PASSWORD })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
      await relay.up()
      expect(value(await engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe('email')
    } finally {
      await relay.up()
      await store.close()
    }
  })
})
