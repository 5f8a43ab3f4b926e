import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EMAIL_CODE_MAX_TRIES, maskEmail } from '../../src-main/engine/engine'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'

/**
 * The code last mailed, asking for another while it equals `first` (one chance
 * in a million), so that "the old code no longer works" is always checked.
 */
async function codeOtherThan(bed: TestBed, first: string): Promise<string> {
  let code = bed.smtp.lastCode(EMAIL)
  while (code === first) {
    value(await bed.engine.resendCode({}))
    code = bed.smtp.lastCode(EMAIL)
  }
  return code
}

describe('sign-in with an e-mailed code', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed({ issuer: 'Mairie de Lyon' })
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('sends a 6-digit code by mail and signs in with it', async () => {
    const mail = bed.smtp.next(EMAIL)
    const step = value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(step).toEqual({
      factor: 'email',
      maskedEmail: 'a•••@mairie.fr',
      sentAt: bed.clock.t,
      expiresAt: bed.clock.t + 600_000,
      hasKey: false,
      hasRecoveryCodes: false,
    })
    const m = await mail
    expect(m.from).toContain('Mairie de Lyon')
    expect(m.subject).toBe('Mairie de Lyon\u202f: votre code d’authentification')
    const code = bed.smtp.lastCode(EMAIL)
    expect(code).toMatch(/^\d{6}$/)
    expect(m.text).toContain('10\u00a0minutes')
    expect(m.text).toMatch(/envoyé à \d{1,2}\u00a0h\u00a0\d{2}/)
    expect(m.text).toContain('Ce n’est pas vous\u202f?')
    expect(m.text).not.toMatch(/https?:|www\./)
    const session = value(await bed.engine.verifyCode({ code }))
    expect(session).toEqual({
      name: 'Alice Martin',
      email: EMAIL,
      factor: 'email',
      mustEnroll: false,
      mustChangePassword: false,
      checkFactors: false,
    })
    const status = value(await bed.engine.getStatus({}))
    expect(status.session?.email).toBe(EMAIL)
    // single use
    await bed.engine.signOut({})
    expect((await bed.engine.verifyCode({ code })).ok).toBe(false)
  })

  it('writes the mail in English with locale "en"', async () => {
    const { engine, close } = await bed.reopen({ locale: 'en' })
    const mail = bed.smtp.next(EMAIL)
    value(await engine.signIn({ email: EMAIL, password: PASSWORD }))
    const m = await mail
    expect(m.subject).toBe('Mairie de Lyon: your sign-in code')
    expect(m.text).toContain('works for 10\u00a0minutes')
    expect(m.text).toContain('Not you?')
    await close()
  })

  it('refuses the code at 10 min + 1 s, ends the sign-in 2 min later, accepts the code at 10 min', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = bed.smtp.lastCode(EMAIL)
    bed.clock.advance(600_000 + 1000)
    const late = await bed.engine.verifyCode({ code })
    expect(late).toEqual({ ok: false, error: { code: 'CODE_EXPIRED' } })
    bed.clock.advance(120_000)
    expect(await bed.engine.verifyCode({ code })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
    expect(await bed.engine.resendCode({})).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })

    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const fresh = bed.smtp.lastCode(EMAIL)
    bed.clock.advance(600_000)
    expect(value(await bed.engine.verifyCode({ code: fresh })).factor).toBe('email')
  })

  it('a new code voids the old one and says when it was sent', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const first = bed.smtp.lastCode(EMAIL)
    bed.clock.advance(60_000)
    const again = value(await bed.engine.resendCode({}))
    expect(again.sentAt).toBe(bed.clock.t)
    const second = await codeOtherThan(bed, first)
    // Issue 15: the old code is told apart from a wrong one.
    expect(await bed.engine.verifyCode({ code: first })).toMatchObject({
      ok: false,
      error: { code: 'CODE_REPLACED' },
    })
    expect(value(await bed.engine.verifyCode({ code: second })).email).toBe(EMAIL)
  })

  it('says « ce code a été remplacé » for a code that a resend replaced, without counting it', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const first = bed.smtp.lastCode(EMAIL)
    value(await bed.engine.resendCode({}))
    const second = bed.smtp.lastCode(EMAIL)
    value(await bed.engine.resendCode({}))
    const third = bed.smtp.lastCode(EMAIL)
    for (const old of [first, second].filter((c) => c !== third)) {
      expect(await bed.engine.verifyCode({ code: old })).toEqual({
        ok: false,
        error: { code: 'CODE_REPLACED' },
      })
    }
    // A replaced code is not a guess: the account's throttle did not move.
    expect((await bed.store.throttle.get(EMAIL))?.failures ?? 0).toBe(0)
    const wrong = ['000000', '111111', '222222'].find((c) => ![first, second, third].includes(c))!
    expect(await bed.engine.verifyCode({ code: wrong })).toMatchObject({
      ok: false,
      error: { code: 'CODE_INVALID' },
    })
    expect(value(await bed.engine.verifyCode({ code: third })).email).toBe(EMAIL)
  })

  it('starting the sign-in again sends a new code and voids the old', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const first = bed.smtp.lastCode(EMAIL)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(bed.smtp.mails).toHaveLength(2)
    const codes = await bed.store.codes.countSentSince(1, 0)
    expect(codes).toBe(2)
    // the first code belongs to the abandoned attempt
    const second = await codeOtherThan(bed, first)
    expect(await bed.engine.verifyCode({ code: first })).toMatchObject({
      ok: false,
      error: { code: 'CODE_INVALID' },
    })
    expect((await bed.engine.verifyCode({ code: second })).ok).toBe(true)
  })

  it('allows 5 tries per code, then asks for a new one', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = bed.smtp.lastCode(EMAIL)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 1; i < EMAIL_CODE_MAX_TRIES; i++) {
      expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
        ok: false,
        error: { code: 'CODE_INVALID', params: { attemptsLeft: EMAIL_CODE_MAX_TRIES - i } },
      })
    }
    expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'CODE_ATTEMPTS_EXHAUSTED' },
    })
    // even the right code is refused now
    expect(await bed.engine.verifyCode({ code })).toMatchObject({
      ok: false,
      error: { code: 'CODE_ATTEMPTS_EXHAUSTED' },
    })
  })

  it('sends at most 5 codes an hour, and asking again resets no failure counter', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const wrong = bed.smtp.lastCode(EMAIL) === '000000' ? '111111' : '000000'
    await bed.engine.verifyCode({ code: wrong })
    for (let i = 0; i < 4; i++) value(await bed.engine.resendCode({}))
    const t = await bed.store.throttle.get(EMAIL)
    expect(t?.failures).toBe(1)
    const sixth = await bed.engine.resendCode({})
    expect(sixth).toMatchObject({ ok: false, error: { code: 'CODE_QUOTA_EXCEEDED' } })
    expect(!sixth.ok && sixth.error.params?.retryAfterSeconds).toBe(3600)
    expect(bed.smtp.mails).toHaveLength(5)
    bed.clock.advance(3600_000 + 1)
    // the pending sign-in has lapsed meanwhile: starting again sends a code
    expect(await bed.engine.resendCode({})).toMatchObject({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(bed.smtp.mails).toHaveLength(6)
  })

  it('answers MAIL_UNAVAILABLE when the server refuses, consuming nothing', async () => {
    bed.smtp.fault = 'refuse-recipient'
    const r = await bed.engine.signIn({ email: EMAIL, password: PASSWORD })
    expect(r).toEqual({ ok: false, error: { code: 'MAIL_UNAVAILABLE' } })
    expect(await bed.store.codes.countSentSince(1, 0)).toBe(0)
    expect(await bed.store.throttle.get(EMAIL)).toBeUndefined()
    bed.smtp.fault = 'none'
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
  })

  it('answers MAIL_UNAVAILABLE when no server listens', async () => {
    await bed.smtp.close()
    const r = await bed.engine.signIn({ email: EMAIL, password: PASSWORD })
    expect(r).toEqual({ ok: false, error: { code: 'MAIL_UNAVAILABLE' } })
    expect(await bed.store.codes.countSentSince(1, 0)).toBe(0)
    const audit = await bed.store.audit.list()
    expect(audit.map((a) => `${a.event}:${a.outcome}`)).toContain('code-sent:fail')
  })

  it('refuses a disabled account after a correct password only', async () => {
    await bed.store.users.setDisabled(1, true, bed.clock.t)
    expect(await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    expect(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_DISABLED' },
    })
    expect(bed.smtp.mails).toHaveLength(0)
  })

  it('needs a pending sign-in to check a code, and forgets it on cancel', async () => {
    expect(await bed.engine.verifyCode({ code: '123456' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(value(await bed.engine.getStatus({})).pending?.factor).toBe('email')
    value(await bed.engine.cancelSignIn({}))
    expect(value(await bed.engine.getStatus({})).pending).toBeNull()
    expect(await bed.engine.resendCode({})).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
  })

  it('masks the address for the shared screen', () => {
    expect(maskEmail('alice.martin@mairie.fr')).toBe('a•••@mairie.fr')
    expect(maskEmail('é@x.fr')).toBe('é•••@x.fr')
  })

  it('audits without secrets', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = bed.smtp.lastCode(EMAIL)
    value(await bed.engine.verifyCode({ code }))
    const audit = await bed.store.audit.list()
    expect(audit.map((a) => `${a.event}:${a.outcome}:${a.factor}`)).toEqual([
      'code-sent:ok:email',
      'sign-in.password:ok:password',
      'sign-in:ok:email',
    ])
    expect(audit.every((a) => a.terminalId === 'poste-1')).toBe(true)
    const text = JSON.stringify(audit)
    expect(text).not.toContain(code)
    expect(text).not.toContain(PASSWORD)
  })
})

describe('timing marks (EngineDeps.marks, for the bench)', () => {
  it('marks « password accepted » once the password verifies, before the code is mailed; never for a wrong one', async () => {
    const marks: { name: string; at: number }[] = []
    const bed = await startBed({}, { marks: (name) => marks.push({ name, at: performance.now() }) })
    try {
      await addUser(bed.store, EMAIL)
      const wrong = await bed.engine.signIn({ email: EMAIL, password: 'Pas-le-bon-mot-de-passe' })
      expect(wrong.ok).toBe(false)
      expect(marks).toEqual([])
      value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
      expect(marks.map((m) => m.name)).toEqual(['password-accepted'])
      const mail = bed.smtp.mails.at(-1)
      expect(mail?.to).toBe(EMAIL)
      expect(marks[0]?.at).toBeLessThan(mail?.acceptedAt ?? 0)
    } finally {
      await bed.close()
    }
  })
})
