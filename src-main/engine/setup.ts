/**
 * First start: with an empty store, the kiosk creates IT's account and
 * enrolls its authenticator app on the spot. Never again once an account exists.
 * That first app brings IT's 10 recovery codes, as a clerk's first app does:
 * issued in the account's transaction, returned once with the session.
 */

import { fail, ok } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type { UserRecord } from '../store/types'
import { confirmPending, newEnrollment, sealSecret } from './app'
import type { EngineContext } from './context'
import { checkNewPassword, hashPassword } from './password'
import { issueRecoveryCodes } from './recovery'
import { completeSignIn } from './second-step'
import type { PendingSetup } from './session'

export function setupMethods(ctx: EngineContext): Pick<Api, 'beginSetup' | 'confirmSetup'> {
  const { store, config, terminal } = ctx
  return {
    async beginSetup({ email, name, password }) {
      if ((await store.users.count()) > 0) return fail('SETUP_ALREADY_DONE')
      const reason = await checkNewPassword(password, { email, name, issuer: config.issuer })
      if (reason) return fail('PASSWORD_REJECTED', { reason })
      const { pending, view } = await newEnrollment(ctx, email)
      terminal.end({ keepLanguage: true })
      terminal.setup = { ...pending, email, name, passwordHash: await hashPassword(password) }
      return ok(view)
    },

    async confirmSetup({ code, deviceName }) {
      const checked = await confirmPending(ctx, terminal.setup, code)
      if (!checked.ok) return checked
      const s = terminal.setup as PendingSetup
      const now = ctx.clock.now()
      const created = await store.transaction(async (tx) => {
        if ((await tx.users.count()) > 0) return undefined
        const id = await tx.users.insert({
          email: s.email,
          name: s.name,
          passwordHash: s.passwordHash,
          mustChangePassword: false,
          now,
        })
        if (id === undefined) return undefined
        await tx.apps.put({
          userId: id,
          secretEnc: sealSecret(ctx, id, s.secret),
          deviceName,
          createdAt: now,
          lastStep: checked.value,
        })
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'setup',
          outcome: 'ok',
          userId: id,
          email: s.email,
          factor: 'app',
        })
        const user = (await tx.users.byId(id)) as UserRecord
        return { user, codes: await issueRecoveryCodes(ctx, tx, user, now) }
      })
      terminal.setup = undefined
      if (created === undefined) return fail('SETUP_ALREADY_DONE')
      const signedIn = await completeSignIn(ctx, created.user, 'app')
      if (!signedIn.ok) return signedIn
      return ok({ ...signedIn.value, newRecoveryCodes: created.codes })
    },
  }
}
