/**
 * What an account can sign in with, as the engine reads it and as
 * « Mes facteurs d'authentification » shows it.
 */

import { ok } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { Factors } from '../contract/methods'
import type { UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { signedInUser } from './session'

export interface Available {
  hasApp: boolean
  hasKey: boolean
  hasRecoveryCodes: boolean
}

/** What an account can sign in with, read in one go. */
export async function factorsAvailable(ctx: EngineContext, userId: number): Promise<Available> {
  const { store } = ctx
  const [app, keys, recovery] = await Promise.all([
    store.apps.get(userId),
    store.keys.listByUser(userId),
    store.recovery.countUnused(userId),
  ])
  return { hasApp: app !== undefined, hasKey: keys.length > 0, hasRecoveryCodes: recovery > 0 }
}

export async function hasKeys(ctx: EngineContext, userId: number): Promise<boolean> {
  return (await ctx.store.keys.listByUser(userId)).length > 0
}

/** An app or a key: e-mailed codes are then refused. */
export async function hasAppOrKey(ctx: EngineContext, userId: number): Promise<boolean> {
  return (await ctx.store.apps.get(userId)) !== undefined || (await hasKeys(ctx, userId))
}

/** The factors screen's content; `newCodes` are recovery codes to show once. */
export async function factorsOf(
  ctx: EngineContext,
  user: UserRecord,
  newCodes: string[] | null = null,
): Promise<Factors> {
  const { store } = ctx
  const app = await store.apps.get(user.id)
  const keys = await store.keys.listByUser(user.id)
  return {
    email: user.email,
    app: app ? { deviceName: app.deviceName, createdAt: app.createdAt } : null,
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
    })),
    recoveryCodesLeft: await store.recovery.countUnused(user.id),
    newRecoveryCodes: newCodes,
  }
}

export function factorMethods(ctx: EngineContext): Pick<Api, 'listFactors'> {
  return {
    async listFactors() {
      const me = await signedInUser(ctx, { duringEnrollment: true })
      if (!me.ok) return me
      return ok(await factorsOf(ctx, me.value.user))
    },
  }
}

/**
 * After an app or key was removed: with neither left, the recovery codes are
 * voided too (they stand in for a factor that no longer exists), audited.
 */
export async function voidRecoveryCodesWithoutFactor(
  ctx: EngineContext,
  user: UserRecord,
): Promise<void> {
  if (await hasAppOrKey(ctx, user.id)) return
  const removed = await ctx.store.recovery.removeAll(user.id)
  if (removed > 0)
    await ctx.audit({
      event: 'recovery-codes-voided',
      outcome: 'ok',
      userId: user.id,
      email: user.email,
      factor: 'recovery',
      detail: 'the last app or key was removed',
    })
}
