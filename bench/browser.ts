// The interface's figures: the size of the built renderer, its first screen
// against a bare Vue page built the same way, and a clerk switch with a
// security key through the web host, all in Debian's Chromium.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { parseConfig } from '../src-main/config'
import { hashPassword } from '../src-main/engine/password'
import { startWebHost } from '../src-main/host/server'
import { silentLogger } from '../src-main/log'
import { openRuntime } from '../src-main/runtime'
import { rendererConfig } from '../vite.renderer.config'
import { PASSWORD, tempDir, value } from '../test/support/env'
import { startSmtp } from '../test/support/smtp'
import { launchChromium, ROOT, startWebHostProcess } from '../test/e2e/support/kiosk'
import { startVirtualKeyProcess } from './lib/children'
import { serveStatic } from './lib/static-server'
import { formatValue, measureOne, measurePair, missing, type Figure, type Goal } from './lib/stats'

export type BrowserFigureKey =
  'clerk_switch_ms' | 'renderer_js_gzip_kb' | 'first_screen_over_bare_vue'

export interface BrowserBenchOptions {
  quick: boolean
  log: (line: string) => void
}

const CLERK = { email: 'camille.durand@mairie.fr', name: 'Camille Durand' }
const KEY_PIN = '1234'

// ---- builds ------------------------------------------------------------------------

/** Builds with the renderer's own vite settings (plugins, defines, target), into `outDir`. */
export async function viteBuild(
  root: string,
  outDir: string,
  extra: { alias?: { find: RegExp; replacement: string }[] } = {},
): Promise<void> {
  const { build } = await import('vite')
  const aliases = [
    ...Object.entries(rendererConfig.resolve.alias).map(([find, replacement]) => ({
      find: new RegExp(`^${find}$`),
      replacement,
    })),
    ...(extra.alias ?? []),
  ]
  await build({
    ...rendererConfig,
    root,
    configFile: false,
    logLevel: 'warn',
    resolve: { ...rendererConfig.resolve, alias: aliases },
    build: { ...rendererConfig.build, outDir, emptyOutDir: true },
  })
}

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && /\.m?js$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
}

/** Sum of each JS file gzipped on its own (zlib's default level, as vite reports it), in kB of 1000 bytes. */
export async function gzipKb(dir: string): Promise<{ kb: number; files: number; rawKb: number }> {
  let gz = 0
  let raw = 0
  const files = await jsFiles(dir)
  for (const f of files) {
    const body = await readFile(f)
    raw += body.length
    gz += gzipSync(body).length
  }
  return { kb: gz / 1000, files: files.length, rawKb: raw / 1000 }
}

/**
 * The part of gzipKb that the first screen loads: the entry script and the
 * chunks index.html preloads (the screens after sign-in and the English
 * messages come later).
 */
export async function initialGzipKb(dir: string): Promise<{ kb: number; files: number }> {
  const html = await readFile(join(dir, 'index.html'), 'utf8')
  const urls = [
    ...html.matchAll(/<script type="module"[^>]*\ssrc="\.\/([^"]+\.js)"/g),
    ...html.matchAll(/<link rel="modulepreload"[^>]*\shref="\.\/([^"]+\.js)"/g),
  ].map((m) => m[1]!)
  if (urls.length === 0) throw new Error('index.html loads no script')
  let gz = 0
  for (const url of new Set(urls)) gz += gzipSync(await readFile(join(dir, url))).length
  return { kb: gz / 1000, files: new Set(urls).size }
}

const HELLO_FILES: Record<string, string> = {
  'index.html': `<!doctype html>
<html lang="fr">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
    <title>hello</title>
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="./main.ts"></script>
  </body>
</html>
`,
  'main.ts': `import { createApp } from 'vue'
import App from './App.vue'

createApp(App).mount('#app')
`,
  'App.vue': `<template>
  <h1>hello</h1>
</template>
`,
}

/** The bare Vue page: same vite, same plugins and settings; 'vue' resolved from this project. */
export async function buildHello(dir: string): Promise<string> {
  const src = join(dir, 'hello-src')
  await mkdir(src, { recursive: true })
  for (const [name, text] of Object.entries(HELLO_FILES)) await writeFile(join(src, name), text)
  const out = join(dir, 'hello-dist')
  await viteBuild(src, out, {
    alias: [
      {
        find: /^vue$/,
        replacement: join(ROOT, 'node_modules', 'vue', 'dist', 'vue.runtime.esm-bundler.js'),
      },
    ],
  })
  return out
}

