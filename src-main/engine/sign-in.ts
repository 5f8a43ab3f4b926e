/**
 * Signing in at the counter: the password step (argon2, throttling, the same
 * answer for an unknown address), the choice of second step, the e-mailed or
 * app code that completes it, and sign-out.
 */

import { fail, ok, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { SessionView } from '../contract/methods'
import type { UserRecord } from '../store/types'
import { checkAppCode } from './app'
import type { EngineContext } from './context'
import { RESEND_GRACE_MS } from './policy'
import { checkEmailCode, issueEmailCode } from './email-codes'
import { factorsAvailable, hasAppOrKey, type Available } from './factors'
import { verifyPassword } from './password'
import { randomId } from './secrets'
import { keyPinEntry } from './security-keys'
import { completeSignIn, pendingSecondStep, stepView } from './second-step'
import { currentPending, sessionView, type PendingSignIn } from './session'
import { failure, lockedBy, refuseSignIn } from './throttle'

/** The password was right: which second step the account gets (app, key, or an e-mailed code). */
async function startSecondStep(
  ctx: EngineContext,
  user: UserRecord,
  available: Available,
  codesSentLastHour: number,
): Promise<Result<PendingSignIn>> {
  const now = ctx.clock.now()
  const base = {
    kind: 'pending' as const,
    userId: user.id,
    email: user.email,
    attemptId: randomId(),
    startedAt: now,
  }
  // The pending sign-in lives as long as its code (an e-mailed code, or an app's or key's turn).
  const validUntil = now + ctx.config.emailCodeTtlSeconds * 1000
  if (available.hasApp) {
    return ok({ ...base, factor: 'app', sentAt: null, expiresAt: null, validUntil })
  }
  if (available.hasKey) {
    // A key is enrolled: e-mailed codes are no longer offered, as with an app.
    return ok({ ...base, factor: 'key', sentAt: null, expiresAt: null, validUntil })
  }
  const sent = await issueEmailCode(ctx, user, base.attemptId, codesSentLastHour)
  if (!sent.ok) return sent
  return ok({
    ...base,
    factor: 'email',
    ...sent.value,
    validUntil: sent.value.expiresAt + RESEND_GRACE_MS,
  })
}

export function signInMethods(
  ctx: EngineContext,
): Pick<Api, 'getStatus' | 'signIn' | 'resendCode' | 'verifyCode' | 'cancelSignIn' | 'signOut'> {
  const { store, config, terminal } = ctx
  return {
    async getStatus() {
      const firstStart = (await store.users.count()) === 0
      let view: SessionView | null = null
      if (terminal.session.kind === 'signed-in') {
        view = (await sessionView(ctx, terminal.session)) ?? null
        if (!view) terminal.end()
      }
      const pending = currentPending(ctx)
      return ok({
        firstStart,
        issuer: config.issuer,
        locale: config.locale,
        idleLockSeconds: config.idleLockSeconds,
        emailCodeTtlSeconds: config.emailCodeTtlSeconds,
        keyPinEntry: keyPinEntry(ctx),
        session: view,
        pending: pending ? await stepView(ctx, pending) : null,
      })
    },

    async signIn({ email, password }) {
      terminal.end({ keepLanguage: true })
      // The lock and the account in one wait for the store (both are read for
      // an unknown address too); a locked address gets no further.
      const [throttle, user] = await Promise.all([
        store.throttle.get(email),
        store.users.byEmail(email),
      ])
      const locked = lockedBy(ctx, throttle)
      if (locked) return locked
      // Unknown addresses verify a dummy hash: same answer, same time. The
      // account's factors are read meanwhile (for an unknown address too, from
      // an id no account has), so the store's time hides under argon2's.
      // So are the codes mailed to it in the last hour (the quota), counted
      // from before argon2: the hour is then longer by the verify, never shorter.
      const [matches, available, codesSentLastHour] = await Promise.all([
        verifyPassword(user?.passwordHash ?? ctx.dummyHash, password),
        factorsAvailable(ctx, user?.id ?? -1),
        store.codes.countSentSince(user?.id ?? -1, ctx.clock.now() - 3600_000),
      ])
      if (!user || !matches)
        return failure(ctx, email, user, 'password', { code: 'INVALID_CREDENTIALS' })
      if (user.passwordExpiresAt !== null && ctx.clock.now() > user.passwordExpiresAt) {
        return refuseSignIn(ctx, user, 'password', 'TEMP_PASSWORD_EXPIRED')
      }
      if (user.disabled) return refuseSignIn(ctx, user, 'password', 'ACCOUNT_DISABLED')
      ctx.marks?.('password-accepted')
      const started = await startSecondStep(ctx, user, available, codesSentLastHour)
      if (!started.ok) return started
      terminal.session = started.value
      await ctx.audit({
        event: 'sign-in.password',
        outcome: 'ok',
        userId: user.id,
        email,
        factor: 'password',
      })
      return ok(await stepView(ctx, started.value, available))
    },

    async resendCode() {
      const pending = currentPending(ctx)
      if (!pending) return fail('NO_PENDING_SIGN_IN')
      if (pending.factor !== 'email') return fail('EMAIL_CODE_NOT_ALLOWED')
      const second = await pendingSecondStep(ctx)
      if (!second.ok) return second
      const sent = await issueEmailCode(ctx, second.value.user, pending.attemptId)
      if (!sent.ok) return sent
      if (sent.value.replaced)
        pending.replacedMacs = [...(pending.replacedMacs ?? []), sent.value.replaced]
      pending.sentAt = sent.value.sentAt
      pending.expiresAt = sent.value.expiresAt
      pending.validUntil = sent.value.expiresAt + RESEND_GRACE_MS
      return ok(await stepView(ctx, pending))
    },

    async verifyCode({ code }) {
      // The app is read with the pending step's own reads, not after them.
      const expected = currentPending(ctx)
      const [second, app] = await Promise.all([
        pendingSecondStep(ctx),
        expected?.factor === 'app' ? store.apps.get(expected.userId) : undefined,
      ])
      if (!second.ok) return second
      const { pending, user } = second.value
      const done = { throttleRead: { row: second.value.read.throttle } }
      if (pending.factor === 'email') {
        // an app or a key was enrolled meanwhile
        if (await hasAppOrKey(ctx, user.id)) return fail('EMAIL_CODE_NOT_ALLOWED')
        const checked = await checkEmailCode(
          ctx,
          user,
          pending.attemptId,
          code,
          pending.replacedMacs,
        )
        return checked.ok ? completeSignIn(ctx, user, 'email', done) : checked
      }
      if (pending.factor === 'key') return fail('APP_NOT_ENROLLED')
      const checked = await checkAppCode(
        ctx,
        user,
        code,
        expected?.factor === 'app' ? { app } : undefined,
      )
      return checked.ok ? completeSignIn(ctx, user, 'app', done) : checked
    },

    async cancelSignIn() {
      if (terminal.session.kind === 'pending') terminal.session = { kind: 'none' }
      return ok({})
    },

    async signOut() {
      if (terminal.session.kind === 'signed-in') {
        await ctx.audit({ event: 'sign-out', outcome: 'ok', userId: terminal.session.userId })
      }
      terminal.end()
      return ok({})
    },
  }
}
