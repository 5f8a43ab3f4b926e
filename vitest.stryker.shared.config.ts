/**
 * What the fast mutation runs share (vitest.stryker.engine.config.ts,
 * vitest.stryker.rest.config.ts): one worker; project "shared" keeps its
 * imports from one test file to the next and from one mutant to the next
 * (isolate: false) — Stryker switches mutants at run time, so the module graph
 * need not be imported again for each test file of each mutant — and hashes
 * passwords at a low argon2 cost (test/support/mutation-argon2.ts); project
 * "isolated" holds the files that mock a module themselves or assert argon2's
 * parameters and cost, run as `npm test` runs them.
 */
import { defineConfig, type ViteUserConfig } from 'vitest/config'

const ISOLATED = [
  'test/integration/throttle.test.ts',
  'test/unit/password.test.ts',
  'test/unit/qr-worker.test.ts',
  'test/unit/strength-worker.test.ts',
  'test/unit/keys-faults.test.ts',
]

const common = {
  environment: 'node' as const,
  // a loaded machine: password hashing and zxcvbn can take tens of seconds
  testTimeout: 120_000,
  hookTimeout: 60_000,
}

/** The configuration of a fast mutation run over the given test files. */
export function mutationRunConfig(include: string[]): ViteUserConfig {
  return defineConfig({
    test: {
      maxWorkers: 1,
      projects: [
        {
          test: {
            ...common,
            name: 'shared',
            include,
            exclude: ['test/integration/admin-cli.test.ts', ...ISOLATED],
            isolate: false,
            setupFiles: ['test/support/mutation-argon2.ts'],
          },
        },
        { test: { ...common, name: 'isolated', include: ISOLATED } },
      ],
    },
  })
}
