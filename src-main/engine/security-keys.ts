/**
 * FIDO security keys: running one operation on the key (progress, « Annuler »,
 * device errors as codes), registering a key (with its PIN, a passkey for
 * passwordless sign-in), the key as second factor, passwordless sign-in, and
 * removing a key. Assertions are checked, and each counter moves forward in
 * one conditional statement (a sign-in's in its own transaction).
 *
 * Who asks for the key's PIN depends on the key client (`keyPinEntry`): the
 * kiosk, which hands the PIN to the key over HID, or the platform (Windows'
 * webauthn.dll), whose own dialog asks for it. With the platform, the engine
 * hands it no PIN and requires user verification in the key's answer instead
 * wherever the kiosk's PIN would have been asked.
 */

import { randomBytes } from 'node:crypto'
import { fail, ok, type ContractError, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { SessionView } from '../contract/methods'
import { FidoError, type KeyClient, type KeyPinEntry, type KeyStatus } from '../fido'
import type { KeyRecord, ThrottleRecord, UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { factorsOf, voidRecoveryCodesWithoutFactor } from './factors'
import { sendNotice } from './notices'
import { KEY_CHALLENGE_TTL_MS, KEY_TOUCH_TIMEOUT_MS } from './policy'
import { recoveryCodesForFirstFactor } from './recovery'
import { completeSignIn, pendingStep } from './second-step'
import { mac, randomId } from './secrets'
import { signedInUser } from './session'
import { failure } from './throttle'
import { verifyKeyAssertion, verifyNewKey } from './webauthn'

type KeyStatusReport = (s: KeyStatus) => void

/** The user id a key stores with a discoverable credential: stable, and no personal data. */
export function userHandle(ctx: EngineContext, userId: number): Uint8Array {
  return mac(ctx.dataKey, 'user-handle', String(userId)).slice(0, 16)
}

function relyingParty(ctx: EngineContext): { rpId: string; origin: string } {
  return { rpId: ctx.config.fido.rpId, origin: ctx.config.fido.origin }
}

/** Who asks the clerk for the key's PIN (getStatus tells the screens). */
export function keyPinEntry(ctx: EngineContext): KeyPinEntry {
  return ctx.keyClient?.pinEntry ?? 'kiosk'
}

const challengeB64 = (challenge: Uint8Array): string => Buffer.from(challenge).toString('base64url')

/**
 * Runs one operation on the key, reporting its progress as `keyStatus`
 * events; « Annuler » (cancelKeyOperation) or sign-out aborts it. Device
 * errors come back as their codes.
 */
export async function withKey<T>(
  ctx: EngineContext,
  run: (client: KeyClient, signal: AbortSignal, onStatus: KeyStatusReport) => Promise<T>,
): Promise<Result<T>> {
  const client = ctx.keyClient
  if (!client) return fail('FIDO_NO_DEVICE')
  const { terminal } = ctx
  terminal.keyOperation?.abort()
  const controller = new AbortController()
  terminal.keyOperation = controller
  try {
    return ok(await run(client, controller.signal, (status) => ctx.emit?.('keyStatus', { status })))
  } catch (error) {
    if (error instanceof FidoError) {
      return fail(
        error.code,
        error.attemptsLeft === undefined ? undefined : { attemptsLeft: error.attemptsLeft },
      )
    }
    throw error
  } finally {
    if (terminal.keyOperation === controller) terminal.keyOperation = undefined
  }
}

/**
 * Key errors that are a guess (a wrong PIN, a blocked PIN) or an absent clerk
 * (no touch in time) count in the account's throttle like a wrong code; the
 * normal schedule applies, so a broken key costs no more than wrong codes.
 */
const COUNTED_KEY_FAILURES: ReadonlySet<string> = new Set([
  'FIDO_PIN_INVALID',
  'FIDO_PIN_BLOCKED',
  'FIDO_PIN_AUTH_BLOCKED',
  'FIDO_TIMEOUT',
])

/** A key sign-in or step-up that failed at the key: audited always, counted when it is a guess. */
export async function keyFailed(
  ctx: EngineContext,
  user: UserRecord | undefined,
  error: ContractError,
): Promise<Result<never>> {
  if (user && COUNTED_KEY_FAILURES.has(error.code)) {
    return failure(ctx, user.email, user, 'key', error)
  }
  await ctx.audit({
    event: 'sign-in',
    outcome: 'fail',
    userId: user?.id ?? null,
    email: user?.email ?? null,
    factor: 'key',
    detail: error.code,
  })
  return { ok: false, error }
}

/** A verified assertion: the stored key that signed it and its new counter, not stored yet. */
export interface KeyUse {
  key: KeyRecord
  signCount: number
}

/** A counter that did not move forward may be a cloned key: refuse, and tell IT. */
async function counterRefused(
  ctx: EngineContext,
  user: UserRecord,
  key: KeyRecord,
): Promise<Result<never>> {
  await ctx.audit({
    event: 'key-counter-regression',
    outcome: 'fail',
    userId: user.id,
    email: user.email,
    factor: 'key',
    detail: `key ${key.id} (${key.name})`,
  })
  ctx.log.warn('security key counter went backwards', { userId: user.id, keyId: key.id })
  return failure(ctx, user.email, user, 'key', { code: 'FIDO_KEY_REFUSED' })
}

/**
 * Checks an assertion against a stored key, within the challenge's lifetime.
 * Its counter is not stored here: a step-up stores it alone (`touchAccountKey`),
 * a sign-in with its own writes (`completeKeySignIn`).
 */
export async function verifyAssertion(
  ctx: EngineContext,
  user: UserRecord,
  key: KeyRecord,
  response: Parameters<typeof verifyKeyAssertion>[0],
  challenge: Uint8Array,
  startedAt: number,
  requireUserVerification: boolean,
): Promise<Result<KeyUse>> {
  if (ctx.clock.now() - startedAt > KEY_CHALLENGE_TTL_MS) return fail('FIDO_TIMEOUT')
  const check = await verifyKeyAssertion(response, key, {
    ...relyingParty(ctx),
    challenge: challengeB64(challenge),
    requireUserVerification,
  })
  if (check.ok) return ok({ key, signCount: check.signCount })
  if (check.reason === 'invalid') {
    return failure(ctx, user.email, user, 'key', { code: 'FIDO_KEY_REFUSED' })
  }
  return counterRefused(ctx, user, key)
}

/**
 * The sign-in a verified key completes: its counter moves forward in the
 * sign-in's own transaction (one wait for the store), and a counter that does
 * not move refuses it, as in a step-up.
 */
export function completeKeySignIn(
  ctx: EngineContext,
  user: UserRecord,
  use: KeyUse,
  throttleRead?: { row: ThrottleRecord | undefined },
): Promise<Result<SessionView>> {
  return completeSignIn(ctx, user, 'key', {
    condition: {
      holds: (tx, now) => tx.keys.advanceCounter(use.key.credentialID, use.signCount, now),
      refused: () => counterRefused(ctx, user, use.key),
    },
    throttleRead,
  })
}

/**
 * One of the account's keys signs a fresh challenge (after the password, or
 * for a step-up): user presence is enough; with the PIN, verified too. With the
 * platform asking for the PIN, a PIN sent here is not handed on: the
 * verification it stood for is asked of the platform and required in the answer.
 * The key's counter is not stored yet (see `touchAccountKey`).
 */
async function assertAccountKey(
  ctx: EngineContext,
  user: UserRecord,
  pin: string | undefined,
  /** The account's keys, when the caller has read them already. */
  known?: KeyRecord[],
): Promise<Result<KeyUse>> {
  const keys = known ?? (await ctx.store.keys.listByUser(user.id))
  if (keys.length === 0) return fail('KEY_NOT_FOUND')
  const challenge = randomBytes(32)
  const startedAt = ctx.clock.now()
  const platform = keyPinEntry(ctx) === 'platform'
  const userVerification = pin !== undefined
  const asserted = await withKey(ctx, (client, signal, onStatus) =>
    client.getAssertion({
      challenge,
      rpId: ctx.config.fido.rpId,
      allowCredentialIDs: keys.map((k) => k.credentialID),
      userVerification,
      pin: platform ? undefined : pin,
      timeoutMs: KEY_TOUCH_TIMEOUT_MS,
      signal,
      onStatus,
    }),
  )
  if (!asserted.ok) return keyFailed(ctx, user, asserted.error)
  const key = keys.find((k) => k.credentialID === asserted.value.id)
  if (!key) return failure(ctx, user.email, user, 'key', { code: 'FIDO_KEY_REFUSED' })
  return verifyAssertion(
    ctx,
    user,
    key,
    asserted.value,
    challenge,
    startedAt,
    platform && userVerification,
  )
}

/** One of the account's keys signs a fresh challenge (a step-up), and its counter moves forward. */
export async function touchAccountKey(
  ctx: EngineContext,
  user: UserRecord,
  pin: string | undefined,
): Promise<Result<void>> {
  const used = await assertAccountKey(ctx, user, pin)
  if (!used.ok) return used
  const { key, signCount } = used.value
  const moved = await ctx.store.keys.advanceCounter(key.credentialID, signCount, ctx.clock.now())
  return moved ? ok(undefined) : counterRefused(ctx, user, key)
}

/** A registration that did not end in a stored key: audited with why. */
async function keyNotAdded(ctx: EngineContext, user: UserRecord, detail: string): Promise<void> {
  await ctx.audit({
    event: 'key-added',
    outcome: 'fail',
    userId: user.id,
    email: user.email,
    factor: 'key',
    detail,
  })
}

/**
 * The key makes a credential for this account and the engine verifies it; nothing is stored yet.
 * A passkey is discoverable, for passwordless sign-in, and made under user verification: the
 * kiosk's PIN (HID) or the platform's own dialog, whose answer must then carry it.
 */
async function makeVerifiedCredential(
  ctx: EngineContext,
  user: UserRecord,
  pin: string | undefined,
  passkey: boolean,
): Promise<Result<NonNullable<Awaited<ReturnType<typeof verifyNewKey>>>>> {
  const existing = await ctx.store.keys.listByUser(user.id)
  const challenge = randomBytes(32)
  const startedAt = ctx.clock.now()
  const made = await withKey(ctx, (client, signal, onStatus) =>
    client.makeCredential({
      challenge,
      rp: { id: ctx.config.fido.rpId, name: ctx.config.issuer },
      user: { id: userHandle(ctx, user.id), name: user.email, displayName: user.name },
      excludeCredentialIDs: existing.map((k) => k.credentialID),
      residentKey: passkey,
      userVerification: passkey,
      pin: keyPinEntry(ctx) === 'platform' ? undefined : pin,
      timeoutMs: KEY_TOUCH_TIMEOUT_MS,
      signal,
      onStatus,
    }),
  )
  if (!made.ok) {
    await keyNotAdded(ctx, user, made.error.code)
    return made
  }
  if (ctx.clock.now() - startedAt > KEY_CHALLENGE_TTL_MS) return fail('FIDO_TIMEOUT')
  const verified = await verifyNewKey(made.value, {
    ...relyingParty(ctx),
    challenge: challengeB64(challenge),
    requireUserVerification: passkey,
  })
  if (!verified) {
    await keyNotAdded(ctx, user, 'attestation not verified')
    return fail('FIDO_KEY_REFUSED')
  }
  // IT's allow-list: the model proven by its attestation chain, not the AAGUID the key claims.
  if (ctx.trustedModels) {
    const refusal = await (
      await ctx.trustedModels
    ).refusal(made.value.response.attestationObject, verified.aaguid)
    if (refusal) {
      await keyNotAdded(ctx, user, refusal)
      return fail('FIDO_KEY_NOT_ALLOWED')
    }
  }
  return ok(verified)
}

export function keyMethods(
  ctx: EngineContext,
): Pick<Api, 'registerKey' | 'removeKey' | 'signInWithKey' | 'cancelKeyOperation'> {
  const { store, config, terminal } = ctx
  return {
    async registerKey({ name, pin, passkey }) {
      const me = await signedInUser(ctx, { duringEnrollment: true, fresh: true })
      if (!me.ok) return me
      const { user, s } = me.value
      // A passkey when asked for, and (as before) whenever the key's PIN comes with the request.
      const discoverable = passkey === true || pin !== undefined
      // Where the kiosk asks for the PIN, a passkey is made with it: the key is never asked for
      // one without it (a key with no PIN would make a passkey nobody could verify).
      if (discoverable && pin === undefined && keyPinEntry(ctx) === 'kiosk') {
        return fail('FIDO_PIN_REQUIRED')
      }
      const verified = await makeVerifiedCredential(ctx, user, pin, discoverable)
      if (!verified.ok) return verified
      const now = ctx.clock.now()
      const inserted = await store.transaction(async (tx) => {
        const added = await tx.keys.insert({
          id: randomId(9),
          userId: user.id,
          ...verified.value,
          discoverable,
          name,
          createdAt: now,
          lastUsedAt: null,
        })
        if (!added) return undefined
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'key-added',
          outcome: 'ok',
          userId: user.id,
          email: user.email,
          factor: 'key',
          detail: `aaguid ${verified.value.aaguid} fmt ${verified.value.fmt}`,
        })
        return { codes: await recoveryCodesForFirstFactor(ctx, tx, user, now) }
      })
      if (!inserted) return fail('FIDO_CREDENTIAL_EXCLUDED')
      s.mustEnroll = false
      await sendNotice(ctx, user, 'key-added')
      return ok(await factorsOf(ctx, user, inserted.codes))
    },

    async removeKey({ id }) {
      const me = await signedInUser(ctx, { fresh: true })
      if (!me.ok) return me
      const { user } = me.value
      if (!(await store.keys.remove(user.id, id))) return fail('KEY_NOT_FOUND')
      await ctx.audit({
        event: 'key-removed',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'key',
        detail: `key ${id}`,
      })
      await voidRecoveryCodesWithoutFactor(ctx, user)
      await sendNotice(ctx, user, 'key-removed')
      return ok(await factorsOf(ctx, user))
    },

    async signInWithKey({ pin }) {
      // The account, its keys and the throttle: one statement, before the key is asked.
      const second = await pendingStep(ctx, (pending) =>
        ctx.store.keys.withAccount(pending.userId, pending.email),
      )
      if (!second.ok) return second
      const { user, read } = second.value
      const used = await assertAccountKey(ctx, user, pin, read.keys)
      return used.ok ? completeKeySignIn(ctx, user, used.value, { row: read.throttle }) : used
    },

    async cancelKeyOperation() {
      terminal.keyOperation?.abort()
      return ok({})
    },
  }
}
