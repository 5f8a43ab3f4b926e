/**
 * The vitest configuration Stryker runs (stryker.config.json): only the node
 * tests that exercise the mutated code (engine, contract, store, key client),
 * in one flat project, so a mutation run is feasible on two shared cores. The
 * PostgreSQL, renderer, e2e and proof projects stay out: they are `npm test`'s.
 */
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    exclude: [
      'test/unit/renderer/**',
      'test/unit/shell/**',
      'test/unit/bench-stats.test.ts',
      'test/integration/pg/**',
      'test/integration/admin-cli.test.ts',
      'test/integration/host/**',
    ],
    environment: 'node',
    maxWorkers: 1,
    // a loaded machine: password hashing and zxcvbn can take tens of seconds
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
