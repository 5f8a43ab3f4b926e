/**
 * Passwordless sign-in: « Se connecter avec ma clé de sécurité », the key's
 * PIN instead of a password. The key may hold passkeys of other accounts and
 * other deployments (every deployment shares the default rpId): every one is
 * read, those registered here as discoverable and naming their account are
 * kept, and when several accounts remain the clerk chooses — after the PIN,
 * so a lost key reveals nothing without it.
 */

import { randomBytes } from 'node:crypto'
import { fail, ok, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { SessionView } from '../contract/methods'
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { EngineContext } from './context'
import { KEY_TOUCH_TIMEOUT_MS } from './policy'
import {
  completeKeySignIn,
  keyFailed,
  keyPinEntry,
  userHandle,
  verifyAssertion,
  withKey,
} from './security-keys'
import { maskEmail, type PasskeyCandidate } from './session'
import { refuseIfLocked, refuseSignIn } from './throttle'

/** The assertions that come from passkeys registered here, one per account, newest first. */
async function passkeysOfThisKiosk(
  ctx: EngineContext,
  assertions: AuthenticationResponseJSON[],
): Promise<PasskeyCandidate[]> {
  const candidates: PasskeyCandidate[] = []
  for (const assertion of assertions) {
    const key = await ctx.store.keys.byCredentialID(assertion.id)
    const user = key && (await ctx.store.users.byId(key.userId))
    if (!key || !user || !key.discoverable) continue
    // a discoverable credential always names its user (WebAuthn §7.2 step 6)
    const handle = Buffer.from(userHandle(ctx, user.id)).toString('base64url')
    if (assertion.response.userHandle !== handle) continue
    if (candidates.some((c) => c.user.id === user.id)) continue
    candidates.push({ key, user, assertion })
  }
  return candidates
}

/** One account's passkey: the account must be usable, then its assertion is checked. */
async function finish(
  ctx: EngineContext,
  candidate: PasskeyCandidate,
  challenge: Uint8Array,
  startedAt: number,
): Promise<Result<SessionView>> {
  const { key, user, assertion } = candidate
  if (user.disabled) return refuseSignIn(ctx, user, 'key', 'ACCOUNT_DISABLED')
  const locked = await refuseIfLocked(ctx, user.email)
  if (locked) return locked
  const used = await verifyAssertion(ctx, user, key, assertion, challenge, startedAt, true)
  return used.ok ? completeKeySignIn(ctx, user, used.value) : used
}

export function passwordlessMethods(
  ctx: EngineContext,
): Pick<Api, 'signInPasswordless' | 'choosePasswordlessAccount'> {
  const { config, terminal } = ctx
  return {
    async signInPasswordless({ pin }) {
      // Where the kiosk asks for the key's PIN, nothing starts without it (the session too is
      // left as it was, as when the PIN was a required field); the platform asks for it itself.
      const platform = keyPinEntry(ctx) === 'platform'
      if (pin === undefined && !platform) return fail('FIDO_PIN_REQUIRED')
      terminal.end({ keepLanguage: true })
      const challenge = randomBytes(32)
      const startedAt = ctx.clock.now()
      const asserted = await withKey(ctx, (client, signal, onStatus) => {
        const options = {
          challenge,
          rpId: config.fido.rpId,
          allowCredentialIDs: [],
          // Without a password, the key's PIN is required (verifyAssertion requires the UV flag).
          userVerification: true,
          pin: platform ? undefined : pin,
          timeoutMs: KEY_TOUCH_TIMEOUT_MS,
          signal,
          onStatus,
        }
        return client.getAssertions
          ? client.getAssertions(options)
          : client.getAssertion(options).then((a) => [a])
      })
      // Nobody is known before the key answers: audited, counted by the key's own PIN retries.
      if (!asserted.ok) return keyFailed(ctx, undefined, asserted.error)
      const candidates = await passkeysOfThisKiosk(ctx, asserted.value)
      const [only] = candidates
      if (!only) {
        await ctx.audit({
          event: 'sign-in',
          outcome: 'fail',
          factor: 'key',
          detail: 'unknown credential',
        })
        return fail('FIDO_KEY_REFUSED')
      }
      if (candidates.length === 1) return finish(ctx, only, challenge, startedAt)
      terminal.passwordlessChoice = { challenge, startedAt, candidates }
      return ok({
        chooseAccount: candidates.map((c) => ({
          id: c.key.id,
          name: c.user.name,
          maskedEmail: maskEmail(c.user.email),
        })),
      })
    },

    async choosePasswordlessAccount({ id }) {
      const choice = terminal.passwordlessChoice
      // One choice per PIN: a second try starts again at the key.
      terminal.passwordlessChoice = undefined
      const candidate = choice?.candidates.find((c) => c.key.id === id)
      if (!choice || !candidate) return fail('NO_PENDING_SIGN_IN')
      return finish(ctx, candidate, choice.challenge, choice.startedAt)
    },
  }
}
