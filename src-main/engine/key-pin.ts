/**
 * The security key's own PIN: « Choisir un code PIN pour cette clé » when a clerk registers a key
 * that has none (so it can become a passkey), and « Changer le code PIN de ma clé » on « Mes
 * facteurs d'authentification ». Both change the key, not the account: they need a signed-in
 * clerk (during a forced enrollment too, for the set-up) but no step-up — a PIN can be set on a
 * key without one, or changed with the current one, by any FIDO tool, so a second check of the
 * account would protect nothing; the current PIN is the proof of a change. Both are audited
 * (never the PIN). New PINs follow CTAP 2.1 §6.5.1 and the key's minPINLength (§6.4), checked
 * here before the key is asked, so the screen can say which rule was broken.
 */

import { fail, ok, type ContractError, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { KeyPinState } from '../contract/methods'
import {
  FidoError,
  newPinProblem,
  type KeyClient,
  type KeyOperationOptions as KeyOpts,
  type KeyPinInfo,
} from '../fido'
import type { UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { KEY_TOUCH_TIMEOUT_MS } from './policy'
import { withKey } from './security-keys'
import { signedInUser } from './session'

/** What the screen is told: no AAGUID, no protocol. */
function stateOf(info: KeyPinInfo): KeyPinState {
  return { pin: info.pin, minPinLength: info.minPinLength }
}

/** The key's PIN is the platform's (Windows): the kiosk neither reads nor sets it. */
const PLATFORM: KeyPinState = { pin: 'platform', minPinLength: 4 }

async function audit(
  ctx: EngineContext,
  event: 'key-pin-set' | 'key-pin-changed',
  user: UserRecord,
  outcome: { ok: true; info: KeyPinInfo } | { ok: false; error: ContractError },
): Promise<void> {
  await ctx.audit({
    event,
    outcome: outcome.ok ? 'ok' : 'fail',
    userId: user.id,
    email: user.email,
    factor: 'key',
    detail: outcome.ok
      ? `aaguid ${outcome.info.aaguid} pin protocol ${String(outcome.info.pinProtocol)}`
      : outcome.error.code,
  })
}

/** The engine's own check of a new PIN, against the key's minimum (§6.5.1: at least 4). */
function rejection(pin: string, minPinLength: number): Result<never> | undefined {
  const problem = newPinProblem(pin, minPinLength)
  if (!problem) return undefined
  return problem === 'too-short'
    ? fail('KEY_PIN_REJECTED', { reason: 'too-short', minLength: Math.max(4, minPinLength) })
    : fail('KEY_PIN_REJECTED', { reason: 'too-long' })
}

type PinClient = KeyClient & Required<Pick<KeyClient, 'readPinInfo' | 'setPin' | 'changePin'>>

/** A key client that reads and sets the key's PIN itself (not the Windows platform's). */
function managesPin(client: KeyClient): client is PinClient {
  return (
    client.pinEntry !== 'platform' &&
    Boolean(client.readPinInfo && client.setPin && client.changePin)
  )
}

export function keyPinMethods(
  ctx: EngineContext,
): Pick<Api, 'inspectKey' | 'setKeyPin' | 'changeKeyPin'> {
  const timeout = { timeoutMs: KEY_TOUCH_TIMEOUT_MS }

  /**
   * Sets or changes the key's PIN: the rules every key shares first, before the clerk waits for
   * the key; then the key's own minimum, read from the key; then `write`. Audited, never the PIN.
   */
  async function writePin(
    user: UserRecord,
    pin: string,
    event: 'key-pin-set' | 'key-pin-changed',
    write: (client: PinClient, info: KeyPinInfo, opts: KeyOpts) => Promise<KeyPinInfo>,
  ): Promise<Result<KeyPinInfo>> {
    const early = rejection(pin, 4)
    if (early) return early
    const client = ctx.keyClient
    if (!client) return fail('FIDO_NO_DEVICE')
    if (!managesPin(client)) return fail('FIDO_PIN_UNSUPPORTED')
    let refused: Result<never> | undefined
    const done = await withKey(ctx, async (_c, signal, onStatus) => {
      const opts = { ...timeout, signal, onStatus }
      const info = await client.readPinInfo(opts)
      if (info.pin === 'unsupported') throw new FidoError('FIDO_PIN_UNSUPPORTED', 'no PIN')
      if (event === 'key-pin-set' && info.pin === 'set')
        throw new FidoError('FIDO_PIN_ALREADY_SET', 'the key has a PIN')
      if (event === 'key-pin-changed' && info.pin === 'not-set')
        throw new FidoError('FIDO_PIN_NOT_SET', 'the key has no PIN')
      refused = rejection(pin, info.minPinLength)
      return refused ? info : write(client, info, opts)
    })
    if (refused) return refused
    await audit(ctx, event, user, done.ok ? { ok: true, info: done.value } : done)
    return done
  }

  return {
    async inspectKey() {
      const me = await signedInUser(ctx, { duringEnrollment: true })
      if (!me.ok) return me
      const client = ctx.keyClient
      if (!client) return fail('FIDO_NO_DEVICE')
      if (!managesPin(client)) return ok(PLATFORM)
      const info = await withKey(ctx, (_c, signal, onStatus) =>
        client.readPinInfo({ ...timeout, signal, onStatus }),
      )
      return info.ok ? ok(stateOf(info.value)) : info
    },

    async setKeyPin({ pin }) {
      const me = await signedInUser(ctx, { duringEnrollment: true })
      if (!me.ok) return me
      const done = await writePin(me.value.user, pin, 'key-pin-set', async (client, info, opts) => {
        await client.setPin({ pin, ...opts })
        return { ...info, pin: 'set' as const }
      })
      return done.ok ? ok(stateOf(done.value)) : done
    },

    async changeKeyPin({ current, next }) {
      const me = await signedInUser(ctx)
      if (!me.ok) return me
      const done = await writePin(
        me.value.user,
        next,
        'key-pin-changed',
        async (client, info, opts) => {
          await client.changePin({ currentPin: current, newPin: next, ...opts })
          return info
        },
      )
      return done.ok ? ok({}) : done
    },
  }
}
