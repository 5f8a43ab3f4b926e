// electron-vite: main (ESM, native modules left to node_modules), preload
// (CommonJS, self-contained: sandboxed preloads cannot load ESM or packages)
// and the renderer (the renderer engineer's Vite config, built to out/renderer).

import { join } from 'node:path'

import { defineConfig } from 'electron-vite'

import { rendererConfig } from './vite.renderer.config'

// Rolldown's [PLUGIN_TIMINGS] note (where a slow build's time went) is advice
// for plugin authors, not a fault: off here as in the renderer's config.
const quiet = { checks: { bundlerTimings: false } }

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: quiet,
      // sqlite3, node-hid, @node-rs/argon2 and the other dependencies stay
      // `import`s resolved from node_modules (native modules cannot be bundled).
      externalizeDeps: true,
      lib: {
        entry: 'src-main/main.ts',
        formats: ['es'],
        fileName: () => 'main.js',
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: quiet,
      // Everything but 'electron' is bundled in: a sandboxed preload can
      // require nothing from node_modules.
      externalizeDeps: false,
      lib: {
        entry: 'src-main/preload.ts',
        formats: ['cjs'],
        fileName: () => 'preload.cjs',
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: {
      ...rendererConfig.build,
      outDir: 'out/renderer',
      rolldownOptions: {
        ...rendererConfig.build.rolldownOptions,
        input: join(rendererConfig.root, 'index.html'),
      },
    },
  },
})
