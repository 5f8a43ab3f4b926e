// Vite config of the renderer (the kiosk UI). The Electron build config imports
// `rendererConfig` for its renderer section; the web host serves `out/renderer`.
//
// The page runs under a strict CSP (default-src 'none'; script-src 'self';
// style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'): no inline script
// or style is emitted, and assets are files (the messages are plain strings,
// filled in by src-renderer/i18n: no eval anywhere).
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, runnerImport, type Plugin, type UserConfig } from 'vite'
import { escapeHtml, fillIssuer, ISSUER_PAGE, ISSUER_SLOT } from './src-main/shell/first-screen'

export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  // frame-ancestors is ignored (with a console warning) in a <meta>: the hosts send it.
].join('; ')

/**
 * Built pages carry the CSP themselves too, on top of the hosts' headers (the dev
 * server injects inline styles for hot reload, so only builds get it).
 */
function cspMeta(): Plugin {
  return {
    name: 'guichet-csp-meta',
    apply: 'build',
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: RENDERER_CSP },
          injectTo: 'head-prepend',
        },
      ]
    },
  }
}

/**
 * index.html preloads the chunks that the entry imports dynamically (app.ts and
 * what it imports), so that they are fetched and compiled along with the entry
 * rather than once it runs (see main.ts). Not the screens loaded on demand.
 */
function preloadApp(): Plugin {
  return {
    name: 'guichet-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return
        const files = new Set<string>()
        const add = (fileName: string): void => {
          const dependency = bundle[fileName]
          if (files.has(fileName) || dependency?.type !== 'chunk') return
          files.add(fileName)
          for (const imported of dependency.imports) add(imported)
        }
        for (const fileName of chunk.dynamicImports) add(fileName)
        // Already loaded by then: the entry itself and its static imports.
        files.delete(chunk.fileName)
        for (const imported of chunk.imports) files.delete(imported)
        return [...files].map((fileName) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `./${fileName}` },
          injectTo: 'head' as const,
        }))
      },
    },
  }
}

/**
 * The first screen in index.html: src-renderer/prerender/render.ts renders the
 * kiosk (Root, as the page would for a signed-out kiosk: the sign-in screen)
 * with vue/server-renderer, and its HTML goes into `#app`. The first paint then
 * waits for no script, whatever the renderer's size; the page hydrates that
 * markup when getStatus agrees with it (app.ts), and renders afresh otherwise.
 * Whatever the screens render is what is pre-rendered: no markup is copied.
 *
 * `#app`'s `data-prerendered` names the issuer shown. The same page rendered
 * with ISSUER_SLOT for the issuer is written beside index.html (ISSUER_PAGE):
 * the hosts serve it with the configured issuer put in
 * (src-main/shell/first-screen.ts).
 * The build checks that this gives, for a sample issuer full of characters to
 * escape, exactly what rendering with that issuer gives.
 */
function prerenderFirstScreen(): Plugin {
  const container = '<div id="app"></div>'
  type Renderer = {
    renderFirstScreen(issuer?: string): Promise<string>
    PRERENDERED_STATUS: { issuer: string }
  }
  let renderer: Promise<Renderer> | undefined
  const load = (): Promise<Renderer> =>
    (renderer ??= runnerImport<Renderer>(
      fileURLToPath(new URL('./src-renderer/prerender/render.ts', import.meta.url)),
      {
        configFile: false,
        logLevel: 'silent',
        plugins: [vue()],
        define: rendererConfig.define,
      },
    ).then((loaded) => loaded.module))
  const app = (issuerHtml: string, markup: string): string =>
    `<div id="app" data-prerendered="${issuerHtml}">${markup}</div>`
  let defaultApp: string | undefined
  return {
    name: 'guichet-prerender-first-screen',
    apply: 'build',
    transformIndexHtml: {
      order: 'pre',
      async handler(html) {
        if (!html.includes(container)) throw new Error(`index.html has no ${container}`)
        const { renderFirstScreen, PRERENDERED_STATUS } = await load()
        defaultApp = app(escapeHtml(PRERENDERED_STATUS.issuer), await renderFirstScreen())
        return html.replace(container, () => defaultApp!)
      },
    },
    // Once vite has written index.html (its scripts, styles and preloads).
    generateBundle: {
      order: 'post',
      async handler(_options, bundle) {
        const index = bundle['index.html']
        if (index?.type !== 'asset' || defaultApp === undefined) return
        const html = String(index.source)
        if (!html.includes(defaultApp)) throw new Error('index.html lost its pre-rendered screen')
        const { renderFirstScreen } = await load()
        const slotted = await renderFirstScreen(ISSUER_SLOT)
        if (!slotted.includes(ISSUER_SLOT)) throw new Error('the first screen shows no issuer')
        const template = html.replace(defaultApp, () => app(ISSUER_SLOT, slotted))
        // What the hosts make of it must be what rendering with the issuer makes.
        const sample = `Mairie « d’essai » & <Cie> "$&" l'$1`
        const rendered = app(escapeHtml(sample), await renderFirstScreen(sample))
        if (fillIssuer(template, sample) !== html.replace(defaultApp, () => rendered)) {
          throw new Error(
            `${ISSUER_PAGE}: the first screen shows the issuer other than as text (see src-main/shell/first-screen.ts)`,
          )
        }
        this.emitFile({ type: 'asset', fileName: ISSUER_PAGE, source: template })
      },
    },
  }
}

