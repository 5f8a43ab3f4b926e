// The sign-in's own edges (src-main/engine/sign-in.ts; issue 18: each survived
// a deliberate change once): the hour of the e-mailed code quota, a temporary
// password's last second, a resent code carrying the sign-in with it, a key
// account's second step taking no code, « Annuler » ending only a sign-in
// still pending, and the sign-out in the audit log; the second step leaving a
// failure recorded meanwhile to count, and a password to change with no end not
// consumed (src-main/engine/second-step.ts).
// Figures are DESIGN.md's and the README's, in seconds and counts.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { hashPassword } from '../../src-main/engine/password'
import { totpCodeAt } from '../../src-main/engine/totp'
import { giveKey, giveTemporaryPassword, TEMPORARY } from '../support/accounts'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
/** 5 e-mailed codes an hour; a code lives 10 minutes. */
const CODES_PER_HOUR = 5
const CODE_MS = 600_000

let bed: TestBed | undefined
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

async function open(): Promise<TestBed> {
  bed = await startBed()
  await addUser(bed.store, EMAIL)
  return bed
}

describe('the password step', () => {
  it('counts the codes mailed in the last hour: the sixth sign-in of the hour is refused, not the sixth of two hours', async () => {
    const b = await open()
    for (let i = 0; i < CODES_PER_HOUR; i++) {
      value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
      b.clock.advance(60_000)
    }
    expect(await b.engine.signIn({ email: EMAIL, password: PASSWORD })).toMatchObject({
      ok: false,
      error: { code: 'CODE_QUOTA_EXCEEDED' },
    })
    // an hour after the first, a code may go again
    b.clock.advance(3600_000)
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
  })

  it('IT’s temporary password signs in up to its 24th hour, not after', async () => {
    const b = await open()
    const expiresAt = b.clock.t + 24 * 3600_000
    await b.store.users.setPassword(1, {
      passwordHash: await hashPassword(TEMPORARY),
      mustChange: true,
      expiresAt,
      now: b.clock.t,
    })
    b.clock.t = expiresAt + 1
    expect(await b.engine.signIn({ email: EMAIL, password: TEMPORARY })).toEqual({
      ok: false,
      error: { code: 'TEMP_PASSWORD_EXPIRED' },
    })
    b.clock.t = expiresAt
    value(await b.engine.signIn({ email: EMAIL, password: TEMPORARY }))
  })
})

describe('the second step', () => {
  it('a resent code carries the sign-in with it: the new code signs in after the first one’s end', async () => {
    const b = await open()
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
    b.clock.advance(CODE_MS - 100_000)
    value(await b.engine.resendCode({}))
    // past the first code's life and its grace, within the second code's
    b.clock.advance(CODE_MS - 100_000)
    expect(value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) })).factor).toBe('email')
  })

  it('a sign-in waiting for a key takes no code', async () => {
    const b = await open()
    await giveKey(b)
    expect(value(await b.engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe('key')
    expect(await b.engine.verifyCode({ code: '123456' })).toEqual({
      ok: false,
      error: { code: 'APP_NOT_ENROLLED' },
    })
  })

  it('nor a right app code from an app enrolled meanwhile on another terminal: the step is the key’s', async () => {
    const b = await open()
    const other = await b.reopen({ terminalId: 'poste-2' })
    value(await other.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await other.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
    await giveKey(b)
    expect(value(await b.engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe('key')
    const enrolling = value(await other.engine.beginAppEnrollment({}))
    const secret = enrolling.secretGroups.join('')
    value(
      await other.engine.confirmAppEnrollment({
        code: await totpCodeAt(secret, b.clock.t),
        deviceName: 'Téléphone',
      }),
    )
    b.clock.advance(30_000) // the next step's code, not the one just used
    expect(await b.engine.verifyCode({ code: await totpCodeAt(secret, b.clock.t) })).toEqual({
      ok: false,
      error: { code: 'APP_NOT_ENROLLED' },
    })
    expect(value(await b.engine.getStatus({})).session).toBeNull()
  })
})

describe('the second step and the throttle (src-main/engine/second-step.ts)', () => {
  /**
   * While the code is being checked (the step has just read no failure for the
   * address), another terminal records a wrong password for the same address.
   */
  async function failureMeanwhile(b: TestBed): Promise<void> {
    const other = await b.reopen({ terminalId: 'poste-2' })
    const get = b.store.throttle.get.bind(b.store.throttle)
    vi.spyOn(b.store.throttle, 'get').mockImplementationOnce(async (subject) => {
      const row = await get(subject)
      expect(
        await other.engine.signIn({ email: EMAIL, password: 'Pas-le-bon-mot-de-passe-7' }),
      ).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } })
      return row
    })
  }

  it('a wrong password typed on another terminal while the code is checked is left to count', async () => {
    const b = await open()
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
    await failureMeanwhile(b)
    expect(value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) })).factor).toBe('email')
    expect((await b.store.throttle.get(EMAIL))?.failures).toBe(1)
  })

  it('so too when the sign-in consumes IT’s temporary password', async () => {
    const b = await open()
    await giveTemporaryPassword(b)
    value(await b.engine.signIn({ email: EMAIL, password: TEMPORARY }))
    await failureMeanwhile(b)
    const session = value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
    expect(session.mustChangePassword).toBe(true)
    expect((await b.store.throttle.get(EMAIL))?.failures).toBe(1)
  })

  it('a password to change set with no end (before temporary passwords had one) is not consumed by a sign-in', async () => {
    const b = await open()
    await b.store.users.setPassword(1, {
      passwordHash: await hashPassword(PASSWORD),
      mustChange: true,
      expiresAt: null,
      now: b.clock.t,
    })
    for (const round of [1, 2]) {
      value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
      const session = value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
      expect(session.mustChangePassword, `sign-in ${round}`).toBe(true)
      value(await b.engine.signOut({}))
      b.clock.advance(60_000)
    }
  })
})

describe('« Annuler » on the second step (cancelSignIn)', () => {
  it('ends a sign-in waiting for its second step, and nothing else', async () => {
    const b = await open()
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await b.engine.cancelSignIn({}))
    expect(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
    // a signed-in clerk is not signed out by a late « Annuler »
    value(await b.engine.cancelSignIn({}))
    expect(value(await b.engine.getStatus({})).session).toMatchObject({ email: EMAIL })
  })
})

describe('the sign-out', () => {
  it('is audited with the account', async () => {
    const b = await open()
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
    value(await b.engine.signOut({}))
    expect((await b.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-out',
      outcome: 'ok',
      userId: 1,
    })
  })
})
