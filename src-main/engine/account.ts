/**
 * « Mon compte »: a new password (the current one first, except right after a
 * sign-in with IT's temporary password; the rules of a new one) and a new sign-in address (a code sent to the new address, applied
 * only when it is typed back; the old address is told).
 */

import { fail, ok } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import { addressCodeLetter } from '../mail/templates'
import type { EngineContext } from './context'
import { isStale, wrongCode } from './email-codes'
import { addressClaimedLetter, mailCode, sendNotice } from './notices'
import { checkNewPassword, hashPassword, verifyPassword } from './password'
import { EMAIL_CODE_MAX_TRIES, EMAIL_CODES_PER_HOUR } from './policy'
import { mac, macEquals, randomDigits } from './secrets'
import { isRecent, maskEmail, signedInUser, viewOf } from './session'
import { failure, refuseIfLocked } from './throttle'

export function accountMethods(
  ctx: EngineContext,
): Pick<Api, 'changePassword' | 'beginAddressChange' | 'confirmAddressChange'> {
  const { store, config, dataKey } = ctx
  return {
    async changePassword({ current, next }) {
      const me = await signedInUser(ctx, { passwordChange: true, duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      // A temporary password was just typed: no step-up for choosing the real one.
      if (!s.mustChangePassword && !isRecent(ctx, s.secondFactorAt)) return fail('STEP_UP_REQUIRED')
      // « Choisissez votre mot de passe »: this session was opened with IT's
      // temporary password, typed seconds ago and consumed by that sign-in
      // (single use): it is not asked again. In every other state the current
      // password is, guessed against the same lock as at sign-in.
      if (!s.mustChangePassword) {
        const locked = await refuseIfLocked(ctx, user.email)
        if (locked) return locked
        if (current === undefined || !(await verifyPassword(user.passwordHash, current))) {
          return failure(ctx, user.email, user, 'password', { code: 'INVALID_CREDENTIALS' })
        }
      }
      const reason = await checkNewPassword(next, {
        email: user.email,
        name: user.name,
        issuer: config.issuer,
      })
      if (reason) return fail('PASSWORD_REJECTED', { reason })
      const now = ctx.clock.now()
      await store.users.setPassword(user.id, {
        passwordHash: await hashPassword(next),
        mustChange: false,
        expiresAt: null,
        now,
      })
      await ctx.audit({
        event: 'password-changed',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'password',
      })
      s.mustChangePassword = false
      await sendNotice(ctx, user, 'password-changed')
      return ok(viewOf(user, s))
    },

    async beginAddressChange({ email }) {
      const me = await signedInUser(ctx, { fresh: true })
      if (!me.ok) return me
      const { user } = me.value
      // The lock and the quota first; then the same answer whether the new
      // address is free or another account's (which receives nothing): the
      // screen must not tell which addresses exist. Both count in the quota.
      const locked = await refuseIfLocked(ctx, user.email)
      if (locked) return locked
      const now = ctx.clock.now()
      if (
        (await store.addressCodes.countSentSince(user.id, now - 3600_000)) >= EMAIL_CODES_PER_HOUR
      ) {
        return fail('CODE_QUOTA_EXCEEDED', { retryAfterSeconds: 3600 })
      }
      if (email === user.email) return fail('EMAIL_TAKEN') // their own: nothing to hide
      const taken = (await store.users.byEmail(email)) !== undefined
      // For a taken address the code is one nobody is sent: entering any code fails.
      // Its owner is told instead, by a mail that leaves the same way (same time,
      // same answer when the mail server is down), so neither the answer nor its
      // delay says which addresses exist.
      const code = randomDigits(6)
      const expiresAt = now + config.emailCodeTtlSeconds * 1000
      const sent = await mailCode(
        ctx,
        user,
        email,
        taken ? addressClaimedLetter(ctx) : addressCodeLetter,
        code,
        now,
      )
      if (!sent.ok) return sent
      await store.transaction(async (tx) => {
        await tx.addressCodes.insertReplacing({
          userId: user.id,
          newEmail: email,
          mac: mac(dataKey, 'address-code', String(user.id), email, code),
          sentAt: now,
          expiresAt,
        })
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'address-code-sent',
          outcome: taken ? 'fail' : 'ok',
          userId: user.id,
          email: user.email,
          detail: taken
            ? `not sent: ${maskEmail(email)} belongs to another account`
            : `to ${maskEmail(email)}`,
        })
      })
      return ok({ maskedEmail: maskEmail(email), sentAt: now, expiresAt })
    },

    async confirmAddressChange({ code }) {
      // Begun under step-up, confirmed within its window only.
      const me = await signedInUser(ctx, { fresh: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const locked = await refuseIfLocked(ctx, user.email)
      if (locked) return locked
      const now = ctx.clock.now()
      const record = await store.addressCodes.active(user.id)
      if (!record) return fail('NO_PENDING_ADDRESS_CHANGE')
      if (isStale(record, now)) return fail('CODE_EXPIRED')
      const tries = await store.addressCodes.registerAttempt(record.id, EMAIL_CODE_MAX_TRIES)
      if (tries === undefined) return fail('CODE_ATTEMPTS_EXHAUSTED')
      const expected = mac(dataKey, 'address-code', String(user.id), record.newEmail, code)
      if (!macEquals(expected, record.mac)) return wrongCode(ctx, user, tries)
      const changed = await store.transaction(async (tx) => {
        if (!(await tx.addressCodes.consume(record.id, now))) return false
        if (!(await tx.users.setEmail(user.id, record.newEmail, now))) return false
        await tx.throttle.reset(user.email)
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'address-changed',
          outcome: 'ok',
          userId: user.id,
          email: record.newEmail,
          detail: `from ${user.email}`,
        })
        return true
      })
      if (!changed) return fail('EMAIL_TAKEN')
      // The old address hears of it; the new one has just proved it reads its mail.
      await sendNotice(ctx, user, 'address-changed', user.email)
      return ok(viewOf({ ...user, email: record.newEmail }, s))
    },
  }
}
