// IT's store commands against PostgreSQL: `store migrate`, and `store copy`
// moving a single terminal's SQLite store into the shared store — every kind of
// factor, compared record by record, then used on PostgreSQL; a second copy
// copies nothing. Then `user list` on the shared store (audit.lastSignIns on
// PostgreSQL). The messages are checked in English (--lang en); `user list` in
// French too.

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAdmin } from '../../../src-main/cli/admin'
import { when } from '../../../src-main/cli/admin-messages'
import { parseConfig } from '../../../src-main/config'
import { createEngine, type Engine } from '../../../src-main/engine/engine'
import { createFileKeyProvider, defaultKeyFilePath } from '../../../src-main/engine/keys'
import { totpCodeAt } from '../../../src-main/engine/totp'
import { silentLogger } from '../../../src-main/log'
import { createMailer } from '../../../src-main/mail/mailer'
import { openSqliteStore } from '../../../src-main/store/sqlite/open'
import { openPgStore, type PgStore } from '../../../src-main/store/pg/open'
import type { Store } from '../../../src-main/store/types'
import { addUser, PASSWORD, T0, TestClock, tempDir, value } from '../../support/env'
import { createTestDatabase, type TestDatabase } from '../../support/pg'

const IT = 'it.support@mairie.fr'
const BOB = 'bob.leroy@mairie.fr'
const CAROLE = 'carole.petit@mairie.fr'

async function admin(
  configPath: string,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  return adminIn('en', configPath, ...args)
}

async function adminIn(
  lang: 'fr' | 'en',
  configPath: string,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  let out = ''
  const code = await runAdmin(['--config', configPath, '--lang', lang, ...args], {
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
    readStdin: async () => '',
  })
  return { code, out }
}

/** Everything a store holds about its accounts, without the store's own ids. */
async function snapshot(store: Store) {
  const users = await store.users.list()
  return {
    users: await Promise.all(
      users.map(async (u) => {
        const { id, ...user } = u
        const app = await store.apps.get(id)
        const keys = await store.keys.listByUser(id)
        return {
          user,
          app: app && { ...app, userId: undefined },
          keys: keys.map((k) => ({ ...k, userId: undefined })),
          recovery: (await store.recovery.unused(id)).map((r) => r.mac),
          recoveryUnused: await store.recovery.countUnused(id),
          throttle: await store.throttle.get(u.email),
        }
      }),
    ),
    audit: (await store.audit.list())
      .filter((e) => e.event !== 'admin.store-copy')
      .map((e) => ({ ...e, id: undefined, userId: e.userId === null ? null : 'set' })),
  }
}

