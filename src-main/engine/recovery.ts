/**
 * Recovery codes: the way back in when the phone or key is lost. The first
 * app or key brings 10; a new set voids the old; one spent on the code screen
 * counts in the same throttle as every other code.
 */

import { fail, ok } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { TxRepos, UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { factorsOf, hasAppOrKey } from './factors'
import { sendNotice } from './notices'
import { newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes'
import { completeSignIn, pendingSecondStep } from './second-step'
import { mac, macEquals } from './secrets'
import { signedInUser } from './session'
import { failure } from './throttle'

/** Issues a new set of recovery codes inside `tx`, voiding the old; returns them in clear, once. */
export async function issueRecoveryCodes(
  ctx: EngineContext,
  tx: TxRepos,
  user: UserRecord,
  now: number,
): Promise<string[]> {
  const codes = newRecoveryCodes()
  const macs = codes.map((c) =>
    mac(ctx.dataKey, 'recovery', String(user.id), normalizeRecoveryCode(c)!),
  )
  await tx.recovery.replaceAll(user.id, macs, now)
  await tx.audit.append({
    at: now,
    terminalId: ctx.config.terminalId,
    event: 'recovery-codes-issued',
    outcome: 'ok',
    userId: user.id,
    email: user.email,
    factor: 'recovery',
  })
  return codes
}

/** The first app or key of an account (no unused recovery codes yet) brings recovery codes. */
export async function recoveryCodesForFirstFactor(
  ctx: EngineContext,
  tx: TxRepos,
  user: UserRecord,
  now: number,
): Promise<string[] | null> {
  if ((await tx.recovery.countUnused(user.id)) > 0) return null
  return issueRecoveryCodes(ctx, tx, user, now)
}

export function recoveryMethods(
  ctx: EngineContext,
): Pick<Api, 'useRecoveryCode' | 'issueRecoveryCodes'> {
  const { store } = ctx
  return {
    async useRecoveryCode({ code }) {
      const second = await pendingSecondStep(ctx)
      if (!second.ok) return second
      const { user } = second.value
      // Recovery codes count in the same throttle as every other code.
      const normalized = normalizeRecoveryCode(code)
      const expected = normalized && mac(ctx.dataKey, 'recovery', String(user.id), normalized)
      const match =
        expected && (await store.recovery.unused(user.id)).find((r) => macEquals(r.mac, expected))
      if (!match || !(await store.recovery.consume(match.id, ctx.clock.now()))) {
        return failure(ctx, user.email, user, 'recovery', { code: 'RECOVERY_CODE_INVALID' })
      }
      const signedIn = await completeSignIn(ctx, user, 'recovery', {
        throttleRead: { row: second.value.read.throttle },
      })
      await sendNotice(ctx, user, 'recovery-used')
      return signedIn
    },

    async issueRecoveryCodes() {
      const me = await signedInUser(ctx, { fresh: true })
      if (!me.ok) return me
      const { user } = me.value
      if (!(await hasAppOrKey(ctx, user.id))) return fail('NO_RECOVERY_CODES')
      const codes = await store.transaction((tx) =>
        issueRecoveryCodes(ctx, tx, user, ctx.clock.now()),
      )
      await sendNotice(ctx, user, 'recovery-codes-issued')
      return ok(await factorsOf(ctx, user, codes))
    },
  }
}
