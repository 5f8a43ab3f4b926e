// Contract fuzzing: at least 10,000 generated payloads a run (GUICHET_FUZZ_RUNS
// raises it for the soak run), every one invalid by construction, sent through
// `dispatch` — the one validation path of the IPC binding and the web host —
// against a real engine on a real SQLite store with a clerk signed in. Each
// must come back as `{ ok: false, error: { code: 'VALIDATION' } }` (or
// UNKNOWN_METHOD for names outside the contract), with nothing thrown, no
// unhandled rejection, no prototype polluted, and the store, the mail and the
// session exactly as before.

import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../src-main/contract/dispatch'
import { ERROR_CODES, type ErrorCode } from '../../../src-main/contract/errors'
import { METHOD_NAMES, type MethodName } from '../../../src-main/contract/methods'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../../support/env'
import {
  invalidPayload,
  isValid,
  shapeOf,
  unknownMethodName,
  validBase,
  withProtoKey,
} from './payloads'
import {
  pollutedMarkers,
  prototypeFingerprint,
  snapshotStore,
  type StoreSnapshot,
} from './snapshot'

const EMAIL = 'alice.martin@mairie.fr'
const TOTAL = Math.max(10_000, Number(process.env['GUICHET_FUZZ_RUNS'] ?? 10_000))
const PER_METHOD = Math.ceil(TOTAL / METHOD_NAMES.length)
const UNKNOWN_METHOD_RUNS = Math.max(1_000, Math.ceil(TOTAL / 10))
const SEED = process.env['GUICHET_FUZZ_SEED'] ? Number(process.env['GUICHET_FUZZ_SEED']) : undefined

type Envelope =
  { ok: true; value: unknown } | { ok: false; error: { code: string; params?: object } }

describe('contract fuzzing through dispatch', () => {
  let bed: TestBed
  let storeBefore: StoreSnapshot
  let statusBefore: unknown
  let mailsBefore: number
  const protoBefore = prototypeFingerprint()
  const rejections: unknown[] = []
  const internalErrors: unknown[] = []
  const onRejection = (reason: unknown): void => {
    rejections.push(reason)
  }
  const histogram = new Map<string, number>()
  let sent = 0
  let namedField = 0
  let started = 0

  /** Sends one payload, counts it, and checks the envelope is a well-formed refusal. */
  async function send(method: unknown, payload: unknown): Promise<Envelope> {
    const r = (await dispatch(bed.engine, method, payload, {
      onInternalError: (_m, error) => internalErrors.push(error),
    })) as Envelope
    sent++
    const code = r.ok ? 'ok' : r.error.code
    histogram.set(code, (histogram.get(code) ?? 0) + 1)
    if (r.ok) throw new Error(`${String(method)} accepted a malformed payload`)
    expect(ERROR_CODES).toContain(r.error.code as ErrorCode)
    expect(Object.keys(r)).toEqual(['ok', 'error'])
    return r
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection)
    bed = await startBed()
    await addUser(bed.store, EMAIL)
    // A clerk is signed in: a payload that slipped through would reach real work.
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    storeBefore = await snapshotStore(bed.store)
    statusBefore = value(await bed.engine.getStatus({}))
    mailsBefore = bed.smtp.mails.length
    started = performance.now()
  })

  afterAll(async () => {
    process.off('unhandledRejection', onRejection)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const byCode = [...histogram].map(([code, n]) => `${code} ${n}`).join(', ')
    console.log(
      `[fuzz] contract: ${sent} payloads through dispatch (${METHOD_NAMES.length} methods × ${PER_METHOD} invalid + ${UNKNOWN_METHOD_RUNS} unknown names + fixed cases) in ${seconds} s; errors by code: ${byCode} (VALIDATION naming a field: ${namedField}, the rest refused by shape or size before any field)`,
    )
    await bed?.close()
  })

  it('derives a valid payload for every method from its schema (the base the mutations start from)', () => {
    for (const method of METHOD_NAMES) {
      expect({ method, valid: isValid(method, validBase(method)) }).toEqual({ method, valid: true })
    }
  })

  it('keeps prototype-pollution keys as own properties of the payload', () => {
    const p = withProtoKey({ code: '123456' }, '__proto__')
    expect(Object.keys(p)).toEqual(['code', '__proto__'])
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype)
  })

  for (const method of METHOD_NAMES) {
    it(`${method}: ${PER_METHOD} invalid payloads, each refused with VALIDATION`, async () => {
      const fields = Object.keys(shapeOf(method))
      await fc.assert(
        fc.asyncProperty(invalidPayload(method as MethodName), async (payload) => {
          const r = await send(method, payload)
          if (r.ok) return
          expect(r.error.code).toBe('VALIDATION')
          const params = r.error.params as { field?: string } | undefined
          if (!params) return
          namedField++
          // the answer names a field of the schema, never echoes the payload
          expect(Object.keys(params)).toEqual(['field'])
          expect(fields).toContain(params.field?.split('.')[0])
        }),
        { numRuns: PER_METHOD, ...(SEED !== undefined ? { seed: SEED } : {}) },
      )
      expect(await snapshotStore(bed.store)).toEqual(storeBefore)
      expect(bed.smtp.mails.length).toBe(mailsBefore)
    })
  }

  it(`${UNKNOWN_METHOD_RUNS} names outside the contract, each refused with UNKNOWN_METHOD`, async () => {
    const anyPayload = fc.oneof(
      fc.constant({}),
      fc.constantFrom(...METHOD_NAMES).map((m) => validBase(m)),
      fc.anything({ maxDepth: 2 }),
    )
    await fc.assert(
      fc.asyncProperty(unknownMethodName, anyPayload, async (name, payload) => {
        const r = await send(name, payload)
        expect(r).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD' } })
      }),
      { numRuns: UNKNOWN_METHOD_RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    )
  })

  it('refuses prototype-pollution payloads on every method, for every key, and pollutes nothing', async () => {
    for (const method of METHOD_NAMES) {
      for (const key of ['__proto__', 'constructor', 'prototype'] as const) {
        const r = await send(method, withProtoKey(validBase(method), key))
        expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
        const nested = JSON.parse(
          `{"a":{"${key}":{"polluted":"yes"}},"${key}":{"${key}":{"isAdmin":true}}}`,
        ) as unknown
        expect((await send(method, nested)).ok).toBe(false)
      }
    }
    expect(pollutedMarkers()).toEqual([])
  })

  it('leaves the store, the mail, the session and the prototypes exactly as before', async () => {
    expect(sent).toBeGreaterThanOrEqual(TOTAL)
    expect(histogram.get('ok')).toBeUndefined()
    expect(await snapshotStore(bed.store)).toEqual(storeBefore)
    expect(bed.smtp.mails.length).toBe(mailsBefore)
    expect(value(await bed.engine.getStatus({}))).toEqual(statusBefore)
    expect(prototypeFingerprint()).toEqual(protoBefore)
    expect(pollutedMarkers()).toEqual([])
    expect(internalErrors).toEqual([])
    // give any stray promise a turn to reject before looking
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(rejections).toEqual([])
    // and the engine still works: a valid call after the storm
    expect(value(await bed.engine.listFactors({})).email).toBe(EMAIL)
  })
})
