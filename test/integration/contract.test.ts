import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../src-main/contract/dispatch'
import { METHOD_NAMES, type MethodName } from '../../src-main/contract/methods'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'

describe('bad input gets a typed error and changes nothing', () => {
  let bed: TestBed
  beforeAll(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterAll(() => bed.close())

  const bad: [string, unknown][] = [
    ['signIn', { email: 42, password: PASSWORD }],
    ['signIn', { email: EMAIL }],
    ['signIn', { email: '', password: PASSWORD }],
    ['signIn', { email: 'not-an-address', password: PASSWORD }],
    ['signIn', { email: 'a@b@c.fr', password: PASSWORD }],
    ['signIn', { email: 'x'.repeat(1_000_000) + '@mairie.fr', password: PASSWORD }],
    ['signIn', { email: EMAIL, password: 'x'.repeat(1_000_000) }],
    ['signIn', { email: EMAIL, password: '' }],
    ['signIn', { email: 'al\u0000ice@mairie.fr', password: PASSWORD }],
    ['signIn', { email: EMAIL, password: PASSWORD, extra: true }],
    ['signIn', JSON.parse('{"email":"a@b.fr","password":"p","__proto__":{"admin":true}}')],
    ['signIn', null],
    ['signIn', 'text'],
    ['signIn', [EMAIL, PASSWORD]],
    ['verifyCode', { code: '12345a' }],
    ['verifyCode', { code: '1234567' }],
    ['verifyCode', { code: 123456 }],
    ['verifyCode', { code: '12345' }],
    ['verifyCode', { code: '１２３４５６' }],
    ['confirmAppEnrollment', { code: '123456', deviceName: 'a\u0007b' }],
    ['confirmAppEnrollment', { code: '123456', deviceName: 'x'.repeat(65) }],
    ['beginSetup', { email: EMAIL, name: '', password: PASSWORD }],
    // bidi override, isolates, zero-width characters in every name field (issue 13)
    ['beginSetup', { email: EMAIL, name: 'Alice \u202Enitram', password: PASSWORD }],
    ['beginSetup', { email: EMAIL, name: 'Service\u200Binformatique', password: PASSWORD }],
    ['confirmSetup', { code: '123456', deviceName: 'Téléphone \u202Egpj.exe' }],
    ['confirmAppEnrollment', { code: '123456', deviceName: 'Mon\u2066 téléphone\u2069' }],
    ['confirmAppEnrollment', { code: '123456', deviceName: '\uFEFFTéléphone' }],
    ['registerKey', { name: 'Clé \u202Ebureau' }],
    ['registerKey', { name: 'Clé\u200Dbureau' }],
    ['registerKey', { name: 'Clé\u200Ebureau' }],
    ['getStatus', { anything: 1 }],
  ]

  it.each(bad)('%s %#', async (method, payload) => {
    const before = await readFile(join(bed.dir, 'guichet.sqlite'))
    const r = await dispatch(bed.engine, method, payload)
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(await readFile(join(bed.dir, 'guichet.sqlite'))).toEqual(before)
    expect(bed.smtp.mails).toHaveLength(0)
    expect(await bed.store.audit.list()).toHaveLength(0)
  })

  it('names the offending field', async () => {
    expect(await dispatch(bed.engine, 'verifyCode', { code: 'abc' })).toEqual({
      ok: false,
      error: { code: 'VALIDATION', params: { field: 'code' } },
    })
  })

  it('refuses unknown methods and prototype names', async () => {
    for (const m of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 42, null]) {
      expect(await dispatch(bed.engine, m, {})).toEqual({
        ok: false,
        error: { code: 'UNKNOWN_METHOD' },
      })
    }
  })

  it('turns an unexpected error into INTERNAL and reports it', async () => {
    const seen: unknown[] = []
    const api = {
      ...bed.engine,
      getStatus: async () => {
        throw new Error('boom')
      },
    }
    expect(
      await dispatch(api, 'getStatus', {}, { onInternalError: (_m, e) => seen.push(e) }),
    ).toEqual({ ok: false, error: { code: 'INTERNAL' } })
    expect(seen).toHaveLength(1)
  })

  it('normalises the address (case, spaces) before use', async () => {
    const r = await dispatch(bed.engine, 'signIn', {
      email: '  Alice.MARTIN@mairie.fr ',
      password: PASSWORD,
    })
    expect(r.ok).toBe(true)
    value(await bed.engine.cancelSignIn({}))
  })

  it('every method answers an empty payload with its own result, never a throw', async () => {
    // No session, no pending sign-in: what each method says to `{}`.
    const expected: Record<MethodName, string> = {
      getStatus: 'ok',
      beginSetup: 'VALIDATION',
      confirmSetup: 'VALIDATION',
      signIn: 'VALIDATION',
      resendCode: 'NO_PENDING_SIGN_IN',
      verifyCode: 'VALIDATION',
      cancelSignIn: 'ok',
      signOut: 'ok',
      stillHere: 'NOT_SIGNED_IN',
      setLanguage: 'VALIDATION',
      listFactors: 'NOT_SIGNED_IN',
      beginAppEnrollment: 'NOT_SIGNED_IN',
      confirmAppEnrollment: 'VALIDATION',
      removeApp: 'NOT_SIGNED_IN',
      registerKey: 'VALIDATION',
      removeKey: 'VALIDATION',
      signInWithKey: 'NO_PENDING_SIGN_IN',
      // `pin` may be left out where the platform takes it; here the kiosk does
      signInPasswordless: 'FIDO_PIN_REQUIRED',
      choosePasswordlessAccount: 'VALIDATION',
      cancelKeyOperation: 'ok',
      inspectKey: 'NOT_SIGNED_IN',
      setKeyPin: 'VALIDATION',
      changeKeyPin: 'VALIDATION',
      useRecoveryCode: 'VALIDATION',
      issueRecoveryCodes: 'NOT_SIGNED_IN',
      changePassword: 'VALIDATION',
      beginAddressChange: 'VALIDATION',
      confirmAddressChange: 'VALIDATION',
      beginStepUp: 'NOT_SIGNED_IN',
      stepUp: 'VALIDATION',
      stepUpWithKey: 'NOT_SIGNED_IN',
    }
    const answers: Record<string, string> = {}
    for (const m of METHOD_NAMES) {
      const r = await dispatch(bed.engine, m, {})
      answers[m] = r.ok ? 'ok' : r.error.code
    }
    expect(answers).toEqual(expected)
  })
})
