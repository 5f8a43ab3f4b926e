/**
 * The vitest configuration of a mutation run on the engine
 * (stryker.engine.config.json, `npm run test:mutation:engine`): only the
 * tests that reach src-main/engine, in one worker, sharing their imports
 * (vitest.stryker.shared.config.ts). Importing the engine again for each test file
 * of each mutant cost about 1.7 s a file.
 */
import { mutationRunConfig } from './vitest.stryker.shared.config'

export default mutationRunConfig([
  'test/integration/*.test.ts',
  'test/integration/fido/windows-client.test.ts',
  'test/unit/{totp,keys,store-password,recovery-codes,mask-email,secrets}.test.ts',
])