describe('store commands on PostgreSQL', () => {
  let db: TestDatabase
  let terminal: { path: string; remove(): Promise<void> }
  let itDesk: { path: string; remove(): Promise<void> }
  let configPath: string
  let source: Store
  let engine: Engine
  const clock = new TestClock(T0)
  let secret = ''
  let recoveryCodes: string[] = []

  beforeAll(async () => {
    db = await createTestDatabase('admin')
    terminal = await tempDir()
    itDesk = await tempDir()
    configPath = join(itDesk.path, 'guichet.json')
    await writeFile(
      configPath,
      JSON.stringify({
        dataDir: itDesk.path,
        mail: { outbox: 'outbox' },
        terminalId: 'poste-it',
        store: { url: db.url, passwordFile: await db.passwordFile(itDesk.path) },
      }),
    )

    // A single terminal on SQLite, used for a while.
    source = await openSqliteStore(terminal.path)
    const config = parseConfig({
      dataDir: terminal.path,
      mail: { outbox: 'outbox' },
      terminalId: 'poste-seul',
    })
    engine = await createEngine({
      config,
      store: source,
      mailer: createMailer(config),
      keyProvider: createFileKeyProvider(defaultKeyFilePath(terminal.path)),
      clock,
      log: silentLogger,
    })
    // IT's account from the first start: an authenticator app, then recovery codes.
    const setup = value(await engine.beginSetup({ email: IT, name: 'Support', password: PASSWORD }))
    secret = setup.secretGroups.join('')
    value(
      await engine.confirmSetup({ code: await totpCodeAt(secret, clock.t), deviceName: 'Tél IT' }),
    )
    recoveryCodes = value(await engine.issueRecoveryCodes({})).newRecoveryCodes ?? []
    expect(recoveryCodes).toHaveLength(10)
    clock.advance(30_000)
    value(await engine.signOut({}))
    // one recovery code already used (it must stay used)
    value(await engine.signIn({ email: IT, password: PASSWORD }))
    value(await engine.useRecoveryCode({ code: recoveryCodes[0]! }))
    value(await engine.signOut({}))
    // Bob: a security key (and e-mail), and two failed attempts.
    const bob = await addUser(source, BOB, 'Bob Leroy')
    await source.keys.insert({
      id: 'key-1',
      userId: bob,
      credentialID: 'Y3JlZGVudGlhbC1ib2I',
      publicKey: new Uint8Array([0xa5, 1, 2, 3, 38, 32, 1]),
      signCount: 41,
      aaguid: 'ee882879-721c-4913-9775-3dfcce97072a',
      fmt: 'packed',
      discoverable: true,
      name: 'Clé jaune',
      createdAt: T0,
      lastUsedAt: T0 + 5000,
    })
    expect(await engine.signIn({ email: BOB, password: 'pas le bon mot de passe' })).toMatchObject({
      ok: false,
    })
    expect(await engine.signIn({ email: BOB, password: 'pas le bon non plus' })).toMatchObject({
      ok: false,
    })
    // Carole: disabled, with a temporary password to change.
    const carole = await addUser(source, CAROLE, 'Carole Petit')
    await source.users.setPassword(carole, {
      passwordHash: '$argon2id$v=19$m=65536,t=3,p=1$dGVtcA$dGVtcG9yYXJ5',
      mustChange: true,
      expiresAt: T0 + 86_400_000,
      now: T0 + 1,
    })
    await source.users.setDisabled(carole, true, T0 + 2)
  }, 120_000)

  afterAll(async () => {
    await source.close()
    await terminal.remove()
    await itDesk.remove()
    await db.drop()
  })

  it('store migrate prepares the shared database and names it without a password', async () => {
    const { code, out } = await admin(configPath, 'store', 'migrate')
    expect(code).toBe(0)
    expect(out).toBe(`Database ${db.url} is up to date.\n`)
    expect(out).not.toContain(db.password)
  })

  it('store copy round-trips every kind of factor, and the copy works on PostgreSQL', async () => {
    const before = await snapshot(source)
    const { code, out } = await admin(
      configPath,
      'store',
      'copy',
      '--from',
      `sqlite:${terminal.path}`,
    )
    expect(code).toBe(0)
    expect(out).toContain(
      'Copied: 3 accounts (1 app, 1 security key, 10 recovery codes), 1 throttle record, ',
    )
    expect(out).toContain(
      'Already in the shared store, left as they are there: 0 accounts, 0 security keys, 0 audit entries.',
    )
    const auditCopied = Number(/, (\d+) audit entries\./.exec(out)?.[1])
    expect(auditCopied).toBe(before.audit.length)

    const target = await openPgStore({ url: db.url, password: db.password })
    try {
      expect(await snapshot(target)).toEqual(before)
      const copyEntry = (await target.audit.list()).find((e) => e.event === 'admin.store-copy')
      expect(copyEntry).toMatchObject({ terminalId: 'poste-it', outcome: 'ok' })
      expect(copyEntry?.detail).toContain(
        `from ${join(terminal.path, 'guichet.sqlite')}: copied 3 accounts`,
      )

      // The copied accounts sign in on PostgreSQL (the fleet shares the data key).
      const pgConfig = parseConfig({
        dataDir: terminal.path,
        mail: { outbox: 'outbox' },
        terminalId: 'poste-2',
      })
      const pgEngine = await createEngine({
        config: pgConfig,
        store: target,
        mailer: createMailer(pgConfig),
        keyProvider: createFileKeyProvider(defaultKeyFilePath(terminal.path)),
        clock,
        log: silentLogger,
      })
      clock.advance(30_000)
      value(await pgEngine.signIn({ email: IT, password: PASSWORD }))
      value(await pgEngine.verifyCode({ code: await totpCodeAt(secret, clock.t) }))
      value(await pgEngine.signOut({}))
      // a used recovery code stays used; an unused one works, once
      value(await pgEngine.signIn({ email: IT, password: PASSWORD }))
      expect(await pgEngine.useRecoveryCode({ code: recoveryCodes[0]! })).toMatchObject({
        ok: false,
      })
      value(await pgEngine.useRecoveryCode({ code: recoveryCodes[1]! }))
      value(await pgEngine.signOut({}))
      // Bob's key is found by its credential, counter and all; Carole stays disabled
      const key = await target.keys.byCredentialID('Y3JlZGVudGlhbC1ib2I')
      expect(key).toMatchObject({ name: 'Clé jaune', signCount: 41 })
      expect(await target.keys.advanceCounter('Y3JlZGVudGlhbC1ib2I', 41, T0)).toBe(false)
      expect(await pgEngine.signIn({ email: CAROLE, password: PASSWORD })).toMatchObject({
        ok: false,
      })
      expect((await target.users.byEmail(CAROLE))?.disabled).toBe(true)
    } finally {
      await target.close()
    }
  })

  it('store copy again copies nothing (idempotent)', async () => {
    const audit = (await source.audit.list()).length
    const { code, out } = await admin(
      configPath,
      'store',
      'copy',
      '--from',
      `sqlite:${terminal.path}`,
    )
    expect(code).toBe(0)
    expect(out).toContain(
      'Copied: 0 accounts (0 apps, 0 security keys, 0 recovery codes), 0 throttle records, 0 audit entries.',
    )
    expect(out).toContain(
      `Already in the shared store, left as they are there: 3 accounts, 0 security keys, ${audit} audit entries.`,
    )
    const target = await openPgStore({ url: db.url, password: db.password })
    try {
      expect(await target.users.count()).toBe(3)
    } finally {
      await target.close()
    }
  })

  it('store copy refuses what it cannot do, with a sentence', async () => {
    expect(await admin(configPath, 'store', 'copy')).toMatchObject({
      code: 2,
      out: expect.stringContaining('--from is required: sqlite:PATH'),
    })
    const nowhere = join(terminal.path, 'nowhere.sqlite')
    expect(await admin(configPath, 'store', 'copy', '--from', `sqlite:${nowhere}`)).toEqual({
      code: 1,
      out: `There is no SQLite store at ${nowhere}.\n`,
    })
    expect(
      await admin(
        configPath,
        'store',
        'copy',
        '--from',
        `sqlite:${terminal.path}`,
        '--to',
        'postgres://guichet:secret@127.0.0.1/x',
      ),
    ).toMatchObject({ code: 1, out: expect.stringContaining('Put no password in --to') })
    const sqliteConfig = join(itDesk.path, 'sqlite.json')
    await writeFile(sqliteConfig, JSON.stringify({ dataDir: join(itDesk.path, 'solo') }))
    expect(
      await admin(sqliteConfig, 'store', 'copy', '--from', `sqlite:${terminal.path}`),
    ).toMatchObject({
      code: 2,
      out: expect.stringContaining(
        'The configured store is SQLite: give the PostgreSQL store with --to',
      ),
    })
  })

  it('the configured store as --to is the same store', async () => {
    const { code, out } = await admin(
      configPath,
      'store',
      'copy',
      '--from',
      `sqlite:${join(terminal.path, 'guichet.sqlite')}`,
      '--to',
      db.url,
    )
    expect(code).toBe(0)
    expect(out).toContain('Copied: 0 accounts')
    const target: PgStore = await openPgStore({ url: db.url, password: db.password })
    try {
      expect(
        (await target.audit.list()).filter((e) => e.event === 'admin.store-copy'),
      ).toHaveLength(3)
    } finally {
      await target.close()
    }
  })

  it('user list on PostgreSQL: factors, recovery codes left and the last sign-in with its terminal', async () => {
    const { code, out } = await admin(configPath, 'user', 'list', '--json')
    expect(code).toBe(0)
    const rows = JSON.parse(out) as { email: string }[]
    const byEmail = new Map(rows.map((r) => [r.email, r]))
    // IT: app from the first start; 10 codes, one used on SQLite and one on PostgreSQL;
    // last signed in on poste-2 (after the copy) with a recovery code.
    expect(byEmail.get(IT)).toMatchObject({
      app: true,
      appDevice: 'Tél IT',
      keys: 0,
      recoveryCodesLeft: 8,
      lockedUntil: null,
      lastSignIn: {
        terminalId: 'poste-2',
        factor: 'recovery',
        at: new Date(clock.t).toISOString(),
      },
    })
    // Bob: a key, two failures (not locked), never signed in.
    expect(byEmail.get(BOB)).toMatchObject({
      app: false,
      keys: 1,
      recoveryCodesLeft: 0,
      failures: 2,
      lockedUntil: null,
      lastSignIn: null,
    })
    expect(byEmail.get(CAROLE)).toMatchObject({ disabled: true, lastSignIn: null })

    const fr = await adminIn('fr', configPath, 'user', 'list')
    expect(fr.out).toContain(
      `${IT} — Support\n  actif · facteurs\u202f: application (Tél IT) · codes de secours restants\u202f: 8\n` +
        `  dernière connexion\u202f: ${when(clock.t, 'fr')}, poste poste-2 (code de secours)\n`,
    )
    expect(fr.out).toContain(
      `${CAROLE} — Carole Petit\n  désactivé · facteurs\u202f: code par e-mail seulement`,
    )
  })
})
