/**
 * Step-up: before a sensitive change, the second factor again when it was
 * last checked more than 5 minutes ago — the app's code, an e-mailed code or a
 * tap on a key, counted in the same throttle as at sign-in.
 */

import { fail, ok, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { Factor, SessionView } from '../contract/methods'
import type { UserRecord } from '../store/types'
import { checkAppCode } from './app'
import type { EngineContext } from './context'
import { checkEmailCode, issueEmailCode } from './email-codes'
import { hasKeys } from './factors'
import { stepView } from './second-step'
import { randomId } from './secrets'
import { touchAccountKey } from './security-keys'
import { signedInUser, viewOf, type SignedIn } from './session'
import { refuseIfLocked } from './throttle'

/** The factor was checked again: clear the throttle, audit, restart the window. */
async function stepUpDone(
  ctx: EngineContext,
  user: UserRecord,
  s: SignedIn,
  factor: Factor,
): Promise<Result<SessionView>> {
  const now = ctx.clock.now()
  await ctx.store.transaction(async (tx) => {
    await tx.throttle.reset(user.email)
    await tx.audit.append({
      at: now,
      terminalId: ctx.config.terminalId,
      event: 'step-up',
      outcome: 'ok',
      userId: user.id,
      email: user.email,
      factor,
    })
  })
  s.secondFactorAt = ctx.clock.now()
  s.stepUp = undefined
  return ok(viewOf(user, s))
}

export function stepUpMethods(
  ctx: EngineContext,
): Pick<Api, 'beginStepUp' | 'stepUp' | 'stepUpWithKey'> {
  return {
    async beginStepUp() {
      const me = await signedInUser(ctx, { duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const app = await ctx.store.apps.get(user.id)
      const factor: 'app' | 'key' | 'email' = app
        ? 'app'
        : (await hasKeys(ctx, user.id))
          ? 'key'
          : 'email'
      // « Renvoyer un code » asks beginStepUp again: the same check goes on, so
      // the code it replaces is told apart from a wrong one (CODE_REPLACED).
      const resend = factor === 'email' && s.stepUp?.factor === 'email'
      const attemptId = resend && s.stepUp ? s.stepUp.attemptId : randomId()
      const replacedMacs = resend ? (s.stepUp?.replacedMacs ?? []) : []
      s.stepUp = { factor, attemptId, replacedMacs }
      const step = { userId: user.id, email: user.email, factor }
      if (factor !== 'email') {
        return ok(await stepView(ctx, { ...step, sentAt: null, expiresAt: null }))
      }
      const locked = await refuseIfLocked(ctx, user.email)
      if (locked) return locked
      const sent = await issueEmailCode(ctx, user, attemptId)
      if (!sent.ok) return sent
      const { replaced, ...times } = sent.value
      if (replaced) replacedMacs.push(replaced)
      return ok(await stepView(ctx, { ...step, ...times }))
    },

    async stepUp({ code }) {
      const me = await signedInUser(ctx, { duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      if (!s.stepUp || s.stepUp.factor === 'key') return fail('NO_PENDING_SIGN_IN')
      const locked = await refuseIfLocked(ctx, user.email)
      if (locked) return locked
      const checked =
        s.stepUp.factor === 'app'
          ? await checkAppCode(ctx, user, code)
          : await checkEmailCode(ctx, user, s.stepUp.attemptId, code, s.stepUp.replacedMacs)
      if (!checked.ok) return checked
      return stepUpDone(ctx, user, s, s.stepUp.factor)
    },

    async stepUpWithKey({ pin }) {
      const me = await signedInUser(ctx, { duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const locked = await refuseIfLocked(ctx, user.email)
      if (locked) return locked
      const checked = await touchAccountKey(ctx, user, pin)
      return checked.ok ? stepUpDone(ctx, user, s, 'key') : checked
    },
  }
}
