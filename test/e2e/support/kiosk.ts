// End-to-end harness: the web host as a child process (exactly `npm run web`),
// a real SMTP server on loopback, and Debian's Chromium through playwright-core.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { startSmtp, type TestSmtp } from '../../support/smtp'
import { tempDir } from '../../support/env'

export const ROOT = join(import.meta.dirname, '..', '..', '..')
export const RESULTS = join(ROOT, 'test-results')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export interface WebHostProcess {
  /** The host's root (403 without the door's cookie). */
  url: string
  /** The single-use door the host printed at start. */
  launchUrl: string
  /** Asks the running host for a fresh door (SIGUSR2), as IT does for a restarted browser. */
  newLaunchUrl(): Promise<string>
  dataDir: string
  configPath: string
  child: ChildProcess
  output: () => string
  stop(): Promise<void>
}

/**
 * Starts `src-main/host/cli.ts` with a config of its own; resolves once it prints its URL.
 * `node --import tsx`, not the `tsx` wrapper, so a signal reaches the host itself.
 */
export async function startWebHostProcess(
  config: Record<string, unknown>,
  options: { dir: string },
): Promise<WebHostProcess> {
  const dataDir = join(options.dir, 'data')
  const configPath = join(options.dir, 'config.json')
  await writeFile(configPath, JSON.stringify({ dataDir, terminalId: 'poste-e2e', ...config }))
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'src-main', 'host', 'cli.ts'),
      '--config',
      configPath,
      '--port',
      '0',
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host did not start:\n${out}`)), 90_000)
    const check = (): void => {
      const m = out.match(/Guichet web host on (http:\/\/127\.0\.0\.1:\d+\/\S*)/)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`web host exited with ${code}:\n${out}`))
    })
  })
  return {
    url: `${new URL(launchUrl).origin}/`,
    launchUrl,
    newLaunchUrl: () =>
      new Promise<string>((resolve, reject) => {
        const seen = (out.match(/fresh door: /g) ?? []).length
        const timer = setTimeout(() => reject(new Error(`no fresh door:\n${out}`)), 30_000)
        const check = (): void => {
          const all = [...out.matchAll(/fresh door: (http:\/\/\S+)\n/g)]
          if (all.length > seen) {
            clearTimeout(timer)
            child.stdout?.off('data', check)
            resolve(all[all.length - 1]![1]!)
          }
        }
        child.stdout?.on('data', check)
        child.kill('SIGUSR2')
      }),
    dataDir,
    configPath,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

export interface Kiosk {
  smtp: TestSmtp
  host: WebHostProcess
  browser: Browser
  context: BrowserContext
  page: Page
  dir: string
  close(): Promise<void>
}

/** A kiosk browser: Chromium at 1366×768 in French, with the page's script errors kept. */
export interface KioskBrowser {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Script errors an e2e test expects (e.g. a request it makes fail on purpose). */
  allowErrors(pattern: RegExp): void
  /** Closes the browser; fails the test on any script error in the page not allowed. */
  close(): Promise<void>
}

export async function openKioskBrowser(): Promise<KioskBrowser> {
  const browser = await launchChromium()
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    locale: 'fr-FR',
  })
  const page = await context.newPage()
  // Shared 2-core machines are noisy: generous waits, never a timing assertion.
  page.setDefaultTimeout(30_000)
  const errors: string[] = []
  const allowed: RegExp[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text())
  })
  return {
    browser,
    context,
    page,
    allowErrors: (pattern) => allowed.push(pattern),
    async close() {
      await browser.close().catch(() => undefined)
      expect(
        errors.filter((e) => !allowed.some((a) => a.test(e))),
        'no script error in the page',
      ).toEqual([])
    },
  }
}

export async function startKiosk(config: Record<string, unknown> = {}): Promise<Kiosk> {
  const dir = await tempDir('guichet-e2e-')
  const smtp = await startSmtp()
  const host = await startWebHostProcess(
    { mail: { url: smtp.url, from: 'guichet@mairie.fr', timeoutSeconds: 3 }, ...config },
    { dir: dir.path },
  )
  const kiosk = await openKioskBrowser()
  const { browser, context, page } = kiosk
  await page.goto(host.launchUrl) // the door: the token for a cookie, then /
  return {
    smtp,
    host,
    browser,
    context,
    page,
    dir: dir.path,
    async close() {
      try {
        await kiosk.close()
      } finally {
        await host.stop()
        await smtp.close()
        await dir.remove()
      }
    },
  }
}

/** axe-core on the current screen: zero serious or critical violations (WCAG 2.1 AA). */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `accessibility of ${screen}`,
  ).toEqual([])
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(RESULTS, { recursive: true })
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true })
}

export interface VirtualKeyProcess {
  port: number
  stop(): Promise<void>
}

/** `npm run virtual-key` as a child process on a free loopback port (every touch approved). */
export async function startVirtualKeyProcess(args: string[] = []): Promise<VirtualKeyProcess> {
  const child = spawn(
    TSX,
    [join(ROOT, 'src-main', 'fido', 'virtual-key', 'cli.ts'), '--port', '0', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`virtual key did not start:\n${out}`)), 30_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(/listening on udp:\/\/127\.0\.0\.1:(\d+)/)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`virtual key exited with ${code}:\n${out}`))
    })
  })
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
