// Payload generators for the contract fuzzing: for each method, mutations of a
// valid payload (a field dropped, an unknown key, a field of the wrong type,
// huge, with control characters or lone surrogates, wrapped, nested deeply,
// prototype-pollution keys as own properties) and arbitrary values — each one
// kept only when the method's schema refuses it, so every payload is invalid
// by construction. The valid base is derived from the schema itself, so a new
// contract method is covered without editing this file.

import fc from 'fast-check'
import type { z } from 'zod'
import { methods, METHOD_NAMES, type MethodName } from '../../../src-main/contract/methods'

export type Shape = Record<string, z.ZodType>

export function shapeOf(method: MethodName): Shape {
  return (methods[method].input as unknown as { shape: Shape }).shape
}

export function isValid(method: MethodName, payload: unknown): boolean {
  return methods[method].input.safeParse(payload).success
}

/** Plausible field values; the first that a field's schema accepts becomes its valid value. */
const CANDIDATES: unknown[] = [
  'alice.martin@mairie.fr',
  'Lune-verte-escalier-42',
  '123456',
  'Clé bleue',
  '4242',
  'ABCD-EFGH-JKMN-PQRS',
  'k1',
  'fr',
  true,
  0,
]

/** A valid payload of the method, every field filled (optional ones included). */
export function validBase(method: MethodName): Record<string, unknown> {
  const base: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(shapeOf(method))) {
    const value = CANDIDATES.find((c) => schema.safeParse(c).success)
    if (value !== undefined) base[key] = value
  }
  return base
}

/** Keys a prototype-pollution payload uses; built with JSON.parse so they are own properties. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const

const POLLUTER = '{"polluted":"yes","isAdmin":true,"admin":true,"role":"it","userId":1}'

/** `base` plus a prototype-pollution key, as an own property (JSON.parse, not an object literal). */
export function withProtoKey(
  base: Record<string, unknown>,
  key: (typeof PROTO_KEYS)[number],
): Record<string, unknown> {
  const value = key === 'constructor' ? `{"prototype":${POLLUTER}}` : POLLUTER
  const members = Object.entries(base).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
  members.splice(members.length === 0 ? 0 : 1, 0, `${JSON.stringify(key)}:${value}`)
  return JSON.parse(`{${members.join(',')}}`) as Record<string, unknown>
}

/** A nested pollution value for a field: `{"__proto__":{…}}` at some depth. */
const protoValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...PROTO_KEYS), fc.integer({ min: 0, max: 3 }))
  .map(([key, depth]) => {
    let json = `{${JSON.stringify(key)}:${key === 'constructor' ? `{"prototype":${POLLUTER}}` : POLLUTER}}`
    for (let i = 0; i < depth; i++) json = `{"__proto__":${json}}`
    return JSON.parse(json) as unknown
  })

const CONTROL_CHARS = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\t',
  '\n',
  '\r',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u2028',
  '\u2029',
  '\u200b', // zero-width space
  '\u202e', // right-to-left override
  '\ufeff',
]
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude00']

const controlString = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(...CONTROL_CHARS),
    fc.string({ maxLength: 20 }),
  )
  .map(([a, c, b]) => `${a}${c}${b}`)

const loneSurrogateString = fc
  .tuple(
    fc.constantFrom('', 'alice', '1234', 'alice.martin@mairie.fr', 'Clé'),
    fc.constantFrom(...LONE_SURROGATES),
    fc.constantFrom('', '56', '@mairie.fr', 'x'),
  )
  .map(([a, s, b]) => `${a}${s}${b}`)

/** Up to ~1 MB; most are refused by size before any parsing, some (< 64 KiB) reach the schema. */
const hugeString = fc
  .tuple(
    fc.constantFrom('x', '1', 'é', '\u0000', '𝄞', '\ud800', 'a@', ' '),
    fc.oneof(fc.integer({ min: 255, max: 70_000 }), fc.integer({ min: 70_000, max: 1_000_000 })),
  )
  .map(([c, n]) => c.repeat(Math.max(1, Math.floor(n / c.length))))

/** Strings that are almost a valid value of some field (the near misses a validator must catch). */
const nearMiss = fc.constantFrom(
  '',
  ' ',
  '12345',
  '1234567',
  '12345a',
  '１２３４５６', // full-width digits
  '123 456',
  '٣٤٥٦٧٨', // Arabic-Indic digits
  'alice.martin@mairie',
  '@mairie.fr',
  'alice@@mairie.fr',
  'alice martin@mairie.fr',
  'alice.martin@mairie.fr\u0000',
  'a'.repeat(250) + '@m.fr',
  'a@' + 'a.'.repeat(130) + 'fr',
  '123',
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(1025),
  'ABCD_EFGH',
  'ABCD-EFGH-JKMN-PQRS!',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${7*7}',
  '../../etc/passwd',
)

/** Values of the wrong type for any field. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.date(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  fc.constantFrom(
    ['123456'],
    { code: '123456' },
    new String('123456'),
    new Map([['a', 1]]),
    new Set([1]),
    new Uint8Array([1, 2, 3]),
  ),
)

function nest(value: unknown, depth: number, kind: 'array' | 'object' | 'mixed'): unknown {
  let v = value
  for (let i = 0; i < depth; i++) {
    const asArray = kind === 'array' || (kind === 'mixed' && i % 2 === 0)
    v = asArray ? [v] : { a: v }
  }
  return v
}

/** Hundreds (up to a few thousand) levels of arrays or objects. */
const deepValue = (inner: unknown): fc.Arbitrary<unknown> =>
  fc
    .tuple(fc.integer({ min: 100, max: 3_000 }), fc.constantFrom('array', 'object', 'mixed'))
    .map(([depth, kind]) => nest(inner, depth, kind as 'array' | 'object' | 'mixed'))

