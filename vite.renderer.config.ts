// Vite config of the renderer (the kiosk UI). The Electron build config imports
// `rendererConfig` for its renderer section; the web host serves `out/renderer`.
//
// The page runs under a strict CSP (default-src 'none'; script-src 'self';
// style-src 'self'; img-src 'self' data:; connect-src 'self'): no inline script
// or style is emitted, assets are files, and vue-i18n compiles messages without
// eval (JIT to an AST).
import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin, type UserConfig } from 'vite'

export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
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

const root = fileURLToPath(new URL('./src-renderer', import.meta.url))

export const rendererConfig = {
  root,
  base: './',
  plugins: [vue(), cspMeta()],
  define: {
    // Vue: no Options API, no devtools in production.
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    // vue-i18n: Composition API only, no global components, messages compiled
    // at runtime to an AST (no `new Function`, so CSP-safe), no devtools.
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_JIT_COMPILATION__: 'true',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  resolve: {
    alias: {
      'vue-i18n': 'vue-i18n/dist/vue-i18n.esm-bundler.js',
    },
  },
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    target: 'chrome120',
  },
} satisfies UserConfig

export default defineConfig(rendererConfig)
