import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../src-main/contract/dispatch'
import { MAX_PAYLOAD_BYTES, METHOD_NAMES, type MethodName } from '../../src-main/contract/methods'
import { StoreUnavailableError } from '../../src-main/store/pg/errors'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'
import { counted, sparse } from '../support/payloads'

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

  it('answers SERVICE_UNAVAILABLE when the shared store is unreachable, not INTERNAL', async () => {
    const seen: unknown[] = []
    const api = {
      ...bed.engine,
      getStatus: async () => {
        throw new StoreUnavailableError('connection lost')
      },
    }
    expect(
      await dispatch(api, 'getStatus', {}, { onInternalError: (_m, e) => seen.push(e) }),
    ).toEqual({ ok: false, error: { code: 'SERVICE_UNAVAILABLE' } })
    expect(seen).toEqual([])
  })

  it('takes a call without a payload as one with an empty payload', async () => {
    const r = await dispatch(bed.engine, 'getStatus', undefined)
    expect(r.ok).toBe(true)
    expect(r).toEqual(await dispatch(bed.engine, 'getStatus', {}))
  })

  // The size limit (MAX_PAYLOAD_BYTES) is checked before parsing: a payload over it is refused
  // with VALIDATION naming no field. Within it, a bad `code` is refused by the parser, which
  // names the field. So the answer to verifyCode tells which check refused the payload.
  const bySize = { ok: false, error: { code: 'VALIDATION' } }
  const byParser = { ok: false, error: { code: 'VALIDATION', params: { field: 'code' } } }
  const jsonBytes = (payload: unknown): number =>
    new TextEncoder().encode(JSON.stringify(payload)).length

  it('measures a payload by its JSON in UTF-8: 64 KiB is parsed, one byte more is not', async () => {
    const fits = { code: 'x'.repeat(MAX_PAYLOAD_BYTES - '{"code":""}'.length) }
    expect(jsonBytes(fits)).toBe(MAX_PAYLOAD_BYTES)
    expect(await dispatch(bed.engine, 'verifyCode', fits)).toEqual(byParser)
    expect(await dispatch(bed.engine, 'verifyCode', { code: fits.code + 'x' })).toEqual(bySize)
    // « é » is one character, two bytes
    const accents = { code: 'é'.repeat(MAX_PAYLOAD_BYTES / 2) }
    expect(accents.code.length).toBeLessThan(MAX_PAYLOAD_BYTES)
    expect(await dispatch(bed.engine, 'verifyCode', accents)).toEqual(bySize)
  })

  it('measures what JSON keeps: what toJSON gives, no undefined, function or symbol member', async () => {
    const padding = 'x'.repeat(MAX_PAYLOAD_BYTES)
    expect(
      await dispatch(bed.engine, 'verifyCode', { code: { toJSON: () => 'abc', padding } }),
    ).toEqual(byParser)
    for (const left of [undefined, () => 0, Symbol('left out')]) {
      const code = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`m${i}`, left]))
      expect(await dispatch(bed.engine, 'verifyCode', { code })).toEqual(byParser)
    }
  })

  it('parses payloads of many small arrays up to the limit', async () => {
    const arrays = { code: Array.from({ length: 16_000 }, () => [0]) }
    expect(jsonBytes(arrays)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
    expect(await dispatch(bed.engine, 'verifyCode', arrays)).toEqual(byParser)
    expect(await dispatch(bed.engine, 'verifyCode', { code: [1, 2, 3] })).toEqual(byParser)
  })

  it('stops reading a payload as soon as what it has counted passes the limit', async () => {
    // Each value counts at least its share of the JSON (a string its length and quotes, an
    // array its brackets and commas, a key its length and `"":`, any other value one byte):
    // each payload below passes the limit by that count, and would stay well under it with
    // any one share left out. Its first element, looked at last, must not be read.
    const rows: [string, unknown[]][] = [
      ['short strings', Array<string>(20_000).fill('ab')],
      ['numbers', Array<number[]>(1_000).fill(Array<number>(40).fill(0))],
      ['dates', Array<Date[]>(1_000).fill(Array<Date>(40).fill(new Date(0)))],
      ['empty objects', Array<object[]>(1_000).fill(Array<object>(40).fill({}))],
      ['keys', Array<object[]>(500).fill(Array<object>(10).fill({ abcdefghij: 0 }))],
      ['a typed array', [new Uint8Array(8_000)]],
    ]
    for (const [what, rest] of rows) {
      const first = { reads: 0 }
      const r = await dispatch(bed.engine, 'verifyCode', { code: [counted({}, first), ...rest] })
      expect({ what, r, reads: first.reads }).toEqual({ what, r: bySize, reads: 0 })
    }
  })

  it('refuses an expanding payload after a bounded number of reads', async () => {
    // a sparse array (tiny as a structured clone) by its length alone
    const holes = { reads: 0 }
    const long = { code: counted(sparse(1_000_000), holes) }
    expect(await dispatch(bed.engine, 'verifyCode', long)).toEqual(bySize)
    expect(holes.reads).toBeLessThan(10)
    // a wide object: each key counts at least 4 bytes, so at most one read per 4 bytes
    const members = { reads: 0 }
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`m${i}`, 0]))
    expect(await dispatch(bed.engine, 'verifyCode', { code: counted(wide, members) })).toEqual(
      bySize,
    )
    expect(members.reads).toBeLessThan(MAX_PAYLOAD_BYTES / 4 + 10)
  })

  it('refuses a payload that throws when read, and lets nothing thrown escape', async () => {
    const payload = {
      get code(): string {
        throw new Error('read')
      },
    }
    expect(await dispatch(bed.engine, 'verifyCode', payload)).toEqual(bySize)
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
