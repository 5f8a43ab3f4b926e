// `electron-vite build` (main, preload, renderer) into a temporary folder, then
// checks of what it produced, and electronegativity over src-main/ and the
// build. Electron itself never starts here: everything is read statically.

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { channelOf } from '../../../src-main/contract/bridge'
import { METHOD_NAMES } from '../../../src-main/contract/methods'
import { ISSUER_PAGE } from '../../../src-main/shell/first-screen'
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shell/window-options'
import {
  BLOCKING_CHECK_IDS,
  isAcceptedFinding,
  parseElectronegativityCsv,
  type Finding,
} from './electronegativity'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ELECTRON_VITE = join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js')
const ELECTRONEGATIVITY = join(ROOT, 'node_modules/@doyensec/electronegativity/dist/index.js')
const SERIAL_WRITES = fileURLToPath(new URL('./serial-writes.mjs', import.meta.url))

let outDir = ''
let work = ''

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'guichet-build-'))
  outDir = join(work, 'out')
  await run(process.execPath, [ELECTRON_VITE, 'build', '--outDir', outDir], {
    cwd: ROOT,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  })
}, 300_000)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

describe('electron-vite build', () => {
  it('produces main, preload and renderer', () => {
    for (const file of ['main/main.js', 'preload/preload.cjs', 'renderer/index.html']) {
      expect(existsSync(join(outDir, file)), file).toBe(true)
    }
  })

  it('bundles the preload as CommonJS that requires only electron (no zod, no ESM)', async () => {
    const preload = await readFile(join(outDir, 'preload/preload.cjs'), 'utf8')
    const required = [...preload.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])
    expect(required).toEqual(['electron'])
    expect(preload).not.toMatch(/^\s*(import|export)\s/m)
    expect(preload).not.toMatch(/zod|safeParse/)
    // One global, built by createBridge; ipcRenderer is only its argument.
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1)
    expect(preload).toContain('exposeInMainWorld("guichet", createBridge(electron.ipcRenderer))')
    expect(preload.match(/ipcRenderer/g)).toHaveLength(1)
    for (const method of METHOD_NAMES) expect(preload, method).toContain(method)
    expect(preload).toContain(channelOf('').replace(/:$/, ''))
  })

  it('leaves dependencies, native modules first, to node_modules', async () => {
    const main = await readFile(join(outDir, 'main/main.js'), 'utf8')
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    const specifiers = [...main.matchAll(/^import\s(?:[^'"]*?\sfrom\s)?["']([^"']+)["']/gm)].map(
      (m) => m[1] ?? '',
    )
    const bare = specifiers.filter((s) => !s.startsWith('.'))
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))
    const packageOf = (s: string): string =>
      s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)
    for (const specifier of bare) {
      const allowed =
        builtins.has(specifier) ||
        specifier === 'electron' ||
        packageOf(specifier) in pkg.dependencies
      expect(allowed, specifier).toBe(true)
    }
    expect(bare).toContain('sqlite3')
    expect(bare).toContain('@node-rs/argon2')
    // Bundled native code would show its loader.
    expect(main).not.toMatch(/node-gyp-build|require\(["'][^"']+\.node["']\)/)
  })

  it('points main at the preload and renderer where the build put them', async () => {
    const main = await readFile(join(outDir, 'main/main.js'), 'utf8')
    expect(main).toContain('new URL("../preload/preload.cjs", import.meta.url)')
    expect(main).toContain('new URL("../renderer/", import.meta.url)')
    expect(main).toContain('app://guichet/index.html')
    expect(main).toMatch(/registerSchemesAsPrivileged/)
  })

  it('builds a renderer that loads only its own files', async () => {
    const html = await readFile(join(outDir, 'renderer/index.html'), 'utf8')
    expect(html).toMatch(/<script type="module"[^>]*src="\.\/assets\/[^"]+\.js"/)
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/) // no inline script
  })

  it('ships the renderer minified, as `vite build` does (electron-vite alone would not), with the page for other issuers', async () => {
    const assets = join(outDir, 'renderer/assets')
    const scripts = (await readdir(assets)).filter((f) => f.endsWith('.js'))
    expect(scripts.length).toBeGreaterThan(0)
    for (const file of scripts) {
      const text = await readFile(join(assets, file), 'utf8')
      // Unminified, rolldown heads each module with its path and keeps the indentation.
      expect(text, file).not.toMatch(/^\/\/ (node_modules|src-renderer)\//m)
      expect(text, file).not.toMatch(/^\t/m)
    }
    expect(existsSync(join(outDir, 'renderer', ISSUER_PAGE))).toBe(true)
  })
})

async function scan(input: string, name: string): Promise<Finding[]> {
  const electronVersion = (
    JSON.parse(await readFile(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
      version: string
    }
  ).version
  const csv = join(work, `${name}.csv`)
  // Its exit code is always 0: the verdict is in the CSV.
  await run(
    process.execPath,
    [
      '--import',
      pathToFileURL(SERIAL_WRITES).href,
      ELECTRONEGATIVITY,
      '-i',
      input,
      '-r',
      '-e',
      electronVersion,
      '-x',
      'AvailableSecurityFixesGlobalCheck', // needs the network; not a blocking check
      '-o',
      csv,
    ],
    { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  )
  const report = parseElectronegativityCsv(await readFile(csv, 'utf8'))
  expect(report.isComplete, 'the CSV report is whole').toBe(true)
  // Every scan of this app reports the preload for review: proof the rows were read.
  expect(report.findings.map((f) => f.id)).toContain('PRELOAD_JS_CHECK')
  return report.findings
}

function blocking(findings: Finding[]): Finding[] {
  return findings.filter((f) => BLOCKING_CHECK_IDS.has(f.id) && !isAcceptedFinding(f))
}

describe('electronegativity', () => {
  it('finds nothing blocking in src-main/', async () => {
    const findings = await scan(join(ROOT, 'src-main'), 'src')
    expect(blocking(findings)).toEqual([])
    // The CSP it evaluated is the one main sends.
    expect(findings.filter((f) => f.id === 'CSP_GLOBAL_CHECK').map((f) => f.sample)).toContain(
      CONTENT_SECURITY_POLICY,
    )
  }, 180_000)

  it('catches a weakened copy of the shell (the gate can fail)', async () => {
    const weakened = join(work, 'weakened')
    await cp(join(ROOT, 'src-main'), weakened, { recursive: true })
    const options = join(weakened, 'shell/window-options.ts')
    const source = await readFile(options, 'utf8')
    const edited = source
      .replace('contextIsolation: true,', 'contextIsolation: false,')
      .replace('sandbox: true,', 'sandbox: false,')
      .replace('nodeIntegration: false,', 'nodeIntegration: true,')
    expect(edited).not.toBe(source)
    await writeFile(
      options,
      edited + "\nimport { shell } from 'electron'\nshell.openExternal(String(process.argv[2]))\n",
    )
    const ids = new Set(blocking(await scan(weakened, 'weakened')).map((f) => f.id))
    // (It does not flag nodeIntegration once a sandbox key is present: the
    // window-options unit test covers that one.)
    for (const id of ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK']) {
      expect(ids, id).toContain(id)
    }
  }, 180_000)

  it('finds nothing blocking in the build', async () => {
    const findings = await scan(outDir, 'out')
    expect(blocking(findings)).toEqual([])
  }, 180_000)
})
