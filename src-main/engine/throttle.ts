/**
 * Failures and their price: every wrong secret counts in one throttle per
 * account (5 free, then a wait doubling up to 15 minutes), and is audited.
 */

import { fail, type ContractError, type Result } from '../contract/errors'
import type { ThrottleRecord, UserRecord } from '../store/types'
import { secondsUntil, type EngineContext } from './context'
import { THROTTLE_POLICY } from './policy'

/** The wait a throttle row still imposes, never more than the longest wait (a clock jump back can't lock forever). */
function waitOf(ctx: EngineContext, t: ThrottleRecord | undefined): number | undefined {
  if (!t) return undefined
  if (t.lockedUntil <= ctx.clock.now()) return undefined
  return Math.min(secondsUntil(ctx, t.lockedUntil), THROTTLE_POLICY.maxWaitMs / 1000)
}

/** The wait still to serve by `subject`, if any. */
export async function lockedFor(ctx: EngineContext, subject: string): Promise<number | undefined> {
  return waitOf(ctx, await ctx.store.throttle.get(subject))
}

/** ACCOUNT_LOCKED with the wait when the throttle row `t` (already read) locks its subject, else undefined. */
export function lockedBy(
  ctx: EngineContext,
  t: ThrottleRecord | undefined,
): Result<never> | undefined {
  const wait = waitOf(ctx, t)
  return wait === undefined ? undefined : fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
}

/** ACCOUNT_LOCKED with the wait when `subject` must wait, else undefined. */
export async function refuseIfLocked(
  ctx: EngineContext,
  subject: string,
): Promise<Result<never> | undefined> {
  return lockedBy(ctx, await ctx.store.throttle.get(subject))
}

/** A sign-in refused for what the account is, not for a guess: audited, not counted. */
export async function refuseSignIn(
  ctx: EngineContext,
  user: UserRecord,
  factor: 'password' | 'key',
  code: 'TEMP_PASSWORD_EXPIRED' | 'ACCOUNT_DISABLED',
): Promise<Result<never>> {
  await ctx.audit({
    event: 'sign-in',
    outcome: 'fail',
    userId: user.id,
    email: user.email,
    factor,
    detail: code,
  })
  return fail(code)
}

/**
 * Counts a failure; answers ACCOUNT_LOCKED if it earned a wait, else `otherwise`
 * — with `attemptsLeft`, when `countLeft` asks for it, the failures still free
 * before a wait (a wrong app code says so, as a wrong e-mailed code does).
 */
export async function failure(
  ctx: EngineContext,
  subject: string,
  user: UserRecord | undefined,
  factor: string,
  otherwise: ContractError,
  countLeft = false,
): Promise<Result<never>> {
  const now = ctx.clock.now()
  const t = await ctx.store.throttle.recordFailure(subject, now, THROTTLE_POLICY)
  await ctx.audit({
    event: 'sign-in',
    outcome: 'fail',
    userId: user?.id ?? null,
    email: subject,
    factor,
    detail: otherwise.code,
  })
  if (t.lockedUntil > now) {
    await ctx.audit({
      event: 'lockout',
      outcome: 'fail',
      userId: user?.id ?? null,
      email: subject,
      detail: `failures=${t.failures} wait=${Math.round((t.lockedUntil - now) / 1000)}s`,
    })
    return fail('ACCOUNT_LOCKED', {
      retryAfterSeconds: Math.min(
        secondsUntil(ctx, t.lockedUntil),
        THROTTLE_POLICY.maxWaitMs / 1000,
      ),
    })
  }
  const left = THROTTLE_POLICY.freeFailures - t.failures
  if (countLeft && left > 0) {
    return {
      ok: false,
      error: { ...otherwise, params: { ...otherwise.params, attemptsLeft: left } },
    }
  }
  return { ok: false, error: otherwise }
}
