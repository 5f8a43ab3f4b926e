import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src-main/engine/totp'
import { PASSWORD, startBed, value, type TestBed } from '../support/env'

describe('first start with an empty store', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
  })
  afterEach(() => bed.close())

  it("creates IT's account with its app enrolled on the spot, once", async () => {
    expect(value(await bed.engine.getStatus({})).firstStart).toBe(true)
    expect(
      await bed.engine.beginSetup({
        email: 'it@mairie.fr',
        name: 'Service informatique',
        password: 'motdepasse123',
      }),
    ).toEqual({
      ok: false,
      error: { code: 'PASSWORD_REJECTED', params: { reason: 'too-common' } },
    })
    const e = value(
      await bed.engine.beginSetup({
        email: 'it@mairie.fr',
        name: 'Service informatique',
        password: PASSWORD,
      }),
    )
    expect(await bed.store.users.count()).toBe(0) // nothing stored before the app is confirmed
    const secret = e.secretGroups.join('')
    const session = value(
      await bed.engine.confirmSetup({
        code: await totpCodeAt(secret, bed.clock.t),
        deviceName: 'Téléphone IT',
      }),
    )
    expect(session).toEqual({
      name: 'Service informatique',
      email: 'it@mairie.fr',
      factor: 'app',
      mustEnroll: false,
      mustChangePassword: false,
      checkFactors: false,
    })
    expect(value(await bed.engine.getStatus({})).firstStart).toBe(false)
    expect(
      await bed.engine.beginSetup({ email: 'x@mairie.fr', name: 'X', password: PASSWORD }),
    ).toEqual({ ok: false, error: { code: 'SETUP_ALREADY_DONE' } })
    // and it signs in with the app afterwards, with no mail server needed
    value(await bed.engine.signOut({}))
    bed.clock.advance(30_000)
    expect(
      value(await bed.engine.signIn({ email: 'it@mairie.fr', password: PASSWORD })).factor,
    ).toBe('app')
    value(await bed.engine.verifyCode({ code: await totpCodeAt(secret, bed.clock.t) }))
    expect(bed.smtp.mails).toHaveLength(0)
  })

  it('refuses to confirm without a started setup', async () => {
    expect(await bed.engine.confirmSetup({ code: '123456', deviceName: '' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_ENROLLMENT' },
    })
  })
})
