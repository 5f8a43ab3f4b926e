/**
 * The vitest configuration of a mutation run on the engine
 * (stryker.engine.config.json, `npm run test:mutation:engine`): only the
 * tests that reach src-main/engine, in one worker.
 *
 * Project "shared" keeps its imports from one test file to the next and from
 * one mutant to the next (isolate: false): Stryker switches mutants at run
 * time, so the engine's module graph need not be imported again for each
 * test file of each mutant, which cost about 1.7 s a file. It hashes
 * passwords at a low argon2 cost (test/support/mutation-argon2.ts).
 * Project "isolated" holds the files that mock a module themselves or assert
 * argon2's parameters and cost, run as `npm test` runs them.
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
            'test/integration/fido/windows-client.test.ts',
            'test/unit/{totp,keys,store-password,recovery-codes,mask-email}.test.ts',
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
