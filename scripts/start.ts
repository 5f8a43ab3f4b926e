/**
 * `npm start`: the kiosk in Electron (electron-vite preview), once Electron's
 * binary is known to be there.
 *
 * Electron 45 downloads its binary on first use, not at `npm install`, and
 * electron-vite only reads `node_modules/electron/path.txt`: where the binary
 * is missing it stops with "Electron uninstall" and a stack trace. Here the
 * binary is looked for first (ELECTRON_EXEC_PATH, ELECTRON_OVERRIDE_DIST_PATH,
 * then electron's `path.txt`); a missing one is downloaded by electron's own
 * installer, and when that fails one sentence says what happened and that
 * `npm run web` serves the same kiosk, with exit code 1.
 */

import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)

export type Binary =
  | { found: true; path: string }
  /** `fixable`: electron's installer may download it (false when an override names the place). */
  | { found: false; path: string; fixable: boolean; source: string }

/** Where Electron's executable is, the way electron and electron-vite look for it. */
export function electronBinary(electronDir: string, env: NodeJS.ProcessEnv): Binary {
  if (env.ELECTRON_EXEC_PATH) {
    const path = env.ELECTRON_EXEC_PATH
    return existsSync(path)
      ? { found: true, path }
      : { found: false, path, fixable: false, source: 'ELECTRON_EXEC_PATH' }
  }
  const pathFile = join(electronDir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : ''
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const path = join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron')
    return existsSync(path)
      ? { found: true, path }
      : { found: false, path, fixable: false, source: 'ELECTRON_OVERRIDE_DIST_PATH' }
  }
  const path = join(electronDir, 'dist', relative || 'electron')
  return relative && existsSync(path)
    ? { found: true, path }
    : { found: false, path, fixable: true, source: 'node_modules/electron' }
}

export interface RunResult {
  code: number
  output: string
}

export interface StartDeps {
  electronDir: string
  env: NodeJS.ProcessEnv
  /** Runs electron's installer (the download); resolves its exit code and output. */
  download: () => Promise<RunResult>
  /** Runs `electron-vite preview` with these arguments and this environment; resolves its exit code. */
  preview: (args: string[], env: NodeJS.ProcessEnv) => Promise<number>
  stdout: (text: string) => void
  stderr: (text: string) => void
}

const WEB_INSTEAD =
  '`npm run web` serves the same kiosk to a browser on http://127.0.0.1:4780/ (see the README).'

/** The first line of the installer's output that says what went wrong, for the one sentence. */
export function downloadReason(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const error = lines.find((l) => /error|failed/i.test(l))
  const reason = (error ?? lines[0] ?? 'no output').replace(/^(\w*Error):\s*/, '')
  return reason.length > 160 ? `${reason.slice(0, 157)}…` : reason
}

export async function start(args: string[], deps: StartDeps): Promise<number> {
  let binary = electronBinary(deps.electronDir, deps.env)
  if (!binary.found && binary.fixable) {
    deps.stdout("Electron's binary is not installed yet: downloading it (first start)…\n")
    const result = await deps.download()
    binary = electronBinary(deps.electronDir, deps.env)
    if (!binary.found) {
      deps.stderr(
        `Electron's binary could not be downloaded (${downloadReason(result.output)}), so \`npm start\` cannot open the kiosk window on this machine: ${WEB_INSTEAD}\n`,
      )
      return 1
    }
  }
  if (!binary.found) {
    deps.stderr(
      `${binary.source} points to ${binary.path}, where there is no Electron binary, so \`npm start\` cannot open the kiosk window: ${WEB_INSTEAD}\n`,
    )
    return 1
  }
  // electron-vite reads ELECTRON_EXEC_PATH before anything else: the binary found here is the one it runs.
  return deps.preview(args, { ...deps.env, ELECTRON_EXEC_PATH: binary.path })
}

function run(command: string, args: string[], capture: boolean, env?: NodeJS.ProcessEnv) {
  return new Promise<RunResult>((done) => {
    const child = spawn(command, args, {
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: env ?? process.env,
    })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', (error) => done({ code: 1, output: `${output}${error.message}` }))
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 1 : 0), output }))
  })
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href
if (isMain) {
  const electronDir = dirname(require.resolve('electron/package.json'))
  const viteDir = dirname(require.resolve('electron-vite/package.json'))
  void start(process.argv.slice(2), {
    electronDir,
    env: process.env,
    download: () => run(process.execPath, [join(electronDir, 'install.js')], true),
    preview: async (args, env) =>
      (
        await run(
          process.execPath,
          [join(viteDir, 'bin', 'electron-vite.js'), 'preview', ...args],
          false,
          env,
        )
      ).code,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  }).then((code) => {
    process.exitCode = code
  })
}
