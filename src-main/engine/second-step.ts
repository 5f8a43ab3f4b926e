/**
 * The second step of a sign-in, whatever the factor: the pending sign-in it
 * belongs to, what the code screen shows, and the session it opens.
 */

import { fail, ok, type Result } from '../contract/errors'
import type { Factor, SessionView, SignInStep } from '../contract/methods'
import type { ThrottleRecord, TxRepos, UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { factorsAvailable, hasAppOrKey, type Available } from './factors'
import { currentPending, maskEmail, viewOf, type PendingSignIn, type SignedIn } from './session'
import { lockedBy } from './throttle'

/** What the code screen shows for a sign-in (or step-up) waiting for its second step. */
export async function stepView(
  ctx: EngineContext,
  s: {
    userId: number
    email: string
    factor: SignInStep['factor']
    sentAt: number | null
    expiresAt: number | null
  },
  known?: Pick<Available, 'hasKey' | 'hasRecoveryCodes'>,
): Promise<SignInStep> {
  const { hasKey, hasRecoveryCodes } = known ?? (await factorsAvailable(ctx, s.userId))
  return {
    factor: s.factor,
    maskedEmail: maskEmail(s.email),
    sentAt: s.sentAt,
    expiresAt: s.expiresAt,
    hasKey,
    hasRecoveryCodes,
  }
}

/**
 * A write the sign-in depends on (a key's counter moving forward), made first
 * in the sign-in's own transaction: one wait for the store, and no sign-in
 * recorded without it nor it without the sign-in.
 */
export interface SignInCondition {
  /** Runs first in the transaction; false: nothing is written and the sign-in is refused. */
  holds(tx: TxRepos, now: number): Promise<boolean>
  /** The refusal's answer (its audit and count), once the transaction is over. */
  refused(): Promise<Result<never>>
}

export interface CompleteOptions {
  condition?: SignInCondition
  /**
   * The throttle row of the address as the step read it (pendingStep): when
   * there was none, there is none to clear. (A failure another terminal
   * records meanwhile is then left to count: stricter, never looser.)
   */
  throttleRead?: { row: ThrottleRecord | undefined }
}

/** The second factor was given: clear the throttle, audit, open the session. */
export async function completeSignIn(
  ctx: EngineContext,
  user: UserRecord,
  factor: Factor,
  options: CompleteOptions = {},
): Promise<Result<SessionView>> {
  const { store, config } = ctx
  const { condition, throttleRead } = options
  const now = ctx.clock.now()
  const reset = !throttleRead || throttleRead.row !== undefined
  // IT's temporary password is single use: this sign-in consumes it (any
  // later one finds it expired). The clerk replaces it in this session;
  // abandoning that means IT issues another.
  const expireTemporary = user.mustChangePassword && user.passwordExpiresAt !== null
  const entry = {
    at: now,
    terminalId: config.terminalId,
    event: 'sign-in',
    outcome: 'ok' as const,
    userId: user.id,
    email: user.email,
    factor,
  }
  // The counter is cleared with the success recorded, or neither; with the
  // audit entry the only write, it is one statement, no transaction needed.
  let held = true
  if (!condition && !reset && !expireTemporary) await store.audit.append(entry)
  else
    held = await store.transaction(async (tx) => {
      if (condition && !(await condition.holds(tx, now))) return false
      if (reset) await tx.throttle.reset(user.email)
      if (expireTemporary)
        await tx.users.setPassword(user.id, {
          passwordHash: user.passwordHash,
          mustChange: true,
          expiresAt: Math.min(user.passwordExpiresAt ?? now - 1, now - 1),
          now,
        })
      await tx.audit.append(entry)
      return true
    })
  if (!held && condition) return condition.refused()
  // Policy first-sign-in-only: a sign-in by e-mailed code, or by a recovery code
  // of an account left with no app or key, must end with an app or a key.
  const mustEnroll =
    config.policy.emailCode === 'first-sign-in-only' &&
    (factor === 'email' || factor === 'recovery') &&
    !(await hasAppOrKey(ctx, user.id))
  const session: SignedIn = {
    kind: 'signed-in',
    userId: user.id,
    factor,
    secondFactorAt: now,
    startedAt: now,
    lastActivityAt: now,
    mustEnroll,
    mustChangePassword: user.mustChangePassword,
    checkFactors: factor === 'recovery',
  }
  ctx.terminal.session = session
  ctx.terminal.enrollment = undefined
  return ok(viewOf(user, session))
}

/** What a second step reads before anything else: its account and the throttle of its address. */
interface StepRead {
  user: UserRecord | undefined
  throttle: ThrottleRecord | undefined
}

/**
 * The sign-in waiting for its second step, with its account, unless locked or
 * gone; `read` reads the account and the throttle row of the address signed in
 * with (and whatever else the step needs, in the same wait for the store).
 */
export async function pendingStep<R extends StepRead>(
  ctx: EngineContext,
  read: (pending: PendingSignIn) => Promise<R>,
): Promise<Result<{ pending: PendingSignIn; user: UserRecord; read: R }>> {
  const pending = currentPending(ctx)
  if (!pending) return fail('NO_PENDING_SIGN_IN')
  const got = await read(pending)
  const locked = lockedBy(ctx, got.throttle)
  if (locked) return locked
  const { user } = got
  if (!user || user.disabled) {
    ctx.terminal.end()
    return fail('NO_PENDING_SIGN_IN')
  }
  return ok({ pending, user, read: got })
}

/** The sign-in waiting for its second step, with its account (and the throttle row read), unless locked or gone. */
export async function pendingSecondStep(
  ctx: EngineContext,
): Promise<Result<{ pending: PendingSignIn; user: UserRecord; read: StepRead }>> {
  // Both reads at once: one wait for the store, not two in a row.
  return pendingStep(ctx, async (pending) => {
    const [throttle, user] = await Promise.all([
      ctx.store.throttle.get(pending.email),
      ctx.store.users.byId(pending.userId),
    ])
    return { throttle, user }
  })
}