/**
 * Payloads that expand: tiny as structured clone (IPC), huge as JSON. A sparse array of length
 * 1e8, or a chain of shared references, must be refused without being expanded.
 */
const amplifying: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 70_000, max: 2 ** 32 - 1 }).map((length) => {
    const holes: unknown[] = []
    holes.length = length
    return holes
  }),
  fc.integer({ min: 16, max: 60 }).map((levels) => {
    let shared: unknown = { v: 'x'.repeat(16) }
    for (let i = 0; i < levels; i++) shared = { a: shared, b: shared }
    return shared
  }),
  fc.constant(null).map(() => {
    const cycle: Record<string, unknown> = { code: '123456' }
    cycle['self'] = cycle
    return cycle
  }),
)

/** A bad value for one field (without the expanding ones when the payload goes out as JSON). */
function badValueOf(asJson: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: wrongType, weight: 4 },
    { arbitrary: nearMiss, weight: 3 },
    { arbitrary: controlString, weight: 3 },
    { arbitrary: loneSurrogateString, weight: 2 },
    { arbitrary: hugeString, weight: 1 },
    { arbitrary: protoValue, weight: 1 },
    { arbitrary: deepValue('123456'), weight: 1 },
    ...(asJson ? [] : [{ arbitrary: amplifying, weight: 1 }]),
  )
}

const unknownKey = fc.oneof(
  fc.constantFrom(
    ...PROTO_KEYS,
    'toString',
    'valueOf',
    'hasOwnProperty',
    'then',
    'admin',
    'userId',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'email ', 'Email', 'x'.repeat(70_000)),
)

const anythingAtAll = fc.anything({
  maxDepth: 4,
  maxKeys: 6,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
})

/**
 * Payloads the method's schema refuses: mutations of a valid payload, and arbitrary values.
 * `undefined` is left out: dispatch reads it as `{}` (a call without arguments). With `asJson`
 * (the web host), no expanding payloads: they exist only as structured clones, and
 * JSON.stringify on them runs for minutes or aborts the process (V8 "Check failed").
 */
export function invalidPayload(
  method: MethodName,
  options: { asJson?: boolean } = {},
): fc.Arbitrary<unknown> {
  const asJson = options.asJson ?? false
  const badValue = badValueOf(asJson)
  const base = validBase(method)
  const keys = Object.keys(shapeOf(method))
  const required = keys.filter((k) => !shapeOf(method)[k]!.safeParse(undefined).success)
  const field = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant(undefined)

  const mutations: fc.Arbitrary<unknown>[] = [
    // an unknown key, whatever its value
    fc.tuple(unknownKey, fc.oneof(fc.constant(true), badValue)).map(([k, v]) => {
      const p: Record<string, unknown> = { ...base }
      Object.defineProperty(p, k, {
        value: v,
        enumerable: true,
        configurable: true,
        writable: true,
      })
      return p
    }),
    // a prototype-pollution key as an own property
    fc.constantFrom(...PROTO_KEYS).map((k) => withProtoKey(base, k)),
    // the whole payload wrapped, nested deeply, or not an object at all
    fc.constantFrom([base], [[base]], [], [base, base]),
    deepValue(base),
    fc.oneof(
      fc.constantFrom(null, 0, 1, -1, true, false, '', '{}', 'null', NaN),
      fc.string({ maxLength: 40 }),
      hugeString,
      fc.bigInt(),
      fc.date(),
    ),
    ...(asJson ? [] : [amplifying]),
  ]
  if (required.length > 0) {
    // a required field dropped
    mutations.push(
      fc.constantFrom(...required).map((k) => {
        const p = { ...base }
        delete p[k]
        return p
      }),
    )
  }
  if (keys.length > 0) {
    // one field with a bad value, and sometimes a second one too
    mutations.push(
      fc.tuple(field, badValue, fc.option(fc.tuple(field, badValue))).map(([k, v, second]) => {
        const p: Record<string, unknown> = { ...base, [k as string]: v }
        if (second) p[second[0] as string] = second[1]
        return p
      }),
      // a field's value wrapped in an array or nested deeply
      fc.tuple(field, fc.integer({ min: 1, max: 500 })).map(([k, depth]) => ({
        ...base,
        [k as string]: nest(base[k as string], depth, depth % 2 === 0 ? 'array' : 'object'),
      })),
    )
  }
  return fc
    .oneof(
      { arbitrary: fc.oneof(...mutations), weight: 4 },
      { arbitrary: anythingAtAll, weight: 1 },
    )
    .filter((p) => p !== undefined && !isValid(method, p))
}

/** Method names that are not contract methods. */
export const unknownMethodName: fc.Arbitrary<unknown> = fc
  .oneof(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'valueOf',
      'hasOwnProperty',
      '__defineGetter__',
      'isPrototypeOf',
      '',
      ' ',
      'signin',
      'SIGNIN',
      'signIn ',
      ' signIn',
      'signIn\u0000',
      'sign\u200bIn',
      'verifyCode/../signIn',
      'x'.repeat(1_000_000),
    ),
    fc
      .constantFrom(...METHOD_NAMES)
      .chain((m) =>
        fc.constantFrom(m.toUpperCase(), m.toLowerCase(), `${m}s`, m.slice(0, -1), `${m}\ud800`),
      ),
    fc.string({ maxLength: 30 }),
    fc.anything({ maxDepth: 2 }),
  )
  .filter((name) => typeof name !== 'string' || !METHOD_NAMES.includes(name as MethodName))
