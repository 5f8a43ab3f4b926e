/**
 * The 6-digit codes e-mailed for a sign-in or a step-up: bound to one attempt,
 * stored as a MAC, 5 tries, single use, a new one voids the old, at most 5 an
 * hour, counted as sent only once the mail server has taken it.
 */

import { fail, ok, type Result } from '../contract/errors'
import { signInCodeLetter } from '../mail/templates'
import type { UserRecord } from '../store/types'
import { secondsUntil, type EngineContext } from './context'
import { mailCode } from './notices'
import { CLOCK_TOLERANCE_MS, EMAIL_CODE_MAX_TRIES, EMAIL_CODES_PER_HOUR } from './policy'
import { mac, macEquals, randomDigits } from './secrets'
import { failure } from './throttle'

/**
 * A code is stale after its validity, and also when the clock now reads
 * earlier than its sending (the clock jumped back): its age can no longer be
 * told, so it is refused rather than trusted.
 */
export function isStale(code: { sentAt: number; expiresAt: number }, now: number): boolean {
  return now > code.expiresAt || now < code.sentAt - CLOCK_TOLERANCE_MS
}

/** A wrong code of a 5-try code: CODE_INVALID with the tries left, counted in the throttle. */
export function wrongCode(
  ctx: EngineContext,
  user: UserRecord,
  tries: number,
): Promise<Result<never>> {
  const left = EMAIL_CODE_MAX_TRIES - tries
  return failure(
    ctx,
    user.email,
    user,
    'email',
    left > 0
      ? { code: 'CODE_INVALID', params: { attemptsLeft: left } }
      : { code: 'CODE_ATTEMPTS_EXHAUSTED' },
  )
}

/**
 * Sends a fresh code for this attempt; the previous ones stop working.
 * `replaced`: the MAC of the code it replaces, if one was active, so that the
 * old code is told apart from a wrong one (CODE_REPLACED).
 */
export async function issueEmailCode(
  ctx: EngineContext,
  user: UserRecord,
  attemptId: string,
  /** The codes sent in the last hour, when the caller has read them already (sign-in does, under argon2). */
  sentLastHour?: number,
): Promise<Result<{ sentAt: number; expiresAt: number; replaced?: Uint8Array }>> {
  const { store, config, dataKey } = ctx
  const now = ctx.clock.now()
  const hourAgo = now - 3600_000
  const sent = sentLastHour ?? (await store.codes.countSentSince(user.id, hourAgo))
  if (sent >= EMAIL_CODES_PER_HOUR) {
    const oldest = (await store.codes.oldestSentSince(user.id, hourAgo)) ?? now
    return fail('CODE_QUOTA_EXCEEDED', { retryAfterSeconds: secondsUntil(ctx, oldest + 3600_000) })
  }
  const code = randomDigits(6)
  const expiresAt = now + config.emailCodeTtlSeconds * 1000
  const mailed = await mailCode(ctx, user, user.email, signInCodeLetter, code, now)
  if (!mailed.ok) return mailed
  const previous = await store.codes.active(user.id, attemptId)
  // Counted as sent only once the mail server has accepted it.
  await store.transaction(async (tx) => {
    await tx.codes.insertReplacing({
      userId: user.id,
      attemptId,
      mac: mac(dataKey, 'email-code', String(user.id), attemptId, code),
      sentAt: now,
      expiresAt,
    })
    await tx.audit.append({
      at: now,
      terminalId: config.terminalId,
      event: 'code-sent',
      outcome: 'ok',
      userId: user.id,
      email: user.email,
      factor: 'email',
    })
  })
  return ok({ sentAt: now, expiresAt, ...(previous ? { replaced: previous.mac } : {}) })
}

/**
 * Checks an e-mailed code of this attempt: 10 minutes, 5 tries, single use;
 * a wrong one counts in the throttle. `ok` means consumed.
 */
export async function checkEmailCode(
  ctx: EngineContext,
  user: UserRecord,
  attemptId: string,
  code: string,
  replaced: readonly Uint8Array[] = [],
): Promise<Result<void>> {
  const { store } = ctx
  const now = ctx.clock.now()
  const record = await store.codes.active(user.id, attemptId)
  if (!record || isStale(record, now)) return fail('CODE_EXPIRED')
  const tries = await store.codes.registerAttempt(record.id, EMAIL_CODE_MAX_TRIES)
  if (tries === undefined) return fail('CODE_ATTEMPTS_EXHAUSTED')
  const expected = mac(ctx.dataKey, 'email-code', String(user.id), attemptId, code)
  if (!macEquals(expected, record.mac)) {
    // A code the clerk did receive, replaced since: not a guess, so not counted in the throttle.
    if (replaced.some((old) => macEquals(expected, old))) return fail('CODE_REPLACED')
    return wrongCode(ctx, user, tries)
  }
  if (!(await store.codes.consume(record.id, now))) return fail('CODE_EXPIRED')
  return ok(undefined)
}
