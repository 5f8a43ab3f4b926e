import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSmtp, type TestSmtp } from '../support/smtp'
import { PASSWORD, tempDir } from '../support/env'

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
describe('admin command (child process)', { timeout: 120_000 }, () => {
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
    expect(add.stdout).toContain('alice.martin@mairie.fr created')

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
    expect(dup.stderr).toContain('already exists')

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
    expect(weak.stderr).toContain('shorter than 12 characters')

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

  it('refuses a --name with bidi or zero-width characters (exit 2), like the contract', async () => {
    for (const name of ['Alice \u202Enitram', 'Alice\u200BMartin']) {
      const spoof = await admin(
        [
          '--config',
          config,
          'user',
          'add',
          '--email',
          'c@mairie.fr',
          '--name',
          name,
          '--password-stdin',
        ],
        `${PASSWORD}\n`,
      )
      expect(spoof.code, JSON.stringify(name)).toBe(2)
      expect(spoof.stderr).toContain('--name must be 1 to 100 characters, without control, bidi')
    }
  })

  it('refuses an unknown account with a sentence (exit 1)', async () => {
    const r = await admin(['--config', config, 'user', 'disable', '--email', 'ghost@mairie.fr'])
    expect(r).toMatchObject({ code: 1, stderr: 'No account has the address ghost@mairie.fr.\n' })
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

  it('exits 1 naming the key of a bad configuration', async () => {
    const bad = join(dir.path, 'bad.json')
    await writeFile(bad, JSON.stringify({ dataDir: 'd', locale: 'de' }))
    const r = await admin(['--config', bad, 'user', 'list'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('"locale": expected one of "fr", "en"')
  })
})
