/**
 * The vitest configuration of a mutation run on the rest of the mutated set
 * (stryker.rest.config.json, `npm run test:mutation:rest`): the contract's
 * dispatch, the store's conditional updates and the key client, with the tests
 * that reach them — the key client's own, python-fido2 against the software key,
 * and the engine's integration tests over the SQLite store — in one worker.
 * As in vitest.stryker.engine.config.ts, project "shared" keeps its imports from
 * one test file and one mutant to the next (isolate: false) and hashes
 * passwords at a low argon2 cost; project "isolated" holds the files that mock
 * a module themselves or assert argon2's parameters and cost.
 */
import { defineConfig } from 'vitest/config'

const ISOLATED = ['test/integration/throttle.test.ts', 'test/unit/password.test.ts']

const common = {
  environment: 'node' as const,
  // a loaded machine: password hashing and zxcvbn can take tens of seconds
  testTimeout: 120_000,
  hookTimeout: 60_000,
}

export default defineConfig({
  test: {
    maxWorkers: 1,
    projects: [
      {
        test: {
          ...common,
          name: 'shared',
          include: [
            'test/integration/*.test.ts',
            'test/integration/fido/*.test.ts',
            'test/unit/fido/*.test.ts',
            'test/unit/{keys,store-password,recovery-codes}.test.ts',
          ],
          exclude: ['test/integration/admin-cli.test.ts', ...ISOLATED],
          isolate: false,
          setupFiles: ['test/support/mutation-argon2.ts'],
        },
      },
      { test: { ...common, name: 'isolated', include: ISOLATED } },
    ],
  },
})
