import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Tests share loopback ports, Chromium and 2 cores: keep the pool small.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // npm run test:coverage (information, no gate): reports/coverage/.
    coverage: {
      provider: 'v8',
      include: ['src-main/**/*.ts', 'src-renderer/**/*.{ts,vue}'],
      reporter: ['text-summary', 'html', 'json-summary'],
      reportsDirectory: 'reports/coverage',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: ['test/unit/renderer/**', 'test/integration/pg/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          // The engine's suites again on PostgreSQL (GUICHET_TEST_STORE=pg makes
          // startBed use it), and the PostgreSQL-only suites. The global setup
          // starts a loopback server if none answers (test/support/pg.ts) and
          // fails the run, with what to install, if it cannot.
          name: 'node-pg',
          include: [
            'test/integration/pg/**/*.test.ts',
            'test/integration/{authenticator-app,guards,lifecycle,password-lock,security-keys,security-keys-engine,setup,sign-in,sign-in-edges,throttle}.test.ts',
            'test/integration/host/web-host.test.ts',
          ],
          environment: 'node',
          env: { GUICHET_TEST_STORE: 'pg' },
          globalSetup: ['test/support/pg.ts'],
        },
      },
      {
        extends: true,
        plugins: [vue()],
        test: {
          name: 'renderer',
          include: ['test/unit/renderer/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'proof',
          include: ['test/proof/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 600_000,
        },
      },
    ],
  },
})
