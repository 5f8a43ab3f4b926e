// Secrets never leak: a whole working day of one terminal — first start,
// sign-ins by e-mailed code, app and key enrollment, recovery codes, a
// password and an address change, IT's temporary password, passwordless
// sign-in with the key's PIN — then every byte the terminal wrote (the SQLite
// files, the log, the mail outbox) is searched for each secret it handled.

import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src-main/config'
import { createEngine } from '../../../src-main/engine/engine'
import { createFileKeyProvider, defaultKeyFilePath } from '../../../src-main/engine/keys'
import { totpCodeAt } from '../../../src-main/engine/totp'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../../src-main/fido'
import { createLogger } from '../../../src-main/log'
import { createMailer } from '../../../src-main/mail/mailer'
import { openSqliteStore } from '../../../src-main/store/sqlite/open'
import { runAdmin } from '../../../src-main/cli/admin'
import { PASSWORD, T0, TestClock, tempDir, value } from '../../support/env'

const PIN = '73194'
const NEW_PASSWORD = 'Marché-du-jeudi-sous-la-pluie'

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

describe('secrets never leak', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanup) await c()
  })

  it('no password, code, TOTP secret, recovery code or PIN in the store, the log or the outbox', async () => {
    const dir = await tempDir()
    cleanup.push(dir.remove)
    const config = parseConfig({
      dataDir: dir.path,
      mail: { outbox: 'outbox' },
      terminalId: 'poste-7',
    })
    const logLines: string[] = []
    const log = createLogger((l) => logLines.push(l))
    const clock = new TestClock(T0)
    const store = await openSqliteStore(config.dataDir)
    const mailer = createMailer(config)
    const key = new VirtualKey({ pin: PIN, userPresence: 'approve' })
    const engine = await createEngine({
      config,
      store,
      mailer,
      keyProvider: createFileKeyProvider(defaultKeyFilePath(config.dataDir)),
      clock,
      log,
      keyClient: createKeyClient({
        origin: config.fido.origin,
        transport: createMemoryDeviceSource({ keys: [key] }),
      }),
    })
    cleanup.push(async () => {
      mailer.close()
      await store.close()
    })
    const secrets = new Map<string, string>() // value → what it is
    const mailed = new Set<string>() // e-mailed codes: they belong in their own mail only
    const outboxCode = async (to: string): Promise<string> => {
      const files = await filesUnder(join(dir.path, 'outbox'))
      const texts = await Promise.all(files.sort().map((f) => readFile(f, 'utf8')))
      const mail = texts.filter((t) => t.includes(`To: ${to}`)).at(-1) ?? ''
      const code = mail.match(/ (\d{6})\n/)?.[1]
      if (!code) throw new Error(`no code mailed to ${to}`)
      mailed.add(code)
      return code
    }

    // First start: IT's account and app.
    secrets.set(PASSWORD, 'password')
    const setup = value(
      await engine.beginSetup({
        email: 'it@mairie.fr',
        name: 'Service informatique',
        password: PASSWORD,
      }),
    )
    const itSecret = setup.secretGroups.join('')
    secrets.set(itSecret, 'TOTP secret')
    const itCode = await totpCodeAt(itSecret, clock.t)
    secrets.set(itCode, 'TOTP code')
    // IT's first app brings its recovery codes: secrets too.
    for (const c of value(await engine.confirmSetup({ code: itCode, deviceName: 'IT' }))
      .newRecoveryCodes) {
      secrets.set(c, 'recovery code')
      secrets.set(c.replace(/-/g, ''), 'recovery code')
    }
    value(await engine.signOut({}))

    // IT adds a clerk with a temporary password.
    const configPath = join(dir.path, 'config.json')
    const { writeFile } = await import('node:fs/promises')
    await writeFile(
      configPath,
      JSON.stringify({ dataDir: dir.path, mail: { outbox: 'outbox' }, terminalId: 'poste-7' }),
    )
    let adminOut = ''
    expect(
      await runAdmin(
        [
          '--config',
          configPath,
          'user',
          'add',
          '--email',
          'alice@mairie.fr',
          '--name',
          'Alice',
          '--temp-password',
        ],
        {
          stdout: (t) => (adminOut += t),
          stderr: (t) => (adminOut += t),
          readStdin: async () => '',
        },
      ),
    ).toBe(0)
    const temporary = adminOut.match(/: ([0-9A-Z-]{24})\n/)![1]!
    secrets.set(temporary, 'temporary password')

    // The clerk: temporary password + e-mailed code, then her own password.
    value(await engine.signIn({ email: 'alice@mairie.fr', password: temporary }))
    value(await engine.verifyCode({ code: await outboxCode('alice@mairie.fr') }))
    secrets.set(NEW_PASSWORD, 'password')
    value(await engine.changePassword({ current: temporary, next: NEW_PASSWORD }))
    // Her app, with recovery codes.
    const e = value(await engine.beginAppEnrollment({}))
    const aliceSecret = e.secretGroups.join('')
    secrets.set(aliceSecret, 'TOTP secret')
    const enrollCode = await totpCodeAt(aliceSecret, clock.t)
    secrets.set(enrollCode, 'TOTP code')
    const factors = value(
      await engine.confirmAppEnrollment({ code: enrollCode, deviceName: 'Tél' }),
    )
    for (const c of factors.newRecoveryCodes ?? []) {
      secrets.set(c, 'recovery code')
      secrets.set(c.replace(/-/g, ''), 'recovery code')
    }
    expect(factors.newRecoveryCodes).toHaveLength(10)
    // Her key, with its PIN (discoverable, for passwordless sign-in).
    secrets.set(PIN, 'PIN')
    value(await engine.registerKey({ name: 'Clé', pin: PIN }))
    // A new address.
    value(await engine.beginAddressChange({ email: 'alice.dupont@mairie.fr' }))
    value(await engine.confirmAddressChange({ code: await outboxCode('alice.dupont@mairie.fr') }))
    value(await engine.signOut({}))

    // Sign-ins: the app, a recovery code, wrong guesses, passwordless.
    clock.advance(30_000)
    value(await engine.signIn({ email: 'alice.dupont@mairie.fr', password: NEW_PASSWORD }))
    const signInCode = await totpCodeAt(aliceSecret, clock.t)
    secrets.set(signInCode, 'TOTP code')
    value(await engine.verifyCode({ code: signInCode }))
    value(await engine.signOut({}))
    value(await engine.signIn({ email: 'alice.dupont@mairie.fr', password: NEW_PASSWORD }))
    value(await engine.useRecoveryCode({ code: factors.newRecoveryCodes![0]! }))
    value(await engine.signOut({}))
    const wrongPassword = 'Une-mauvaise-phrase-de-passe'
    secrets.set(wrongPassword, 'password (wrong)')
    expect(
      (await engine.signIn({ email: 'alice.dupont@mairie.fr', password: wrongPassword })).ok,
    ).toBe(false)
    value(await engine.signInPasswordless({ pin: PIN }))
    value(await engine.signOut({}))

    // Every byte the terminal wrote.
    await store.close()
    cleanup.pop()
    mailer.close()
    const dataFiles = (await filesUnder(dir.path)).filter(
      (f) => !f.includes('outbox') && !f.endsWith('data.key') && !f.endsWith('config.json'),
    )
    const outbox = await filesUnder(join(dir.path, 'outbox'))
    expect(dataFiles.some((f) => f.endsWith('guichet.sqlite'))).toBe(true)
    expect(outbox.length).toBeGreaterThan(5)
    const haystacks: { name: string; bytes: Buffer }[] = [
      ...(await Promise.all(dataFiles.map(async (f) => ({ name: f, bytes: await readFile(f) })))),
      ...(await Promise.all(outbox.map(async (f) => ({ name: f, bytes: await readFile(f) })))),
      { name: 'log', bytes: Buffer.from(logLines.join('')) },
      {
        name: 'admin output (apart from the temporary password line)',
        bytes: Buffer.from(adminOut.replace(temporary, '')),
      },
    ]
    const found: string[] = []
    for (const [secret, what] of secrets) {
      if (mailed.has(secret)) continue
      for (const h of haystacks)
        if (h.bytes.includes(Buffer.from(secret))) found.push(`${what} in ${h.name}`)
    }
    // e-mailed codes: in their own mail, nowhere else
    for (const code of mailed) {
      for (const h of haystacks) {
        if (h.name.endsWith('.eml')) continue
        if (h.bytes.includes(Buffer.from(code))) found.push(`e-mailed code in ${h.name}`)
      }
    }
    console.log(
      `secrets: ${secrets.size} secrets and ${mailed.size} e-mailed codes searched in ${haystacks.length} files: ${found.length} found`,
    )
    expect(found).toEqual([])
  })
})
