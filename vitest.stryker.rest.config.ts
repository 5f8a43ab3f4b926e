/**
 * The vitest configuration of a mutation run on the rest of the mutated set
 * (stryker.rest.config.json, `npm run test:mutation:rest`): the contract's
 * dispatch, the store's conditional updates and the key client, with the tests
 * that reach them — the key client's own, python-fido2 against the software
 * key, and the engine's integration tests over the SQLite store — in one
 * worker, sharing their imports (vitest.stryker.shared.config.ts).
 */
import { mutationRunConfig } from './vitest.stryker.shared.config'

export default mutationRunConfig([
  'test/integration/*.test.ts',
  'test/integration/fido/*.test.ts',
  'test/unit/fido/*.test.ts',
  'test/unit/{keys,store-password,recovery-codes}.test.ts',
])
