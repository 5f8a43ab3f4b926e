/**
 * Mutation runs only (vitest.stryker.engine.config.ts, project "shared"):
 * argon2 hashes at m = 1 MiB, t = 1 instead of the engine's 64 MiB, t = 3.
 * A mutant is run against its covering tests hundreds of times, and most of
 * a test's seconds went into argon2 cost, which no test of the shared project
 * asserts. The algorithm, the salt, the verification and the hash's PHC
 * string (with the parameters actually used) stay argon2's own. The tests that
 * assert the parameters or the hashing's cost (test/unit/password.test.ts)
 * or count verifications (test/integration/throttle.test.ts) run in the
 * project "isolated", on the real parameters. `npm test` never loads this file.
 */
import type * as Argon2 from '@node-rs/argon2'
import { vi } from 'vitest'

vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>()
  return {
    ...real,
    hash: (password: string | Uint8Array, options?: Argon2.Options) =>
      real.hash(password, { ...options, memoryCost: 1024, timeCost: 1 }),
  }
})
