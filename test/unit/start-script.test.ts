/**
 * `npm start` (scripts/start.ts): Electron's binary is looked for before
 * electron-vite runs; a missing one is downloaded by electron's installer, and
 * when that fails one sentence says so and points to `npm run web`, exit 1.
 */

import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { downloadReason, electronBinary, start, type StartDeps } from '../../scripts/start'
import { tempDir } from '../support/env'

const ROOT = join(import.meta.dirname, '..', '..')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')

describe('npm start', () => {
  let dir: { path: string; remove(): Promise<void> }
  let out: string
  let err: string
  let previews: { args: string[]; env: NodeJS.ProcessEnv }[]
  let downloads: number

  beforeEach(async () => {
    dir = await tempDir()
    out = ''
    err = ''
    previews = []
    downloads = 0
  })
  afterEach(() => dir.remove())

  /** An electron module folder; `installed` writes path.txt and the binary, as electron's installer does. */
  async function electronDir(installed: boolean): Promise<string> {
    const electron = join(dir.path, 'electron')
    await mkdir(join(electron, 'dist'), { recursive: true })
    if (installed) await install(electron)
    return electron
  }
  async function install(electron: string): Promise<void> {
    await writeFile(join(electron, 'path.txt'), 'electron')
    await writeFile(join(electron, 'dist', 'electron'), '')
  }

  function deps(electron: string, download: StartDeps['download'], env = {}): StartDeps {
    return {
      electronDir: electron,
      env,
      download: async () => {
        downloads++
        return download()
      },
      preview: async (args, previewEnv) => {
        previews.push({ args, env: previewEnv })
        return 0
      },
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
    }
  }

  it('runs electron-vite preview with the binary found, without downloading', async () => {
    const electron = await electronDir(true)
    const code = await start(
      ['--noSandbox'],
      deps(electron, async () => ({ code: 0, output: '' })),
    )
    expect(code).toBe(0)
    expect(downloads).toBe(0)
    expect(previews).toEqual([
      {
        args: ['--noSandbox'],
        env: expect.objectContaining({ ELECTRON_EXEC_PATH: join(electron, 'dist', 'electron') }),
      },
    ])
  })

  it('downloads a missing binary on first start, then runs the kiosk', async () => {
    const electron = await electronDir(false)
    const code = await start(
      [],
      deps(electron, async () => {
        await install(electron)
        return { code: 0, output: 'Downloading…' }
      }),
    )
    expect(code).toBe(0)
    expect(downloads).toBe(1)
    expect(previews).toHaveLength(1)
    expect(out).toContain('downloading it (first start)')
  })

  it('says in one sentence that the download failed and that npm run web serves the same kiosk; exit 1', async () => {
    const electron = await electronDir(false)
    const code = await start(
      [],
      deps(electron, async () => ({
        code: 1,
        output:
          'TypeError: fetch failed\n    at node:internal/deps/undici/undici:14976:13\n    at async FetchDownloader.download\n',
      })),
    )
    expect(code).toBe(1)
    expect(previews).toEqual([])
    expect(err).toBe(
      "Electron's binary could not be downloaded (fetch failed), so `npm start` cannot open the kiosk window on this machine: `npm run web` serves the same kiosk to a browser on http://127.0.0.1:4780/ (see the README).\n",
    )
  })

  it('does not download over an override that names a missing binary', async () => {
    const electron = await electronDir(false)
    const elsewhere = join(dir.path, 'elsewhere')
    const code = await start(
      [],
      deps(electron, async () => ({ code: 0, output: '' }), {
        ELECTRON_OVERRIDE_DIST_PATH: elsewhere,
      }),
    )
    expect(code).toBe(1)
    expect(downloads).toBe(0)
    expect(err).toContain(`ELECTRON_OVERRIDE_DIST_PATH points to ${join(elsewhere, 'electron')}`)
    expect(err).toContain('`npm run web` serves the same kiosk')
  })

  it('finds the binary the way electron and electron-vite do', async () => {
    const electron = await electronDir(false)
    expect(electronBinary(electron, {})).toMatchObject({ found: false, fixable: true })
    await install(electron)
    expect(electronBinary(electron, {})).toEqual({
      found: true,
      path: join(electron, 'dist', 'electron'),
    })
    expect(electronBinary(electron, { ELECTRON_EXEC_PATH: '/nowhere/electron' })).toMatchObject({
      found: false,
      fixable: false,
      source: 'ELECTRON_EXEC_PATH',
    })
  })

  it('keeps the installer’s reason short: the error line, without its class name', () => {
    expect(downloadReason('Downloading…\nError: getaddrinfo ENOTFOUND github.com\n  at x')).toBe(
      'getaddrinfo ENOTFOUND github.com',
    )
    expect(downloadReason('')).toBe('no output')
  })

  it('as a command: exit 1, one sentence, no stack trace, where no binary is', async () => {
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        TSX,
        [join(ROOT, 'scripts', 'start.ts')],
        {
          cwd: ROOT,
          env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(dir.path, 'none') },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      )
    })
    expect(run.code).toBe(1)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain('`npm run web` serves the same kiosk')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})