// ---- first screen ------------------------------------------------------------------

/**
 * Installed before any script of the page: records performance.now() (from
 * navigation start) when `ready()` first holds, checked on every DOM change.
 */
function readyProbe(ready: string): string {
  return `(() => {
  const ready = () => { ${ready} };
  const mark = () => {
    if (window.__benchReady !== undefined) return;
    try { if (ready()) { window.__benchReady = performance.now(); observer.disconnect(); } } catch {}
  };
  const observer = new MutationObserver(mark);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`
}

const visible = `const shown = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';`
const GUICHET_READY = `${visible}
  const b = [...document.querySelectorAll('button')].find((x) => x.textContent.trim() === 'Se connecter');
  return shown(b) && !b.disabled && b.getAttribute('aria-disabled') !== 'true';`
const HELLO_READY = `${visible}
  const h = [...document.querySelectorAll('h1')].find((x) => x.textContent.trim() === 'hello');
  return shown(h);`

/** `url` may be a function: the web host's door is single use, so each fresh context needs its own. */
async function timeToReady(
  browser: Browser,
  door: string | (() => string),
  probe: string,
): Promise<number> {
  const url = typeof door === 'string' ? door : door()
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    locale: 'fr-FR',
  })
  try {
    await context.addInitScript({ content: probe })
    const page = await context.newPage()
    await page.goto(url, { waitUntil: 'commit' })
    const deadline = Date.now() + 15_000
    for (;;) {
      const t = (await page.evaluate('window.__benchReady')) as number | undefined
      if (typeof t === 'number') return t
      if (Date.now() > deadline) throw new Error(`${url}: not ready within 15 s`)
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    await context.close()
  }
}

async function firstScreenFigure(
  browser: Browser,
  guichetDir: string,
  helloDir: string,
  work: string,
  quick: boolean,
): Promise<Figure> {
  // Guichet's own host (src-main/host/server.ts) on the bench's build, with an
  // engine on a store holding one account, so the sign-in screen is what shows.
  const dataDir = join(work, 'first-screen-data')
  const runtime = await openRuntime(parseConfig({ dataDir, terminalId: 'poste-bench' }), {
    log: silentLogger,
  })
  await runtime.store.users.insert({
    email: CLERK.email,
    name: CLERK.name,
    passwordHash: await hashPassword(PASSWORD),
    mustChangePassword: false,
    now: Date.now(),
  })
  const host = await startWebHost({
    api: runtime.api,
    rendererDir: guichetDir,
    port: 0,
    log: silentLogger,
  })
  const hello = await serveStatic(helloDir)
  try {
    const r = await measurePair(
      () => timeToReady(browser, () => host.newLaunchUrl(), readyProbe(GUICHET_READY)),
      () => timeToReady(browser, hello.url, readyProbe(HELLO_READY)),
      quick ? { warmup: 1, rounds: 3, perRound: 2 } : { warmup: 2, rounds: 7, perRound: 3 },
    )
    return {
      key: 'first_screen_over_bare_vue',
      value: r.ratio,
      goal: { max: 1.5 },
      note: `« Se connecter » enabled ${r.medianA.toFixed(0)} ms / « hello » ${r.medianB.toFixed(0)} ms after navigation start (fresh context each)`,
      extra: { guichet_ms: r.medianA, hello_ms: r.medianB, rounds: r.roundRatios.length },
    }
  } finally {
    await hello.close()
    await host.close()
    await runtime.close()
  }
}

// ---- clerk switch ------------------------------------------------------------------

async function keySignIn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Se connecter avec ma clé de sécurité' }).click()
  await page.getByLabel('Code PIN de la clé').fill(KEY_PIN)
  await page.getByRole('button', { name: 'Valider' }).click()
  await page
    .getByRole('heading', { level: 1, name: `Bonjour, ${CLERK.name}` })
    .waitFor({ timeout: 15_000 })
}

