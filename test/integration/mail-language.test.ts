// Issue 15: a clerk who chose English with the language switch gets English mails
// for the whole visit (the e-mailed code, the address-change code, the notices of
// changes), and the next visit is back to the configuration's `locale`. Against
// the engine on a real store, with the loopback SMTP server reading every mail.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dispatch } from '../../src-main/contract/dispatch'
import { STEP_UP_WINDOW_MS } from '../../src-main/engine/engine'
import { totpCodeAt } from '../../src-main/engine/totp'
import { noticeLetter, type NoticeKind } from '../../src-main/mail/templates'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const NEW_EMAIL = 'alice.m@mairie.fr'
const NEW_PASSWORD = 'Marché-du-jeudi-sous-la-pluie'

/** The subject of the last mail to `to`. */
function lastSubject(bed: TestBed, to: string): string {
  const mail = bed.smtp.mails.filter((m) => m.to === to).at(-1)
  if (!mail) throw new Error(`no mail to ${to}`)
  return mail.subject
}

async function signInByMail(bed: TestBed): Promise<void> {
  value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
}

describe('mails in the language the clerk chose (issue 15)', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed() // locale: fr (the default)
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('without a choice, every mail is in the configured locale', async () => {
    await signInByMail(bed)
    expect(lastSubject(bed, EMAIL)).toBe('Guichet\u202f: votre code d’authentification')
  })

  it('the e-mailed code, the notices and the address-change code follow the switch, for the whole visit', async () => {
    value(await bed.engine.setLanguage({ locale: 'en' })) // on the sign-in screen, before the password
    await signInByMail(bed)
    expect(lastSubject(bed, EMAIL)).toBe('Guichet: your sign-in code')
    expect(bed.smtp.mails.at(-1)?.text).toMatch(/^Your sign-in code is: \d{6}$/m)

    value(await bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD }))
    expect((await bed.smtp.find(EMAIL, 'Password changed')).subject).toBe(
      'Guichet: Password changed',
    )

    value(await bed.engine.beginAddressChange({ email: NEW_EMAIL }))
    expect(lastSubject(bed, NEW_EMAIL)).toBe('Guichet: confirm your new sign-in address')
    value(await bed.engine.confirmAddressChange({ code: bed.smtp.lastCode(NEW_EMAIL) }))
    expect(lastSubject(bed, EMAIL)).toBe('Guichet: Sign-in address changed')

    // the step-up's e-mailed code too
    bed.clock.advance(STEP_UP_WINDOW_MS + 1)
    value(await bed.engine.beginStepUp({}))
    expect(lastSubject(bed, NEW_EMAIL)).toBe('Guichet: your sign-in code')
  })

  it('goes back to the locale at sign-out', async () => {
    value(await bed.engine.setLanguage({ locale: 'en' }))
    await signInByMail(bed)
    value(await bed.engine.signOut({}))
    await signInByMail(bed)
    expect(lastSubject(bed, EMAIL)).toBe('Guichet\u202f: votre code d’authentification')
  })

  it('goes back to the locale when the session ends without a sign-out, or a new page attaches', async () => {
    const idle = await bed.reopen({ idleLockSeconds: 60 })
    value(await idle.engine.setLanguage({ locale: 'en' }))
    value(await idle.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await idle.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    bed.clock.advance(60_000 + 30_000 + 1000) // the idle time and its warning, no call
    expect(await idle.engine.stillHere({})).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
    value(await idle.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(lastSubject(bed, EMAIL)).toBe('Guichet\u202f: votre code d’authentification')

    value(await bed.engine.setLanguage({ locale: 'en' }))
    await bed.engine.pageAttached()
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(lastSubject(bed, EMAIL)).toBe('Guichet\u202f: votre code d’authentification')
  })

  it('a clerk may choose French on an English kiosk, and an app notice follows it', async () => {
    const en = await bed.reopen({ locale: 'en' })
    value(await en.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(lastSubject(bed, EMAIL)).toBe('Guichet: your sign-in code')
    value(await en.engine.setLanguage({ locale: 'fr' })) // chosen on the code screen
    value(await en.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    const enrollment = value(await en.engine.beginAppEnrollment({}))
    const secret = enrollment.secretGroups.join('')
    value(
      await en.engine.confirmAppEnrollment({
        code: await totpCodeAt(secret, bed.clock.t),
        deviceName: 'Tél',
      }),
    )
    expect(lastSubject(bed, EMAIL)).toBe('Guichet\u202f: Application d’authentification ajoutée')
  })

  it('takes only a language the kiosk has (the contract’s schema)', async () => {
    expect(await dispatch(bed.engine, 'setLanguage', { locale: 'de' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    })
  })
})

describe('mail templates', () => {
  const KINDS: NoticeKind[] = [
    'app-added',
    'app-removed',
    'key-added',
    'key-removed',
    'factors-reset',
    'recovery-used',
    'recovery-codes-issued',
    'password-changed',
    'address-changed',
    'account-disabled',
  ]
  it.each(KINDS)('has an English notice for every French one (%s)', (kind) => {
    const p = { at: Date.UTC(2026, 10, 29, 9, 42), issuer: 'Mairie de X', terminalId: 'poste-1' }
    const fr = noticeLetter(kind, 'fr', p)
    const en = noticeLetter(kind, 'en', p)
    expect(en.subject).not.toBe(fr.subject)
    expect(en.text).not.toBe(fr.text)
    // no French left in the English letter
    expect(`${en.subject}\n${en.text}`).not.toMatch(/[àâçéèêëîïôûùœ«»’\u202f]/i)
  })
})
