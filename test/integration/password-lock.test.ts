// « Changer mon mot de passe » checks the current password: like every path
// that checks a secret, it honours the account lock and counts its failures
// (issue 18). Kept in its own file: on the engine of 2026-12-04 the lock is
// ignored here (the security helper's fix), and Stryker's initial run needs a
// green suite, so vitest.stryker.config.ts leaves this file out until then.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const NEW_PASSWORD = 'Bateau-ivre-sous-la-pluie-77'

describe('the lock holds on the change of password', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
  })
  afterEach(() => bed.close())

  it('change of password: locked refuses the right current password; a wrong one counts', async () => {
    expect(
      await bed.engine.changePassword({ current: 'wrong-password-here', next: NEW_PASSWORD }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
    // locked in the store, as earlier failures on any terminal would
    await bed.store.throttle.recordFailure(EMAIL, bed.clock.t, {
      freeFailures: 0,
      baseWaitMs: 60_000,
      maxWaitMs: 60_000,
      forgetAfterMs: 24 * 3600_000,
    })
    expect(
      await bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD }),
    ).toMatchObject({ ok: false, error: { code: 'ACCOUNT_LOCKED' } })
    value(await bed.engine.signOut({}))
    bed.clock.advance(61_000)
    // the password is unchanged
    expect(value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe(
      'email',
    )
  })
})
