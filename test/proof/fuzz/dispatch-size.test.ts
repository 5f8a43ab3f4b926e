// The size check that dispatch runs before any parsing. An Electron IPC payload
// arrives as a structured clone, which can be tiny on the wire and enormous as
// JSON: a sparse array of length 1e8 (23 bytes) or a chain of shared
// references (a few hundred bytes, 2^n as JSON). Measuring it with
// JSON.stringify froze the main process for minutes. The check must refuse
// such payloads after a bounded amount of work, and must still agree with the
// exact JSON size for everything else.

import { deserialize, serialize } from 'node:v8'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dispatch, type Api } from '../../../src-main/contract/dispatch'
import { MAX_PAYLOAD_BYTES } from '../../../src-main/contract/methods'
import { counted, sparse } from '../../support/payloads'

// Validation fails before the engine: an API whose every method fails the test if reached.
const unreachable = new Proxy({} as Api, {
  get: () => () => Promise.reject(new Error('the engine must not be reached')),
})

function sharedChain(levels: number, counter?: { reads: number }): unknown {
  let node: object = { v: 'x'.repeat(16) }
  for (let i = 0; i < levels; i++) {
    const next = { a: node, b: node }
    node = counter ? counted(next, counter) : next
  }
  return node
}

describe('dispatch size check under expanding payloads', () => {
  it('refuses a sparse array of length 1e7 after a handful of reads, not ten million', async () => {
    const counter = { reads: 0 }
    const r = await dispatch(unreachable, 'signIn', {
      email: counted(sparse(10_000_000), counter),
      password: 'x',
    })
    expect(r).toEqual({ ok: false, error: { code: 'VALIDATION' } })
    expect(counter.reads).toBeLessThan(100)
  })

  it('refuses a chain of 20 levels of shared references (2^20 copies as JSON) without expanding it', async () => {
    const counter = { reads: 0 }
    const r = await dispatch(unreachable, 'verifyCode', { code: sharedChain(20, counter) })
    expect(r).toEqual({ ok: false, error: { code: 'VALIDATION' } })
    // each level is two keys of at least 4 bytes: the 64 KiB bound is passed within ~16k reads
    expect(counter.reads).toBeLessThan(3 * (MAX_PAYLOAD_BYTES / 4))
  })

  it('refuses the same payloads after a structured-clone round trip (what Electron IPC delivers)', async () => {
    const payloads = [
      { email: sparse(100_000_000), password: 'x' },
      { email: sparse(2 ** 32 - 1), password: 'x' },
      { code: sharedChain(40) },
      [sharedChain(60)],
    ]
    for (const payload of payloads) {
      const wire = serialize(payload)
      expect(wire.length).toBeLessThan(2_000) // tiny on the wire…
      const r = await dispatch(unreachable, 'signIn', deserialize(wire))
      expect(r).toEqual({ ok: false, error: { code: 'VALIDATION' } }) // …refused by size
    }
  })

  it('refuses cycles and deep nesting by size, without a stack overflow', async () => {
    const cycle: Record<string, unknown> = {}
    cycle['self'] = cycle
    let deep: unknown = '123456'
    for (let i = 0; i < 200_000; i++) deep = [deep]
    for (const payload of [cycle, { code: deep }, [deep]]) {
      expect(await dispatch(unreachable, 'verifyCode', payload)).toEqual({
        ok: false,
        error: { code: 'VALIDATION' },
      })
    }
  })

  it('agrees with the exact JSON size near the limit, for JSON and structured-clone values', async () => {
    // verifyCode with an invalid `code`: a payload within the limit is parsed (field "code"
    // named), a larger one is refused by size (no field). So `field` tells which check ran.
    const value = fc.oneof(
      fc.jsonValue(),
      fc.anything({
        maxDepth: 3,
        withBoxedValues: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withSparseArray: true,
        withTypedArray: true,
        stringUnit: 'binary',
      }),
    )
    const near = fc.integer({ min: MAX_PAYLOAD_BYTES - 3_000, max: MAX_PAYLOAD_BYTES + 200 })
    const filler = fc.constantFrom('x', 'é', '𝄞', '\u0001', '"')
    let sides = { within: 0, over: 0 }
    await fc.assert(
      fc.asyncProperty(value, near, filler, async (v, size, ch) => {
        const code = [v, ch.repeat(Math.floor(size / (ch === '\u0001' ? 6 : ch === '"' ? 2 : 1)))]
        let bytes: number
        try {
          const json = JSON.stringify({ code })
          bytes = new TextEncoder().encode(json).length
        } catch {
          bytes = Infinity
        }
        const r = await dispatch(unreachable, 'verifyCode', { code })
        expect(r.ok).toBe(false)
        const field = r.ok ? undefined : r.error.params?.field
        if (bytes > MAX_PAYLOAD_BYTES) {
          sides = { ...sides, over: sides.over + 1 }
          expect(field).toBeUndefined()
        } else {
          sides = { ...sides, within: sides.within + 1 }
          expect(field).toBe('code')
        }
      }),
      { numRuns: 400 },
    )
    // both sides of the limit were exercised
    expect(sides.within).toBeGreaterThan(20)
    expect(sides.over).toBeGreaterThan(20)
  })
})
