/**
 * The auth engine: the whole sign-in of DESIGN.md as plain Node, with the
 * clock, store, mailer and key provider passed in. One engine serves one
 * terminal, so it holds that terminal's session (one clerk at a time).
 *
 * Every method answers a Result; a wrong password or code is a value, never an
 * exception. Inputs arrive already parsed by the contract's schemas. This file
 * only wires: each concern lives in its own module (sign-in, second-step,
 * email-codes, app, security-keys, recovery, account, step-up, setup, factors),
 * which receives the shared EngineContext.
 */

import type { Api } from '../contract/dispatch'
import { fail, ok } from '../contract/errors'
import type { MethodName } from '../contract/methods'
import type { Config } from '../config'
import { silentLogger, type Logger } from '../log'
import type { Store } from '../store/types'
import { accountMethods } from './account'
import { appMethods } from './app'
import { systemClock, type EngineContext, type EngineDeps } from './context'
import { factorMethods } from './factors'
import { languageMethods } from './notices'
import { createDummyHash } from './password'
import { recoveryMethods } from './recovery'
import { open, seal } from './secrets'
import { passwordlessMethods } from './passwordless'
import { keyPinMethods } from './key-pin'
import { keyMethods } from './security-keys'
import { SESSION_SWEEP_MS } from './policy'
import { expireSession, Terminal, touchSession } from './session'
import { setupMethods } from './setup'
import { signInMethods } from './sign-in'
import { stepUpMethods } from './step-up'
import { loadTrustedModels, type TrustedModels } from './trusted-models'

export { systemClock, type Clock, type Emit, type EngineDeps } from './context'
export { maskEmail } from './session'
export {
  CLOCK_TOLERANCE_MS,
  EMAIL_CODE_MAX_TRIES,
  EMAIL_CODES_PER_HOUR,
  ENROLLMENT_MAX_TRIES,
  ENROLLMENT_TTL_MS,
  KEY_CHALLENGE_TTL_MS,
  KEY_TOUCH_TIMEOUT_MS,
  STEP_UP_WINDOW_MS,
  THROTTLE_POLICY,
} from './policy'

export type Engine = Api & {
  /** Ends the session of this terminal (sign-out, idle lock, shutdown). */
  reset(): void
  /**
   * A new page attached (a page load in the web host, a reload or a new
   * renderer in Electron): it never inherits a session. Ends it at once, and
   * again after any call in flight; audited (`session-ended`) when a clerk was
   * signed in.
   */
  pageAttached(): Promise<void>
  /** Stops the timer that expires sessions (shutdown). */
  close(): void
}

class Mutex {
  private tail: Promise<unknown> = Promise.resolve()
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn)
    this.tail = next.catch(() => undefined)
    return next
  }
}

export class DataKeyMismatchError extends Error {
  constructor(location: string) {
    super(
      `This terminal's data key does not open the secrets of the account store ${location}: ` +
        'every terminal sharing a store must use the same data key (copy data.key from the first terminal before the first start; see the README).',
    )
    this.name = 'DataKeyMismatchError'
  }
}

const DATA_KEY_CHECK = 'data-key-check'

/**
 * The first engine on a store leaves a value sealed with its data key; every
 * later one must open it. A terminal with another key would otherwise start
 * and fail at the first authenticator-app sign-in.
 */
async function checkDataKey(store: Store, dataKey: Uint8Array): Promise<void> {
  const mine = seal(dataKey, Buffer.from('guichet data key'), DATA_KEY_CHECK)
  const kept = await store.settings.putIfAbsent(DATA_KEY_CHECK, mine)
  try {
    open(dataKey, kept, DATA_KEY_CHECK)
  } catch {
    throw new DataKeyMismatchError(store.location)
  }
}

/**
 * The trusted models, read once at start. A metadata file that cannot be read
 * or verified is logged for IT and refuses every new key (sign-in goes on).
 */
function trustedModelsOf(config: Config, log: Logger): Promise<TrustedModels> | undefined {
  const { allowedAaguids, metadataFile } = config.fido
  if (allowedAaguids.length === 0 || !metadataFile) return undefined
  return loadTrustedModels(metadataFile, allowedAaguids, log).catch((error: Error) => {
    log.error('no security key can be registered', { error: error.message })
    return { refusal: async () => `metadata not verified: ${error.message}` }
  })
}

export async function createEngine(deps: EngineDeps): Promise<Engine> {
  const { config, store } = deps
  const clock = deps.clock ?? systemClock
  const log = deps.log ?? silentLogger
  const dataKey = await deps.keyProvider.getDataKey()
  await checkDataKey(store, dataKey)
  const ctx: EngineContext = {
    config,
    store,
    mailer: deps.mailer,
    clock,
    log,
    emit: deps.emit,
    keyClient: deps.keyClient,
    trustedModels: trustedModelsOf(config, log),
    marks: deps.marks,
    dataKey,
    dummyHash: await createDummyHash(),
    terminal: new Terminal(),
    audit: (entry) =>
      store.audit.append({ ...entry, at: clock.now(), terminalId: config.terminalId }),
  }

  const api: Api = {
    ...signInMethods(ctx),
    ...setupMethods(ctx),
    ...factorMethods(ctx),
    ...appMethods(ctx),
    ...keyMethods(ctx),
    ...keyPinMethods(ctx),
    ...passwordlessMethods(ctx),
    ...recoveryMethods(ctx),
    ...accountMethods(ctx),
    ...stepUpMethods(ctx),
    ...languageMethods(ctx),
    async stillHere() {
      return ctx.terminal.session.kind === 'signed-in' ? ok({}) : fail('NOT_SIGNED_IN')
    },
  }

  // One call at a time: a double click must not interleave two sign-ins. Only
  // « Annuler » passes ahead, since it must reach a key operation in progress.
  const mutex = new Mutex()
  const unserialized = new Set<MethodName>(['cancelKeyOperation'])
  const serialized = Object.fromEntries(
    (Object.keys(api) as MethodName[]).map((name) => {
      const method = api[name] as (i: unknown) => Promise<unknown>
      // Every call first ends a session past its lifetime; a call from the page
      // (getStatus only reads) is activity that keeps the session alive.
      const lived = async (input: unknown): Promise<unknown> => {
        await expireSession(ctx)
        if (name !== 'getStatus') touchSession(ctx)
        return method(input)
      }
      return [
        name,
        unserialized.has(name) ? method : (input: unknown) => mutex.run(() => lived(input)),
      ]
    }),
  ) as unknown as Api

  // With no call at all (a closed page), the engine still ends the session in time.
  const sweep = setInterval(() => {
    mutex
      .run(() => expireSession(ctx))
      .catch((error: unknown) => ctx.log.error('Ending an expired session failed', { error }))
  }, SESSION_SWEEP_MS)
  sweep.unref()

  return {
    ...serialized,
    reset: () => ctx.terminal.end(),
    async pageAttached() {
      const before = ctx.terminal.session
      ctx.terminal.end()
      await mutex.run(async () => {
        ctx.terminal.end() // a call in flight may have completed a sign-in meanwhile
        if (before.kind === 'signed-in')
          await ctx.audit({
            event: 'session-ended',
            outcome: 'ok',
            userId: before.userId,
            detail: 'a new page attached',
          })
      })
    },
    close: () => clearInterval(sweep),
  }
}
