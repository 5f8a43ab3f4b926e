/**
 * First start: IT's account with its app enrolled on the spot, and the 10
 * recovery codes that first app brings, issued in the account's transaction.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src-main/engine/totp'
import { PASSWORD, startBed, usesPostgres, value, type TestBed } from '../support/env'

describe('first start with an empty store', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
  })
  afterEach(() => bed.close())

  it('keeps the language chosen before setup for the rest of the visit', async () => {
    value(await bed.engine.setLanguage({ locale: 'en' }))
    const e = value(
      await bed.engine.beginSetup({ email: 'it@mairie.fr', name: 'IT', password: PASSWORD }),
    )
    value(
      await bed.engine.confirmSetup({
        code: await totpCodeAt(e.secretGroups.join(''), bed.clock.t),
        deviceName: 'Téléphone IT',
      }),
    )
    value(
      await bed.engine.changePassword({ current: PASSWORD, next: 'Marché-du-jeudi-sous-la-pluie' }),
    )
    expect(bed.smtp.mails.at(-1)?.subject).toBe('Guichet: Password changed')
  })

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
    // IT's first app brings its 10 recovery codes, as a clerk's first app does.
    expect(session).toEqual({
      name: 'Service informatique',
      email: 'it@mairie.fr',
      factor: 'app',
      mustEnroll: false,
      mustChangePassword: false,
      checkFactors: false,
      newRecoveryCodes: expect.any(Array),
    })
    const codes = session.newRecoveryCodes
    expect(codes).toHaveLength(10)
    for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
    expect(new Set(codes).size).toBe(10)
    expect(value(await bed.engine.listFactors({}))).toMatchObject({
      recoveryCodesLeft: 10,
      newRecoveryCodes: null,
    })
    // IT reads each entry's factor: the app enrolled, the codes issued
    const audit = (await bed.store.audit.list()).map((a) => `${a.event}:${a.outcome}:${a.factor}`)
    expect(audit).toEqual(['setup:ok:app', 'recovery-codes-issued:ok:recovery', 'sign-in:ok:app'])
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
    // …and a recovery code works, once, when the phone is lost.
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: 'it@mairie.fr', password: PASSWORD }))
    expect(value(await bed.engine.useRecoveryCode({ code: codes[3]! })).factor).toBe('recovery')
    expect(await bed.store.recovery.countUnused(1)).toBe(9)
  })

  it('creates neither the account nor its codes when the setup transaction fails', async () => {
    const e = value(
      await bed.engine.beginSetup({
        email: 'it@mairie.fr',
        name: 'Service informatique',
        password: PASSWORD,
      }),
    )
    // The codes' audit entry is written inside the account's transaction: make it fail.
    await bed.exec(
      usesPostgres()
        ? `CREATE FUNCTION no_codes() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'disk full'; END $$;
           CREATE TRIGGER no_codes BEFORE INSERT ON audit FOR EACH ROW
           WHEN (NEW.event = 'recovery-codes-issued') EXECUTE FUNCTION no_codes()`
        : `CREATE TRIGGER no_codes BEFORE INSERT ON audit WHEN NEW.event = 'recovery-codes-issued'
           BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    )
    try {
      await expect(
        bed.engine.confirmSetup({
          code: await totpCodeAt(e.secretGroups.join(''), bed.clock.t),
          deviceName: 'Téléphone IT',
        }),
      ).rejects.toThrow()
      expect(await bed.store.users.count()).toBe(0)
      expect(value(await bed.engine.getStatus({})).firstStart).toBe(true)
    } finally {
      // PostgreSQL beds of one file share a database: the next test must not inherit the fault
      await bed.exec(
        usesPostgres()
          ? 'DROP TRIGGER no_codes ON audit; DROP FUNCTION no_codes()'
          : 'DROP TRIGGER no_codes',
      )
    }
  })

  it('two terminals starting the first set-up at once: the second to confirm is refused, one account made', async () => {
    const other = await bed.reopen({ terminalId: 'poste-2' })
    const mine = value(
      await bed.engine.beginSetup({
        email: 'it@mairie.fr',
        name: 'Service informatique',
        password: PASSWORD,
      }),
    )
    const theirs = value(
      await other.engine.beginSetup({ email: 'dsi@mairie.fr', name: 'DSI', password: PASSWORD }),
    )
    value(
      await bed.engine.confirmSetup({
        code: await totpCodeAt(mine.secretGroups.join(''), bed.clock.t),
        deviceName: 'Téléphone IT',
      }),
    )
    expect(
      await other.engine.confirmSetup({
        code: await totpCodeAt(theirs.secretGroups.join(''), bed.clock.t),
        deviceName: 'Téléphone DSI',
      }),
    ).toEqual({ ok: false, error: { code: 'SETUP_ALREADY_DONE' } })
    expect(await bed.store.users.count()).toBe(1)
    expect(await bed.store.users.byEmail('dsi@mairie.fr')).toBeUndefined()
  })

  it('refuses to confirm without a started setup', async () => {
    expect(await bed.engine.confirmSetup({ code: '123456', deviceName: '' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_ENROLLMENT' },
    })
  })
})
