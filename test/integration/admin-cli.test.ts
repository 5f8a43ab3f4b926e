/**
 * The admin command as IT runs it (child processes on a SQLite store): every
 * command, its exit codes, French by default (the configuration's locale) and
 * English with --lang en, `user list` with what IT needs on the phone, names
 * checked and printed safely, and the no-config default of `npm run web`.
 */

import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { when } from '../../src-main/cli/admin-messages'
import { loadConfigFile } from '../../src-main/config'
import { createEngine } from '../../src-main/engine/engine'
import { createFileKeyProvider, defaultKeyFilePath } from '../../src-main/engine/keys'
import { silentLogger } from '../../src-main/log'
import { createMailer } from '../../src-main/mail/mailer'
import { openSqliteStore } from '../../src-main/store/sqlite/open'
import { startSmtp, type TestSmtp } from '../support/smtp'
import { PASSWORD, TestClock, tempDir, value } from '../support/env'

const ROOT = join(import.meta.dirname, '..', '..')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')
const ADMIN = join(ROOT, 'src-main', 'cli', 'admin.ts')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function admin(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      [ADMIN, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        })
      },
    )
    child.stdin?.end(stdin)
  })
}

// Each call starts a child process; a busy 2-core machine needs generous limits.
describe('admin command (child process)', { timeout: 300_000 }, () => {
  let dir: { path: string; remove(): Promise<void> }
  let smtp: TestSmtp
  let config: string
  beforeAll(async () => {
    dir = await tempDir()
    smtp = await startSmtp()
    config = join(dir.path, 'config.json')
    await writeFile(
      config,
      JSON.stringify({
        dataDir: join(dir.path, 'data'),
        mail: { url: smtp.url, from: 'guichet@mairie.fr' },
        terminalId: 'poste-it',
      }),
    )
  })
  afterAll(async () => {
    await smtp.close()
    await dir.remove()
  })

  it('adds, lists, disables, unlocks, resets factors and reads the audit log', async () => {
    const add = await admin(
      [
        '--config',
        config,
        'user',
        'add',
        '--email',
        'Alice.Martin@mairie.fr',
        '--name',
        'Alice Martin',
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    )
    expect(add).toMatchObject({ code: 0 })
    expect(add.stdout).toContain('Compte alice.martin@mairie.fr créé.')

    const dup = await admin(
      [
        '--config',
        config,
        'user',
        'add',
        '--email',
        'alice.martin@MAIRIE.fr',
        '--name',
        'A',
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    )
    expect(dup.code).toBe(1)
    expect(dup.stderr).toBe('Un compte avec l’adresse alice.martin@mairie.fr existe déjà.\n')

    const weak = await admin(
      [
        '--config',
        config,
        'user',
        'add',
        '--email',
        'b@mairie.fr',
        '--name',
        'B',
        '--password-stdin',
      ],
      'motdepasse\n',
    )
    expect(weak.code).toBe(1)
    expect(weak.stderr).toBe('Le mot de passe est refusé\u202f: il a moins de 12 caractères.\n')

    const list = await admin(['user', 'list', '--json'], '', { GUICHET_CONFIG: config })
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        email: 'alice.martin@mairie.fr',
        name: 'Alice Martin',
        disabled: false,
        app: false,
        lockedUntil: null,
      }),
    ])

    expect(
      (await admin(['--config', config, 'user', 'disable', '--email', 'alice.martin@mairie.fr']))
        .code,
    ).toBe(0)
    expect(
      JSON.parse((await admin(['--config', config, 'user', 'list', '--json'])).stdout)[0].disabled,
    ).toBe(true)
    expect(
      (await admin(['--config', config, 'user', 'unlock', '--email', 'alice.martin@mairie.fr']))
        .code,
    ).toBe(0)

    const reset = await admin([
      '--config',
      config,
      'user',
      'reset-factors',
      '--email',
      'alice.martin@mairie.fr',
    ])
    expect(reset.code).toBe(0)
    expect((await smtp.find('alice.martin@mairie.fr', 'réinitialisés')).text).toContain('poste-it')

    const audit = await admin(['--config', config, 'audit', '--json', '--since', '2020-01-01'])
    expect(audit.code).toBe(0)
    const events = JSON.parse(audit.stdout) as { event: string; terminalId: string }[]
    expect(events.map((e) => e.event)).toEqual([
      'admin.user-add',
      'admin.user-disable',
      'admin.user-unlock',
      'admin.reset-factors',
    ])
    expect(events.every((e) => e.terminalId === 'poste-it')).toBe(true)
    expect(audit.stdout).not.toContain(PASSWORD)
    const future = await admin(['--config', config, 'audit', '--json', '--since', '2999-01-01'])
    expect(JSON.parse(future.stdout)).toEqual([])
  })

  it('refuses an unknown account with a sentence (exit 1), in the locale or --lang', async () => {
    const r = await admin(['--config', config, 'user', 'disable', '--email', 'ghost@mairie.fr'])
    expect(r).toMatchObject({ code: 1, stderr: 'Aucun compte n’a l’adresse ghost@mairie.fr.\n' })
    const en = await admin([
      '--config',
      config,
      '--lang',
      'en',
      'user',
      'disable',
      '--email',
      'ghost@mairie.fr',
    ])
    expect(en).toMatchObject({ code: 1, stderr: 'No account has the address ghost@mairie.fr.\n' })
  })

  it('speaks French in its usage and errors, English with --lang en; refuses another --lang', async () => {
    const fr = await admin(['--config', config, 'user', 'frobnicate'])
    expect(fr.code).toBe(2)
    expect(fr.stderr).toContain('Commande inconnue\u202f: «\u202fuser frobnicate\u202f».')
    expect(fr.stderr).toContain('Codes de sortie\u202f: 0 fait, 1 refusé, 2 usage.')
    const en = await admin(['--config', config, '--lang=en', '--help'])
    expect(en.code).toBe(0)
    expect(en.stdout).toContain('Exit codes: 0 done, 1 refused, 2 usage.')
    const de = await admin(['--config', config, '--lang', 'de', 'user', 'list'])
    expect(de.code).toBe(2)
    expect(de.stderr).toContain('--lang «\u202fde\u202f»\u202f: attendu fr ou en.')
  })

  it('user list shows factors, recovery codes left, the lock and the last sign-in with its terminal', async () => {
    const email = 'claire.dubois@mairie.fr'
    expect(
      (
        await admin(
          [
            '--config',
            config,
            'user',
            'add',
            '--email',
            email,
            '--name',
            'Claire Dubois',
            '--password-stdin',
          ],
          `${PASSWORD}\n`,
        )
      ).code,
    ).toBe(0)
    // Claire signs in at this terminal with an e-mailed code (the engine writes the audit entry).
    const cfg = loadConfigFile(config)
    const store = await openSqliteStore(cfg.dataDir)
    const mailer = createMailer(cfg)
    try {
      const engine = await createEngine({
        config: cfg,
        store,
        mailer,
        keyProvider: createFileKeyProvider(defaultKeyFilePath(cfg.dataDir)),
        clock: new TestClock(Date.now()),
        log: silentLogger,
      })
      value(await engine.signIn({ email, password: PASSWORD }))
      await smtp.find(email, 'code')
      value(await engine.verifyCode({ code: smtp.lastCode(email) }))
      value(await engine.signOut({}))
      // …then has a key and 3 recovery codes left, and is locked out for an hour.
      const user = (await store.users.byEmail(email))!
      await store.keys.insert({
        id: 'key-claire',
        userId: user.id,
        credentialID: 'Y2xhaXJl',
        publicKey: new Uint8Array([1]),
        signCount: 0,
        aaguid: '00000000-0000-0000-0000-000000000000',
        fmt: 'none',
        discoverable: false,
        name: 'Clé bleue',
        createdAt: Date.now(),
        lastUsedAt: null,
      })
      await store.transaction((tx) =>
        tx.recovery.replaceAll(
          user.id,
          [1, 2, 3].map((n) => new Uint8Array(32).fill(n)),
          Date.now(),
        ),
      )
      await store.throttle.recordFailure(email, Date.now(), {
        freeFailures: 0,
        baseWaitMs: 3600_000,
        maxWaitMs: 3600_000,
        forgetAfterMs: 86_400_000,
      })
    } finally {
      mailer.close()
      await store.close()
    }

    const json = await admin(['--config', config, 'user', 'list', '--json'])
    expect(json.code).toBe(0)
    const row = (JSON.parse(json.stdout) as Record<string, unknown>[]).find(
      (r) => r.email === email,
    )!
    expect(row).toMatchObject({
      name: 'Claire Dubois',
      app: false,
      appDevice: null,
      keys: 1,
      recoveryCodesLeft: 3,
      lockedUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastSignIn: { terminalId: 'poste-it', factor: 'email', at: expect.any(String) },
    })
    const signedInAt = Date.parse((row.lastSignIn as { at: string }).at)
    expect(Math.abs(signedInAt - Date.now())).toBeLessThan(120_000)
    const lockedUntil = Date.parse(row.lockedUntil as string)

    const fr = await admin(['--config', config, 'user', 'list'])
    expect(fr.stdout).toContain(
      `${email} — Claire Dubois\n` +
        '  actif · facteurs\u202f: 1\u00a0clé · codes de secours restants\u202f: 3\n' +
        `  bloqué jusqu’à ${when(lockedUntil, 'fr')} · dernière connexion\u202f: ${when(signedInAt, 'fr')}, poste poste-it (code par e-mail)`,
    )
    const en = await admin(['--config', config, '--lang', 'en', 'user', 'list'])
    expect(en.stdout).toContain(
      `${email} — Claire Dubois\n` +
        '  active · factors: 1 key · recovery codes left: 3\n' +
        `  locked until ${when(lockedUntil, 'en')} · last sign-in: ${when(signedInAt, 'en')}, terminal poste-it (e-mailed code)`,
    )
    // Alice (first test) never signed in.
    expect(en.stdout).toMatch(
      /alice\.martin@mairie\.fr — Alice Martin\n.*\n {2}last sign-in: never/,
    )
  })

  it.each([
    ['a right-to-left override', 'Eve\u202eexe.pdf', '\\u{202E}'],
    ['a zero-width space', 'Jean\u200bDupont', '\\u{200B}'],
    ['a control character', 'Jean\u0007Dupont', '\\u{7}'],
  ])('user add refuses a name with %s (exit 1), naming it visibly', async (_what, name, shown) => {
    const r = await admin([
      '--config',
      config,
      'user',
      'add',
      '--email',
      'eve@mairie.fr',
      '--name',
      name,
      '--temp-password',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `Le nom contient un caractère de contrôle, invisible ou de sens d’écriture (${shown})\u202f: saisissez-le en lettres seulement.\n`,
    )
  })

  it('user add refuses a name longer than 100 characters, and accepts accents and apostrophes', async () => {
    const long = await admin([
      '--config',
      config,
      'user',
      'add',
      '--email',
      'long@mairie.fr',
      '--name',
      'é'.repeat(101),
      '--temp-password',
    ])
    expect(long).toMatchObject({ code: 1, stderr: 'Le nom dépasse 100\u00a0caractères.\n' })
    const ok = await admin([
      '--config',
      config,
      'user',
      'add',
      '--email',
      'zoe@mairie.fr',
      '--name',
      '  Zoé N’Diaye-Éluard ',
      '--temp-password',
    ])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(
      /Mot de passe temporaire \(valable 24\u00a0heures, .*\)\u202f: [0-9A-Z-]{24}\n/,
    )
    const list = JSON.parse((await admin(['--config', config, 'user', 'list', '--json'])).stdout)
    expect(list.find((r: { email: string }) => r.email === 'zoe@mairie.fr').name).toBe(
      'Zoé N’Diaye-Éluard',
    )
  })

  it('prints a name stored with invisible characters escaped, never raw', async () => {
    const cfg = loadConfigFile(config)
    const store = await openSqliteStore(cfg.dataDir)
    try {
      await store.users.insert({
        email: 'old@mairie.fr',
        name: 'Old\u202eaccount',
        passwordHash: 'x',
        mustChangePassword: false,
        now: Date.now(),
      })
    } finally {
      await store.close()
    }
    const list = await admin(['--config', config, 'user', 'list'])
    expect(list.stdout).toContain('old@mairie.fr — Old\\u{202E}account\n')
    expect(list.stdout).not.toContain('\u202e')
  })

  it('without --config or GUICHET_CONFIG, opens the data of npm run web without configuration, and says so', async () => {
    // A name refused before the store is opened: nothing is written in the checkout.
    const r = await admin(
      ['user', 'add', '--email', 'x@mairie.fr', '--name', 'X\u200b', '--temp-password'],
      '',
      { GUICHET_CONFIG: '' },
    )
    expect(r.code).toBe(1)
    expect(r.stderr.split('\n')[0]).toBe(
      `Aucune configuration donnée (--config FICHIER ou GUICHET_CONFIG)\u202f: celle de \`npm run web\` sans configuration, données dans ${join(ROOT, '.guichet', 'data')}.`,
    )
  })

  it.each([
    [['user', 'frobnicate']],
    [['user', 'add', '--email', 'x@y.fr']],
    [['--bogus']],
    [[]],
    [['audit', '--since', 'yesterday']],
  ])('exits 2 on usage errors: %j', async (args) => {
    const r = await admin(['--config', config, ...args])
    expect(r.code).toBe(2)
    expect(r.stderr.length).toBeGreaterThan(0)
  })

  it('says what is wrong with its arguments in the locale, or with --lang en', async () => {
    const unknown = await admin(['--config', config, 'user', 'list', '--frob'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr.split('\n')[0]).toBe('Option inconnue\u202f: --frob.')
    const missing = await admin(['--config', config, 'user', 'disable', '--email'])
    expect(missing.code).toBe(2)
    expect(missing.stderr.split('\n')[0]).toBe('L’option --email attend une valeur.')
    const extra = await admin(['--config', config, 'user', 'list', '--json=oui'])
    expect(extra.stderr.split('\n')[0]).toBe('L’option --json ne prend pas de valeur.')
    const en = await admin(['--config', config, '--lang', 'en', 'user', 'list', '--frob'])
    expect(en.code).toBe(2)
    expect(en.stderr.split('\n')[0]).toBe('Unknown option: --frob.')
    expect(en.stderr).toContain('Exit codes: 0 done, 1 refused, 2 usage.')
  })

  it('refuses a password holding the issuer name, and names it', async () => {
    const r = await admin(
      [
        '--config',
        config,
        'user',
        'add',
        '--email',
        'issuer.test@mairie.fr',
        '--name',
        'Issuer Test',
        '--password-stdin',
      ],
      'Le Guichet ouvre à neuf heures\n',
    )
    expect(r).toMatchObject({
      code: 1,
      stderr:
        'Le mot de passe est refusé\u202f: il ne doit contenir ni le nom du guichet («\u202fGuichet\u202f») ni l’adresse.\n',
    })
  })

  it('says a store it cannot open or use as a sentence in the locale (exit 1), never a stack', async () => {
    const damaged = join(dir.path, 'damaged')
    await mkdir(damaged)
    await writeFile(join(damaged, 'guichet.sqlite'), 'pas une base SQLite '.repeat(20))
    const damagedConfig = join(dir.path, 'damaged.json')
    await writeFile(damagedConfig, JSON.stringify({ dataDir: damaged, mail: { outbox: 'out' } }))
    const fr = await admin(['--config', damagedConfig, 'user', 'list'])
    expect(fr).toMatchObject({
      code: 1,
      stderr: `La base ${join(damaged, 'guichet.sqlite')} est endommagée ou n’est pas une base Guichet\u202f: restaurez-la depuis une sauvegarde.\n`,
    })
    const en = await admin(['--config', damagedConfig, '--lang', 'en', 'user', 'list'])
    expect(en.code).toBe(1)
    expect(en.stderr).toContain('it is damaged or not a Guichet database')

    // a data folder that is a file
    const notFolder = join(dir.path, 'not-a-folder.json')
    await writeFile(notFolder, JSON.stringify({ dataDir: notFolder, mail: { outbox: 'out' } }))
    const folder = await admin(['--config', notFolder, 'user', 'list'])
    expect(folder.code).toBe(1)
    expect(folder.stderr).toMatch(
      /^Les données \S+ ne peuvent pas être créées ni écrites \(E[A-Z]+\)\u202f: indiquez dans «\u202fdataDir\u202f» un dossier où cet utilisateur peut écrire\.\n$/,
    )
    expect(folder.stderr).not.toMatch(/\bat \S+:\d+/) // no stack trace

    // store copy from a damaged SQLite file
    const copy = await admin([
      '--config',
      config,
      'store',
      'copy',
      '--from',
      `sqlite:${damaged}`,
      '--to',
      'postgres://guichet@127.0.0.1:1/guichet',
    ])
    expect(copy).toMatchObject({
      code: 1,
      stderr:
        'Le serveur PostgreSQL postgres://guichet@127.0.0.1:1/guichet ne répond pas (ECONNREFUSED)\u202f: vérifiez qu’il est démarré et joignable depuis ce poste.\n',
    })
  })

  it('exits 1 naming the key of a bad configuration', async () => {
    const bad = join(dir.path, 'bad.json')
    await writeFile(bad, JSON.stringify({ dataDir: 'd', locale: 'de' }))
    const r = await admin(['--config', bad, 'user', 'list'])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `${bad}\u202f: Configuration invalide\u202f: «\u202flocale\u202f»\u202f: attendu "fr" ou "en"\n`,
    )
    const en = await admin(['--config', bad, '--lang', 'en', 'user', 'list'])
    expect(en.code).toBe(1)
    expect(en.stderr).toContain('"locale": expected one of "fr", "en"')
    // A file that asks for English gets its errors in English.
    await writeFile(bad, JSON.stringify({ dataDir: 'd', locale: 'en', idleLockSeconds: 2 }))
    const own = await admin(['--config', bad, 'user', 'list'])
    expect(own.stderr).toContain('"idleLockSeconds": ')
    expect(own.stderr).toContain('Invalid configuration')
  })
})
