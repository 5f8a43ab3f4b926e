/**
 * What every part of the engine shares: the injected clock, store, mailer and
 * key client, the data key, the log, and this terminal's session. Each module
 * receives this context instead of closing over the whole engine.
 */

import type { Config } from '../config'
import type { EventName, EventPayload } from '../contract/methods'
import type { KeyClient } from '../fido'
import type { Logger } from '../log'
import type { Mailer } from '../mail/mailer'
import type { AuditEntry, Store } from '../store/types'
import type { KeyProvider } from './keys'
import type { Terminal } from './session'
import type { TrustedModels } from './trusted-models'

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}
export const systemClock: Clock = { now: () => Date.now() }

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export interface EngineDeps {
  config: Config
  store: Store
  mailer: Mailer
  keyProvider: KeyProvider
  clock?: Clock
  log?: Logger
  emit?: Emit
  /** Talks to security keys (USB HID, UDP, or the platform API); absent: no key support. */
  keyClient?: KeyClient
  /** Called at moments worth timing (the bench): 'password-accepted'. */
  marks?: (name: string) => void
}

export interface EngineContext {
  config: Config
  store: Store
  mailer: Mailer
  clock: Clock
  log: Logger
  emit?: Emit
  keyClient?: KeyClient
  marks?: (name: string) => void
  /** Protects secrets at rest and keys the codes' MACs. */
  dataKey: Uint8Array
  /** Verified for unknown addresses, so they cost what a wrong password costs. */
  dummyHash: string
  /** With `fido.allowedAaguids`: the models IT trusts, read from the metadata file at start. */
  trustedModels?: Promise<TrustedModels>
  /** This terminal's one session, its pending enrollment and key operation. */
  terminal: Terminal
  /** Appends an audit entry stamped with the time and this terminal's id. */
  audit(entry: Omit<AuditEntry, 'at' | 'terminalId'>): Promise<void>
}

/** Whole seconds from now until `t`, at least 1 (for « réessayez dans … »). */
export function secondsUntil(ctx: EngineContext, t: number): number {
  return Math.max(1, Math.ceil((t - ctx.clock.now()) / 1000))
}
