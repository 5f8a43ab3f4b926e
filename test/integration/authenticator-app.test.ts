import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../src-main/engine/engine'
import { createFileKeyProvider, defaultKeyFilePath } from '../../src-main/engine/keys'
import { totpCodeAt } from '../../src-main/engine/totp'
import type { TxRepos } from '../../src-main/store/types'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'

async function signInByMail(bed: TestBed, engine: Engine = bed.engine): Promise<void> {
  value(await engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
}

async function enroll(bed: TestBed, deviceName = 'Téléphone pro'): Promise<string> {
  const e = value(await bed.engine.beginAppEnrollment({}))
  const secret = e.secretGroups.join('')
  value(
    await bed.engine.confirmAppEnrollment({
      code: await totpCodeAt(secret, bed.clock.t),
      deviceName,
    }),
  )
  return secret
}

describe('authenticator app', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed({ issuer: 'Mairie de Lyon' })
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('enrolls by QR code, confirmed by one code and a device name', async () => {
    await signInByMail(bed)
    const e = value(await bed.engine.beginAppEnrollment({}))
    const secret = e.secretGroups.join('')
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(e.secretGroups.every((g) => g.length === 4)).toBe(true)
    expect(e.uri).toBe(
      `otpauth://totp/Mairie%20de%20Lyon:alice.martin%40mairie.fr?secret=${secret}&issuer=Mairie%20de%20Lyon&algorithm=SHA1&digits=6&period=30`,
    )
    expect(e.qrSvg).toContain('<svg')
    expect(e.qrPngDataUrl).toMatch(/^data:image\/png;base64,/)
    expect(
      await bed.engine.confirmAppEnrollment({ code: '000000', deviceName: 'x' }),
    ).toMatchObject({ ok: false, error: { code: 'CODE_INVALID' } })
    const factors = value(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(secret, bed.clock.t),
        deviceName: 'Téléphone pro',
      }),
    )
    expect(factors.app).toEqual({ deviceName: 'Téléphone pro', createdAt: bed.clock.t })
    const notice = await bed.smtp.find(EMAIL, 'ajoutée')
    expect(notice.subject).toContain('Application d’authentification ajoutée')
    expect(notice.text).toContain('poste-1')
    expect(notice.text).not.toMatch(/\b\d{6}\b/)
  })

  it('then asks for the app code, refuses e-mailed codes, and refuses a replayed step', async () => {
    await signInByMail(bed)
    const secret = await enroll(bed)
    value(await bed.engine.signOut({}))
    bed.clock.advance(30_000)
    const mailsBefore = bed.smtp.mails.length
    const step = value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(step).toMatchObject({ factor: 'app', sentAt: null, expiresAt: null })
    expect(bed.smtp.mails.length).toBe(mailsBefore) // no code mailed
    expect(await bed.engine.resendCode({})).toEqual({
      ok: false,
      error: { code: 'EMAIL_CODE_NOT_ALLOWED' },
    })
    const code = await totpCodeAt(secret, bed.clock.t)
    expect(value(await bed.engine.verifyCode({ code })).factor).toBe('app')
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(await bed.engine.verifyCode({ code })).toEqual({
      ok: false,
      error: { code: 'CODE_REPLAYED' },
    })
    // the previous step (inside the ±1 window) is refused too: steps only move forward
    expect(
      await bed.engine.verifyCode({ code: await totpCodeAt(secret, bed.clock.t - 30_000) }),
    ).toMatchObject({ ok: false })
    bed.clock.advance(30_000)
    expect(
      value(await bed.engine.verifyCode({ code: await totpCodeAt(secret, bed.clock.t) })).factor,
    ).toBe('app')
  })

  it('says the tries left before a wait after a wrong app code, as for an e-mailed code', async () => {
    await signInByMail(bed)
    const secret = await enroll(bed)
    value(await bed.engine.signOut({}))
    bed.clock.advance(30_000)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const near = await Promise.all(
      [-30_000, 0, 30_000].map((drift) => totpCodeAt(secret, bed.clock.t + drift)),
    )
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !near.includes(c))!
    // 5 free failures per account (THROTTLE_POLICY), then a wait.
    expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: 4 } },
    })
    expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: 3 } },
    })
    expect(
      value(await bed.engine.verifyCode({ code: await totpCodeAt(secret, bed.clock.t) })).factor,
    ).toBe('app')
  })

  // Mutation run (throttle.ts, failure): `countLeft && left > 0` → `true` / `>= 0`
  // survived; the fifth failure has no free one left, so it names none.
  it('names no tries left on the fifth wrong app code, and the sixth waits 30 s', async () => {
    await signInByMail(bed)
    const secret = await enroll(bed)
    value(await bed.engine.signOut({}))
    bed.clock.advance(30_000)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const near = await Promise.all(
      [-30_000, 0, 30_000].map((drift) => totpCodeAt(secret, bed.clock.t + drift)),
    )
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !near.includes(c))!
    // DESIGN.md: 5 free failures per account, then 30 s doubling.
    for (const left of [4, 3, 2, 1]) {
      expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
        ok: false,
        error: { code: 'CODE_INVALID', params: { attemptsLeft: left } },
      })
    }
    expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID' },
    })
    expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: 30 } },
    })
  })

  it('accepts ±1 step of drift and refuses ±2 at sign-in', async () => {
    await signInByMail(bed)
    const secret = await enroll(bed)
    for (const [drift, accepted] of [
      [2, false],
      [-2, false],
      [-1, true],
      [1, true],
    ] as const) {
      value(await bed.engine.signOut({}))
      bed.clock.advance(120_000)
      value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
      const r = await bed.engine.verifyCode({
        code: await totpCodeAt(secret, bed.clock.t + drift * 30_000),
      })
      expect(r.ok, `drift ${drift}`).toBe(accepted)
    }
  })

  it('one TOTP step is accepted once across two terminals on one store', async () => {
    await signInByMail(bed)
    const secret = await enroll(bed)
    value(await bed.engine.signOut({}))
    bed.clock.advance(60_000)
    const other = await bed.reopen({ terminalId: 'poste-2' })
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await other.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = await totpCodeAt(secret, bed.clock.t)
    const results = await Promise.all([
      bed.engine.verifyCode({ code }),
      other.engine.verifyCode({ code }),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
  })

  it('a new app replaces the old only once confirmed', async () => {
    await signInByMail(bed)
    const oldSecret = await enroll(bed, 'Ancien')
    const pending = value(await bed.engine.beginAppEnrollment({}))
    // not confirmed: the old app still signs in
    value(await bed.engine.signOut({}))
    bed.clock.advance(30_000)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: await totpCodeAt(oldSecret, bed.clock.t) }))
    // the abandoned enrollment is gone with the sign-out
    expect(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(pending.secretGroups.join(''), bed.clock.t),
        deviceName: 'Nouveau',
      }),
    ).toEqual({ ok: false, error: { code: 'NO_PENDING_ENROLLMENT' } })
    const newSecret = await enroll(bed, 'Nouveau')
    expect(value(await bed.engine.listFactors({})).app?.deviceName).toBe('Nouveau')
    value(await bed.engine.signOut({}))
    bed.clock.advance(30_000)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(
      (await bed.engine.verifyCode({ code: await totpCodeAt(oldSecret, bed.clock.t) })).ok,
    ).toBe(false)
    expect(
      (await bed.engine.verifyCode({ code: await totpCodeAt(newSecret, bed.clock.t) })).ok,
    ).toBe(true)
  })

  it('a failure mid-enrollment leaves no half state', async () => {
    // The same store, with a switch that makes audit writes inside transactions fail.
    const fault = { on: false }
    const store = bed.store
    const faulty = {
      ...store,
      transaction: <T>(fn: (tx: TxRepos) => Promise<T>): Promise<T> =>
        store.transaction((tx) =>
          fn({
            ...tx,
            audit: {
              ...tx.audit,
              append: async (e) => {
                if (fault.on) throw new Error('disk full')
                return tx.audit.append(e)
              },
            },
          }),
        ),
    }
    const engine = await createEngine({
      config: bed.config,
      store: faulty,
      mailer: bed.mailer,
      keyProvider: createFileKeyProvider(defaultKeyFilePath(bed.dir)),
      clock: bed.clock,
    })
    await signInByMail(bed, engine)
    const e = value(await engine.beginAppEnrollment({}))
    const code = await totpCodeAt(e.secretGroups.join(''), bed.clock.t)
    fault.on = true
    await expect(engine.confirmAppEnrollment({ code, deviceName: 'x' })).rejects.toThrow(
      'disk full',
    )
    expect(await store.apps.get(1)).toBeUndefined()
    expect((await store.audit.list()).map((a) => a.event)).not.toContain('app-enrolled')
    fault.on = false
    value(await engine.confirmAppEnrollment({ code, deviceName: 'x' }))
    expect((await store.apps.get(1))?.deviceName).toBe('x')
  })

  it('removes the app with a notice; the next sign-in uses an e-mailed code', async () => {
    await signInByMail(bed)
    await enroll(bed)
    const factors = value(await bed.engine.removeApp({}))
    expect(factors.app).toBeNull()
    expect(await bed.engine.removeApp({})).toEqual({
      ok: false,
      error: { code: 'APP_NOT_ENROLLED' },
    })
    value(await bed.engine.signOut({}))
    expect(value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe(
      'email',
    )
    expect((await bed.smtp.find(EMAIL, 'supprimée')).text).toContain('code reçu par e-mail')
    const audit = (await bed.store.audit.list()).map((a) => a.event)
    expect(audit).toContain('app-enrolled')
    expect(audit).toContain('app-removed')
  })

  it('keeps TOTP secrets encrypted at rest', async () => {
    await signInByMail(bed)
    const secret = await enroll(bed)
    const bytes = await bed.bytesAtRest()
    // the check itself sees the account's rows
    expect(bytes.includes(Buffer.from(EMAIL))).toBe(true)
    expect(bytes.includes(Buffer.from(secret))).toBe(false)
  })

  it('policy first-sign-in-only: enroll before home', async () => {
    const { engine, close } = await bed.reopen({ policy: { emailCode: 'first-sign-in-only' } })
    value(await engine.signIn({ email: EMAIL, password: PASSWORD }))
    const session = value(await engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    expect(session.mustEnroll).toBe(true)
    expect(await engine.removeApp({})).toEqual({
      ok: false,
      error: { code: 'ENROLLMENT_REQUIRED' },
    })
    expect(value(await engine.getStatus({})).session?.mustEnroll).toBe(true)
    const e = value(await engine.beginAppEnrollment({}))
    value(
      await engine.confirmAppEnrollment({
        code: await totpCodeAt(e.secretGroups.join(''), bed.clock.t),
        deviceName: '',
      }),
    )
    expect(value(await engine.getStatus({})).session?.mustEnroll).toBe(false)
    await close()
  })

  it('audits each app event with its factor: enrolled (first, then replaced), a wrong code, a replayed step, removed', async () => {
    await signInByMail(bed)
    const first = await enroll(bed)
    bed.clock.advance(30_000)
    const secret = await enroll(bed, 'Nouveau téléphone')
    expect(
      (await bed.store.audit.list())
        .filter((e) => e.event === 'app-enrolled')
        .map((e) => [e.outcome, e.factor, e.detail]),
    ).toEqual([
      ['ok', 'app', null],
      ['ok', 'app', 'replaced'],
    ])
    expect(first).not.toBe(secret)
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    bed.clock.advance(30_000)
    const code = await totpCodeAt(secret, bed.clock.t)
    const wrong = code === '000000' ? '111111' : '000000'
    expect((await bed.engine.verifyCode({ code: wrong })).ok).toBe(false)
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      factor: 'app',
      detail: 'CODE_INVALID',
    })
    value(await bed.engine.verifyCode({ code }))
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect((await bed.engine.verifyCode({ code })).ok).toBe(false)
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      factor: 'app',
      detail: 'CODE_REPLAYED',
    })
    // the sign-in is still pending: the next step's code signs in, then the app goes
    bed.clock.advance(30_000)
    value(await bed.engine.verifyCode({ code: await totpCodeAt(secret, bed.clock.t) }))
    value(await bed.engine.removeApp({}))
    expect((await bed.store.audit.list()).find((e) => e.event === 'app-removed')).toMatchObject({
      event: 'app-removed',
      outcome: 'ok',
      factor: 'app',
    })
  })

  it('an enrollment is confirmed up to its 600th second, not after', async () => {
    await signInByMail(bed)
    // a step-up lasts 300 s: renewed 200 s before the end, it covers the last second
    const stepUp = async () => {
      value(await bed.engine.beginStepUp({}))
      value(await bed.engine.stepUp({ code: bed.smtp.lastCode(EMAIL) }))
    }
    const late = value(await bed.engine.beginAppEnrollment({}))
    bed.clock.advance(400_000)
    await stepUp()
    bed.clock.advance(200_001)
    expect(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(late.secretGroups.join(''), bed.clock.t),
        deviceName: 'Trop tard',
      }),
    ).toEqual({ ok: false, error: { code: 'NO_PENDING_ENROLLMENT' } })
    const onTime = value(await bed.engine.beginAppEnrollment({}))
    bed.clock.advance(400_000)
    await stepUp()
    bed.clock.advance(200_000)
    value(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(onTime.secretGroups.join(''), bed.clock.t),
        deviceName: 'Juste à temps',
      }),
    )
  })
})
