/**
 * The authenticator app (TOTP): enrollment by QR code, confirmed by a first
 * code; the check of its codes (±1 step, a step accepted once on any
 * terminal); replacing and removing it. Its secret is sealed at rest.
 */

import { fail, ok, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { AppEnrollment } from '../contract/methods'
import type { AppRecord, UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { factorsOf, voidRecoveryCodesWithoutFactor } from './factors'
import { sendNotice } from './notices'
import { ENROLLMENT_MAX_TRIES, ENROLLMENT_TTL_MS } from './policy'
import { recoveryCodesForFirstFactor } from './recovery'
import { open, seal } from './secrets'
import { signedInUser, type PendingEnrollment } from './session'
import { failure } from './throttle'
import { groupsOfFour, matchTotp, newTotpSecret, qrCodes, totpUri } from './totp'

export function sealSecret(ctx: EngineContext, userId: number, secret: string): Uint8Array {
  return seal(ctx.dataKey, Buffer.from(secret, 'utf8'), `totp:${userId}`)
}

function openSecret(ctx: EngineContext, userId: number, sealed: Uint8Array): string {
  return Buffer.from(open(ctx.dataKey, sealed, `totp:${userId}`)).toString('utf8')
}

/** Checks the app's code: ±1 step, and a step once accepted is never accepted again, on any terminal. */
export async function checkAppCode(
  ctx: EngineContext,
  user: UserRecord,
  code: string,
  /** The account's app, when the caller has read it already. */
  known?: { app: AppRecord | undefined },
): Promise<Result<void>> {
  const { store } = ctx
  const app = known ? known.app : await store.apps.get(user.id)
  if (!app) return fail('APP_NOT_ENROLLED')
  const step = await matchTotp(openSecret(ctx, user.id, app.secretEnc), code, ctx.clock.now())
  if (step === undefined) {
    return failure(ctx, user.email, user, 'app', { code: 'CODE_INVALID' }, true)
  }
  if (step <= app.lastStep || !(await store.apps.markStepUsed(user.id, step))) {
    return failure(ctx, user.email, user, 'app', { code: 'CODE_REPLAYED' })
  }
  return ok(undefined)
}

/** A new secret and what the enrollment screen shows of it (QR code, key in groups of four). */
export async function newEnrollment(
  ctx: EngineContext,
  email: string,
): Promise<{ pending: PendingEnrollment; view: AppEnrollment }> {
  const secret = newTotpSecret()
  const uri = totpUri({ issuer: ctx.config.issuer, email, secret })
  const qr = await qrCodes(uri)
  const expiresAt = ctx.clock.now() + ENROLLMENT_TTL_MS
  return {
    pending: { secret, expiresAt, tries: 0 },
    view: {
      uri,
      qrSvg: qr.svg,
      qrPngDataUrl: qr.pngDataUrl,
      secretGroups: groupsOfFour(secret),
      expiresAt,
    },
  }
}

/** Checks a confirmation code against a pending enrollment; counts tries. */
export async function confirmPending(
  ctx: EngineContext,
  pending: PendingEnrollment | undefined,
  code: string,
): Promise<Result<number>> {
  if (!pending || ctx.clock.now() > pending.expiresAt) return fail('NO_PENDING_ENROLLMENT')
  const step = await matchTotp(pending.secret, code, ctx.clock.now())
  if (step === undefined) {
    pending.tries += 1
    if (pending.tries >= ENROLLMENT_MAX_TRIES) {
      pending.expiresAt = 0
      return fail('NO_PENDING_ENROLLMENT')
    }
    return fail('CODE_INVALID', { attemptsLeft: ENROLLMENT_MAX_TRIES - pending.tries })
  }
  return ok(step)
}

export function appMethods(
  ctx: EngineContext,
): Pick<Api, 'beginAppEnrollment' | 'confirmAppEnrollment' | 'removeApp'> {
  const { store, config, terminal } = ctx
  return {
    async beginAppEnrollment() {
      const me = await signedInUser(ctx, { duringEnrollment: true, fresh: true })
      if (!me.ok) return me
      const { pending, view } = await newEnrollment(ctx, me.value.user.email)
      terminal.enrollment = pending
      return ok(view)
    },

    async confirmAppEnrollment({ code, deviceName }) {
      // Begun under step-up, confirmed within its window only.
      const me = await signedInUser(ctx, { duringEnrollment: true, fresh: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const checked = await confirmPending(ctx, terminal.enrollment, code)
      if (!checked.ok) return checked
      const secret = (terminal.enrollment as PendingEnrollment).secret
      const now = ctx.clock.now()
      const replaced = (await store.apps.get(user.id)) !== undefined
      // The new app replaces the old only now that it is confirmed, in one transaction.
      const newCodes = await store.transaction(async (tx) => {
        await tx.apps.put({
          userId: user.id,
          secretEnc: sealSecret(ctx, user.id, secret),
          deviceName,
          createdAt: now,
          lastStep: checked.value,
        })
        await tx.codes.voidAll(user.id)
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'app-enrolled',
          outcome: 'ok',
          userId: user.id,
          email: user.email,
          factor: 'app',
          detail: replaced ? 'replaced' : null,
        })
        return recoveryCodesForFirstFactor(ctx, tx, user, now)
      })
      terminal.enrollment = undefined
      s.mustEnroll = false
      await sendNotice(ctx, user, 'app-added')
      return ok(await factorsOf(ctx, user, newCodes))
    },

    async removeApp() {
      const me = await signedInUser(ctx, { fresh: true })
      if (!me.ok) return me
      const { user } = me.value
      if (!(await store.apps.remove(user.id))) return fail('APP_NOT_ENROLLED')
      await ctx.audit({
        event: 'app-removed',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'app',
      })
      await voidRecoveryCodesWithoutFactor(ctx, user)
      await sendNotice(ctx, user, 'app-removed')
      return ok(await factorsOf(ctx, user))
    },
  }
}