async function clerkSwitchFigure(
  browser: Browser,
  work: string,
  quick: boolean,
  log: (l: string) => void,
): Promise<Figure> {
  const dir = join(work, 'clerk-switch')
  await mkdir(dir, { recursive: true })
  const smtp = await startSmtp()
  const vk = await startVirtualKeyProcess({ pin: KEY_PIN })
  const mail = { url: smtp.url, from: 'guichet@mairie.fr', timeoutSeconds: 3 }
  const fido = { transport: 'udp' as const, udp: `127.0.0.1:${vk.port}`, udpLocalPort: 0 }
  let host: Awaited<ReturnType<typeof startWebHostProcess>> | undefined
  try {
    // The clerk's account and key (with its PIN: discoverable), through the
    // engine on the data folder the host will use, before the host starts.
    const runtime = await openRuntime(
      parseConfig({ dataDir: join(dir, 'data'), terminalId: 'poste-e2e', mail, fido }),
      { log: silentLogger },
    )
    try {
      await runtime.store.users.insert({
        email: CLERK.email,
        name: CLERK.name,
        passwordHash: await hashPassword(PASSWORD),
        mustChangePassword: false,
        now: Date.now(),
      })
      value(await runtime.api.signIn({ email: CLERK.email, password: PASSWORD }))
      const code = /\b(\d{6})\b/.exec((await smtp.find(CLERK.email, 'code')).text)?.[1] ?? ''
      value(await runtime.api.verifyCode({ code }))
      value(await runtime.api.registerKey({ name: 'Clé bench', pin: KEY_PIN }))
      value(await runtime.api.signOut({}))
    } finally {
      await runtime.close()
    }
    log('  clerk switch: web host…')
    host = await startWebHostProcess({ mail, fido }, { dir })
    const context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'fr-FR',
    })
    const page = await context.newPage()
    await page.goto(host.launchUrl) // the door: its token for the cookie
    await keySignIn(page)
    const signOut = page.getByRole('button', { name: 'Se déconnecter' })
    const r = await measureOne(
      async () => {
        const t = performance.now()
        await signOut.click()
        await keySignIn(page)
        return performance.now() - t
      },
      quick ? { warmup: 1, rounds: 3 } : { warmup: 2, rounds: 9 },
    )
    await context.close()
    return {
      key: 'clerk_switch_ms',
      value: r.median,
      goal: { max: 250 },
      note: `« Se déconnecter » click → « Bonjour, … » shown: PIN 1234 typed by playwright, key over UDP (child), host child; min ${Math.min(...r.values).toFixed(0)} max ${Math.max(...r.values).toFixed(0)} ms`,
      extra: {
        min_ms: Math.min(...r.values),
        max_ms: Math.max(...r.values),
        rounds: r.values.length,
      },
    }
  } finally {
    await host?.stop()
    await vk.stop()
    await smtp.close()
  }
}

// ---- all of it ---------------------------------------------------------------------

export async function browserFigures(
  options: BrowserBenchOptions,
  wanted: (key: BrowserFigureKey) => boolean,
): Promise<Figure[]> {
  const { log, quick } = options
  const figures: Figure[] = []
  const figure = async (key: BrowserFigureKey, goal: Goal, run: () => Promise<Figure>) => {
    if (!wanted(key)) return
    const t = performance.now()
    try {
      const f = await run()
      figures.push(f)
      log(`  ${key} ${formatValue(f.value)} (${((performance.now() - t) / 1000).toFixed(1)} s)`)
    } catch (error) {
      figures.push(missing(key, goal, error))
      log(`  ${key} failed: ${(error as Error).stack ?? String(error)}`)
    }
  }
  const work = await tempDir('guichet-bench-')
  let browser: Browser | undefined
  const chromium = async (): Promise<Browser> => (browser ??= await launchChromium())
  try {
    const guichetDir = join(work.path, 'renderer')
    let built: Promise<void> | undefined
    const buildGuichet = (): Promise<void> => (built ??= viteBuild(rendererConfig.root, guichetDir))

    await figure('renderer_js_gzip_kb', { max: 70 }, async () => {
      await buildGuichet()
      const size = await gzipKb(guichetDir)
      const initial = await initialGzipKb(guichetDir)
      return {
        key: 'renderer_js_gzip_kb',
        value: size.kb,
        goal: { max: 70 },
        note: `${size.files} JS file(s), ${size.rawKb.toFixed(0)} kB before gzip (the first screen loads ${initial.files}: ${initial.kb.toFixed(1)} kB); zlib level 6, kB = 1000 bytes`,
        extra: { raw_kb: size.rawKb, files: size.files, initial_kb: initial.kb },
      }
    })

    await figure('first_screen_over_bare_vue', { max: 1.5 }, async () => {
      await buildGuichet()
      const helloDir = await buildHello(work.path)
      return firstScreenFigure(await chromium(), guichetDir, helloDir, work.path, quick)
    })

    await figure('clerk_switch_ms', { max: 250 }, async () =>
      clerkSwitchFigure(await chromium(), work.path, quick, log),
    )
  } finally {
    await browser?.close().catch(() => undefined)
    await work.remove()
  }
  return figures
}