const root = fileURLToPath(new URL('./src-renderer', import.meta.url))

/**
 * The screens loaded on demand (src-renderer/screens/lazy.ts) and the
 * components and helpers only they use: one chunk (see build.rolldownOptions).
 */
const LATER_SCREENS = new RegExp(
  [
    String.raw`[\\/]src-renderer[\\/]screens[\\/](?!SignInScreen|LoadingScreen|UnavailableScreen)[A-Za-z]+\.vue`,
    String.raw`[\\/]src-renderer[\\/]components[\\/](CodeEntry|CodeField|KeyPinForm|KeyPrompt|NewKeyPinForm|RecoveryCodes|StepUpPanel)\.vue`,
    // fieldErrors: the sign-in screen's too
    String.raw`[\\/]src-renderer[\\/]composables[\\/](?!fieldErrors)[A-Za-z]+\.ts`,
  ].join('|'),
)

/**
 * Vue, the i18n module and French, and the few modules that both the first screen and the later
 * screens import. Left alone, rolldown puts those in a chunk of their own (one
 * more file, loaded with the first screen anyway); here they go with Vue.
 */
const VENDOR = new RegExp(
  [
    String.raw`[\\/]node_modules[\\/]`,
    String.raw`[\\/]src-renderer[\\/]components[\\/](ErrorMessage|ScreenTitle)\.vue`,
    String.raw`[\\/]src-renderer[\\/](state[\\/]errors|state[\\/]format|injection|i18n[\\/]index|i18n[\\/]fr)\.ts`,
  ].join('|'),
)

export const rendererConfig = {
  root,
  base: './',
  plugins: [vue(), prerenderFirstScreen(), preloadApp(), cspMeta()],
  define: {
    // Vue: no Options API, no devtools in production.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  resolve: {
    // None (vue-i18n had one); the bench builds with these too (bench/browser.ts).
    alias: {} as Record<string, string>,
  },
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    // No preload helper around the dynamic imports: index.html already preloads
    // what app.ts needs (preloadApp), and the later chunks need nothing that is
    // not loaded by then.
    modulePreload: false,
    // Said here, not left to the default: electron-vite's default for the
    // renderer is no minifying at all (its Electron build shipped 441 kB of
    // JavaScript where vite's own build ships 244).
    minify: 'oxc',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    target: 'chrome120',
    rolldownOptions: {
      // Rolldown's [PLUGIN_TIMINGS] note says where a build's time goes (here:
      // compiling the .vue files and their CSS, and the messages above, on a
      // busy machine); it is advice for plugin authors, not a fault, and every
      // \`npm run web\` after a change printed it. Off.
      checks: { bundlerTimings: false },
      output: {
        // Two chunks rather than one per module group: the screens after sign-in
        // (loaded once the first screen is up) and what only they use, in one;
        // Vue (and what every screen shares) in another. With the
        // entry, app.ts's chunk and the English messages: five files. Each file
        // compresses better whole (renderer_js_gzip_kb: about 10 kB less than
        // twenty small chunks).
        codeSplitting: {
          includeDependenciesRecursively: false,
          groups: [
            { name: 'vendor', test: VENDOR, priority: 2 },
            { name: 'screens', test: LATER_SCREENS, priority: 1 },
          ],
        },
      },
    },
  },
} satisfies UserConfig

export default defineConfig(rendererConfig)
