// Issue 13, findings 3–6 and the step-up window, each against the engine on a
// real store (SQLite here, PostgreSQL in the node-pg project):
// - changePassword honours and counts the lockout like sign-in;
// - beginAddressChange answers the same for a taken and a free address (and
//   sends its owner a notice, never a code), the lock and the quota first;
// - recovery codes are voided with the last app or key, and a recovery-code
//   sign-in of an account left with none must enroll;
// - IT's temporary password is consumed at its first successful sign-in;
// - an action begun under step-up cannot be confirmed after the window.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { STEP_UP_WINDOW_MS, THROTTLE_POLICY } from '../../src-main/engine/engine'
import { totpCodeAt } from '../../src-main/engine/totp'
import { giveKey, giveTemporaryPassword, TEMPORARY } from '../support/accounts'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const OTHER = 'bernard.petit@mairie.fr'
const NEW_PASSWORD = 'Marché-du-jeudi-sous-la-pluie'

async function signInByMail(bed: TestBed, password = PASSWORD): Promise<void> {
  value(await bed.engine.signIn({ email: EMAIL, password }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
}

async function withApp(bed: TestBed): Promise<{ secret: string; codes: string[] }> {
  await signInByMail(bed)
  const e = value(await bed.engine.beginAppEnrollment({}))
  const secret = e.secretGroups.join('')
  const factors = value(
    await bed.engine.confirmAppEnrollment({
      code: await totpCodeAt(secret, bed.clock.t),
      deviceName: 'Tél',
    }),
  )
  return { secret, codes: factors.newRecoveryCodes ?? [] }
}

describe('account rules (issue 13)', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
    await addUser(bed.store, OTHER, 'Bernard Petit')
  })
  afterEach(() => bed.close())

  it('changePassword: the lock of wrong guesses stops the right password too, and counts', async () => {
    await signInByMail(bed)
    const guesses = THROTTLE_POLICY.freeFailures + 1
    for (let i = 0; i < guesses; i++) {
      const r = await bed.engine.changePassword({
        current: `wrong-guess-${i}-abcdef`,
        next: NEW_PASSWORD,
      })
      expect(r.ok).toBe(false)
    }
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(guesses)
    const right = await bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD })
    expect(right).toMatchObject({ ok: false, error: { code: 'ACCOUNT_LOCKED' } })
    // the password did not change, and the lock is the sign-in's lock
    value(await bed.engine.signOut({}))
    expect(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).toMatchObject({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED' },
    })
    bed.clock.advance(THROTTLE_POLICY.maxWaitMs + 1000)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  })

  it('beginAddressChange answers a taken address exactly like a free one, and mails its owner a notice with no code', async () => {
    await signInByMail(bed)
    const mailsBefore = bed.smtp.mails.length
    const free = value(await bed.engine.beginAddressChange({ email: 'alice.m@mairie.fr' }))
    const taken = value(await bed.engine.beginAddressChange({ email: OTHER }))
    expect(Object.keys(taken).sort()).toEqual(Object.keys(free).sort())
    expect(taken).toEqual({
      maskedEmail: 'b•••@mairie.fr',
      sentAt: free.sentAt,
      expiresAt: free.expiresAt,
    })
    const sent = bed.smtp.mails.slice(mailsBefore)
    // both leave by the same way, so neither the answer nor its delay tells
    expect(sent.map((m) => m.to)).toEqual(['alice.m@mairie.fr', OTHER])
    expect(sent[0]?.text).toMatch(/\b\d{6}\b/)
    expect(sent[1]?.subject).toMatch(/demandée pour un autre compte/)
    expect(sent[1]?.text).not.toMatch(/\b\d{6}\b/)
    // a disabled account's address too
    await bed.store.users.setDisabled(2, true, bed.clock.t)
    expect((await bed.engine.beginAddressChange({ email: OTHER })).ok).toBe(true)
    // no code confirms a taken address: there is none to know
    const wrong = await bed.engine.confirmAddressChange({ code: '000000' })
    expect(wrong).toMatchObject({ ok: false })
    expect((await bed.store.users.byId(1))?.email).toBe(EMAIL)
    // the owner of the taken address was only ever sent notices, never a code
    const toOther = bed.smtp.mails.slice(mailsBefore).filter((m) => m.to === OTHER)
    expect(toOther).toHaveLength(2)
    for (const m of toOther) expect(m.text).not.toMatch(/\b\d{6}\b/)
  })

  it('beginAddressChange: with the mail server down, a taken and a free address get the same MAIL_UNAVAILABLE', async () => {
    await signInByMail(bed)
    bed.smtp.fault = 'refuse-recipient'
    for (const email of [OTHER, 'alice.m@mairie.fr'])
      expect(await bed.engine.beginAddressChange({ email })).toEqual({
        ok: false,
        error: { code: 'MAIL_UNAVAILABLE' },
      })
  })

  it('audits a change of password and each address code, naming the factor and the masked address', async () => {
    await signInByMail(bed)
    expect(
      (await bed.engine.changePassword({ current: 'wrong-guess-abcdef', next: NEW_PASSWORD })).ok,
    ).toBe(false)
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      outcome: 'fail',
      factor: 'password',
    })
    value(await bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD }))
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'password-changed',
      outcome: 'ok',
      factor: 'password',
    })
    value(await bed.engine.beginAddressChange({ email: 'alice.m@mairie.fr' }))
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'address-code-sent',
      outcome: 'ok',
      detail: 'to a•••@mairie.fr',
    })
    value(await bed.engine.beginAddressChange({ email: OTHER }))
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'address-code-sent',
      outcome: 'fail',
      detail: 'not sent: b•••@mairie.fr belongs to another account',
    })
  })

  it('beginAddressChange: the quota counts taken addresses too, and comes first', async () => {
    await signInByMail(bed)
    for (let i = 0; i < 5; i++) {
      const r = await bed.engine.beginAddressChange({ email: i % 2 ? OTHER : `a${i}@mairie.fr` })
      expect(r.ok, `attempt ${i}`).toBe(true)
    }
    for (const email of [OTHER, 'free@mairie.fr'])
      expect(await bed.engine.beginAddressChange({ email })).toEqual({
        ok: false,
        error: { code: 'CODE_QUOTA_EXCEEDED', params: { retryAfterSeconds: 3600 } },
      })
  })

  it('recovery codes are voided with the last app or key', async () => {
    const { codes } = await withApp(bed)
    expect(codes).toHaveLength(10)
    expect(await bed.store.recovery.countUnused(1)).toBe(10)
    value(await bed.engine.removeApp({}))
    expect(await bed.store.recovery.countUnused(1)).toBe(0)
    const audit = await bed.store.audit.list()
    expect(audit.map((a) => a.event)).toContain('recovery-codes-voided')
    value(await bed.engine.signOut({}))
    // the next sign-in is by e-mailed code: no recovery code is offered or accepted
    const step = value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(step.factor).toBe('email')
    expect((await bed.engine.useRecoveryCode({ code: codes[0]! })).ok).toBe(false)
  })

  it('recovery codes are kept while a key remains, and their voiding is audited once, as recovery', async () => {
    const { codes } = await withApp(bed)
    await giveKey(bed)
    value(await bed.engine.removeApp({}))
    // the key still stands: the codes stay
    expect(value(await bed.engine.listFactors({})).recoveryCodesLeft).toBe(codes.length)
    expect((await bed.store.audit.list()).map((a) => a.event)).not.toContain(
      'recovery-codes-voided',
    )
    value(await bed.engine.removeKey({ id: 'cle-1' }))
    expect(value(await bed.engine.listFactors({})).recoveryCodesLeft).toBe(0)
    const voided = (await bed.store.audit.list()).filter((a) => a.event === 'recovery-codes-voided')
    expect(voided).toHaveLength(1)
    expect(voided[0]).toMatchObject({
      outcome: 'ok',
      email: EMAIL,
      factor: 'recovery',
      detail: 'the last app or key was removed',
    })
  })

  it('with no recovery code left, removing the last app audits no voiding', async () => {
    await withApp(bed)
    await bed.store.recovery.removeAll(1) // all used up, or never issued
    value(await bed.engine.removeApp({}))
    expect((await bed.store.audit.list()).map((a) => a.event)).not.toContain(
      'recovery-codes-voided',
    )
  })

  it('a recovery-code sign-in of an account with no app or key must enroll (policy first-sign-in-only)', async () => {
    const { codes } = await withApp(bed)
    value(await bed.engine.signOut({}))
    // an account left with codes and no factor (removed outside the engine, or before this rule)
    await bed.store.apps.remove(1)
    const { engine } = await bed.reopen({ policy: { emailCode: 'first-sign-in-only' } })
    value(await engine.signIn({ email: EMAIL, password: PASSWORD }))
    const session = value(await engine.useRecoveryCode({ code: codes[0]! }))
    expect(session.mustEnroll).toBe(true)
    // the enrolment screen still lists what the account has: no app, no key, the codes left
    expect(value(await engine.listFactors({}))).toMatchObject({
      email: EMAIL,
      app: null,
      keys: [],
      recoveryCodesLeft: 9,
    })
    expect(await engine.issueRecoveryCodes({})).toEqual({
      ok: false,
      error: { code: 'ENROLLMENT_REQUIRED' },
    })
  })

  it('IT’s temporary password is consumed by its first sign-in', async () => {
    await giveTemporaryPassword(bed)
    await signInByMail(bed, TEMPORARY)
    expect(value(await bed.engine.getStatus({})).session?.mustChangePassword).toBe(true)
    // abandoned without choosing a password: it does not sign in again
    value(await bed.engine.signOut({}))
    expect(await bed.engine.signIn({ email: EMAIL, password: TEMPORARY })).toEqual({
      ok: false,
      error: { code: 'TEMP_PASSWORD_EXPIRED' },
    })
  })

  it('the temporary password can still be replaced in the session that consumed it', async () => {
    await giveTemporaryPassword(bed)
    await signInByMail(bed, TEMPORARY)
    value(await bed.engine.changePassword({ current: TEMPORARY, next: NEW_PASSWORD }))
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: NEW_PASSWORD }))
  })

  it('« Choisissez votre mot de passe » after the temporary password does not ask it again, once', async () => {
    await giveTemporaryPassword(bed)
    await signInByMail(bed, TEMPORARY)
    const chosen = value(await bed.engine.changePassword({ next: NEW_PASSWORD }))
    expect(chosen.mustChangePassword).toBe(false)
    // single use: the same session's next change asks for the current password again
    expect(await bed.engine.changePassword({ next: 'Trois-pommes-sur-le-buffet-9' })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: NEW_PASSWORD }))
  })

  it('a first sign-in with IT’s temporary password, under a policy that forces enrollment, chooses the password first and for good', async () => {
    await giveTemporaryPassword(bed)
    const { engine } = await bed.reopen({ policy: { emailCode: 'first-sign-in-only' } })
    value(await engine.signIn({ email: EMAIL, password: TEMPORARY }))
    const first = value(await engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    expect(first).toMatchObject({ mustChangePassword: true, mustEnroll: true })
    // still enrolling: the password is chosen all the same, then the enrollment
    const chosen = value(await engine.changePassword({ next: NEW_PASSWORD }))
    expect(chosen).toMatchObject({ mustChangePassword: false, mustEnroll: true })
    // stored for good: the next sign-in with it is not bound to change it
    const user = await bed.store.users.byEmail(EMAIL)
    expect(user).toMatchObject({ mustChangePassword: false, passwordExpiresAt: null })
  })

  it('a normal change still requires the current password (missing or wrong, counted)', async () => {
    await signInByMail(bed)
    expect(await bed.engine.changePassword({ next: NEW_PASSWORD })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    expect(
      await bed.engine.changePassword({ current: 'pas-le-bon-mot', next: NEW_PASSWORD }),
    ).toEqual({ ok: false, error: { code: 'INVALID_CREDENTIALS' } })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(2)
    value(await bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD }))
  })

  it('the new password may hold the word « guichet » unless it is the issuer, never the issuer name', async () => {
    await signInByMail(bed)
    const everyday = 'Le guichet du marché ouvre à neuf heures'
    expect(await bed.engine.changePassword({ current: PASSWORD, next: everyday })).toEqual({
      ok: false,
      error: { code: 'PASSWORD_REJECTED', params: { reason: 'contains-product' } },
    })
    const town = await bed.reopen({ issuer: 'Mairie de Saint-Étienne' })
    value(await town.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await town.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    expect(
      await town.engine.changePassword({
        current: PASSWORD,
        next: 'Vive la mairie de SAINT-ETIENNE 1',
      }),
    ).toEqual({
      ok: false,
      error: { code: 'PASSWORD_REJECTED', params: { reason: 'contains-product' } },
    })
    value(await town.engine.changePassword({ current: PASSWORD, next: everyday }))
  })

  it('an app enrollment begun under step-up cannot be confirmed after the step-up window', async () => {
    await signInByMail(bed)
    const e = value(await bed.engine.beginAppEnrollment({}))
    bed.clock.advance(STEP_UP_WINDOW_MS + 1000) // the enrollment itself lives 10 minutes
    const secret = e.secretGroups.join('')
    expect(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(secret, bed.clock.t),
        deviceName: 'Tél',
      }),
    ).toEqual({ ok: false, error: { code: 'STEP_UP_REQUIRED' } })
    expect(await bed.store.apps.get(1)).toBeUndefined()
  })

  it('an address change begun under step-up cannot be confirmed after the step-up window', async () => {
    await signInByMail(bed)
    value(await bed.engine.beginAddressChange({ email: 'alice.m@mairie.fr' }))
    const code = bed.smtp.lastCode('alice.m@mairie.fr')
    bed.clock.advance(STEP_UP_WINDOW_MS + 1000) // the code itself lives 10 minutes
    expect(await bed.engine.confirmAddressChange({ code })).toEqual({
      ok: false,
      error: { code: 'STEP_UP_REQUIRED' },
    })
    expect((await bed.store.users.byId(1))?.email).toBe(EMAIL)
  })

  it('audits the change of address under the new one, naming the old', async () => {
    await signInByMail(bed)
    value(await bed.engine.beginAddressChange({ email: 'alice.m@mairie.fr' }))
    value(await bed.engine.confirmAddressChange({ code: bed.smtp.lastCode('alice.m@mairie.fr') }))
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'address-changed',
      outcome: 'ok',
      userId: 1,
      email: 'alice.m@mairie.fr',
      detail: `from ${EMAIL}`,
    })
  })

  it('an address taken by a new account between the code and its confirmation is not applied', async () => {
    await signInByMail(bed)
    const NEW = 'alice.m@mairie.fr'
    value(await bed.engine.beginAddressChange({ email: NEW }))
    const code = bed.smtp.lastCode(NEW)
    await addUser(bed.store, NEW, 'Alice Moreau') // IT creates it meanwhile
    expect(await bed.engine.confirmAddressChange({ code })).toEqual({
      ok: false,
      error: { code: 'EMAIL_TAKEN' },
    })
    expect((await bed.store.users.byId(1))?.email).toBe(EMAIL)
    expect((await bed.store.audit.list()).map((e) => e.event)).not.toContain('address-changed')
  })

  it('a code confirmed meanwhile on another terminal is not applied twice', async () => {
    await signInByMail(bed)
    const NEW = 'alice.m@mairie.fr'
    value(await bed.engine.beginAddressChange({ email: NEW }))
    const code = bed.smtp.lastCode(NEW)
    // the other terminal consumes the code after this one has counted its try
    const attempt = bed.store.addressCodes.registerAttempt.bind(bed.store.addressCodes)
    vi.spyOn(bed.store.addressCodes, 'registerAttempt').mockImplementation(async (id, max) => {
      const tries = await attempt(id, max)
      await bed.store.addressCodes.consume(id, bed.clock.t)
      return tries
    })
    const r = await bed.engine.confirmAddressChange({ code })
    expect(r.ok).toBe(false)
    expect((await bed.store.users.byId(1))?.email).toBe(EMAIL)
    expect((await bed.store.audit.list()).map((e) => e.event)).not.toContain('address-changed')
  })
})
