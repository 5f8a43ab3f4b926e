/**
 * CTAP2 canonical CBOR (CTAP 2.1 §8 "Message Encoding", "CTAP2 canonical CBOR encoding form").
 *
 * Encoding: cborg's default map ordering (major type first, then shorter key first, then bytewise)
 * is exactly the CTAP2 canonical order; integers and lengths are always shortest form.
 * Decoding (decodeCbor) is strict: shortest-form integers, no indefinite lengths, no tags, no
 * undefined, no duplicate keys, no trailing bytes; and the input must re-encode to the same bytes,
 * which also rejects out-of-order map keys and non-minimal floats. The software key reads what
 * hosts send this way.
 *
 * What an authenticator sent (decodeAuthenticatorCbor: CTAP2 responses, authenticator data) is
 * read with one allowance: an integer or a length written in a longer form than needed (`59 00c4`
 * for `58 c4`). §8 requires the shortest form from authenticators, but keys in the field and the
 * specification's own examples have sent longer ones, and reading them changes no value:
 * libfido2 reads them (libcbor takes any width; it checks only the order and uniqueness of map
 * keys and definite lengths), python-fido2's decoder reads them too (its Ctap2 `strict_cbor`
 * option, on by default, refuses them but exists to be turned off for such keys). Everything
 * that could make two readers see different values is still refused: indefinite lengths,
 * duplicate or out-of-order map keys (as libfido2 does), tags, undefined, non-minimal floats,
 * trailing bytes.
 */
import { decode, decodeFirst, encode } from 'cborg'
import type { DecodeOptions } from 'cborg'
import { bytesEqual, concatBytes } from './bytes'
import { FidoProtocolError } from './errors'

export type CborKey = number | string
export type CborValue =
  number | string | boolean | null | Uint8Array | CborValue[] | Map<CborKey, CborValue>

const STRICT_DECODE: DecodeOptions = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
  useMaps: true,
}

/** STRICT_DECODE without the shortest-form check of integers and lengths (checked on the side). */
const AUTHENTICATOR_DECODE: DecodeOptions = { ...STRICT_DECODE, strict: false }

export class CborError extends FidoProtocolError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options)
    this.name = 'CborError'
  }
}

export function encodeCbor(value: CborValue): Uint8Array {
  return encode(value)
}

/** Decodes one canonical CBOR item that spans the whole input. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  let value: CborValue
  try {
    value = decode(bytes, STRICT_DECODE) as CborValue
  } catch (error) {
    throw new CborError(`malformed CBOR: ${(error as Error).message}`, { cause: error })
  }
  assertCanonical(value, bytes)
  return value
}

/** Decodes one canonical CBOR item at the start of the input; returns it and the bytes after it. */
export function decodeCborPrefix(bytes: Uint8Array): { value: CborValue; rest: Uint8Array } {
  let value: CborValue
  let rest: Uint8Array
  try {
    ;[value, rest] = decodeFirst(bytes, STRICT_DECODE) as [CborValue, Uint8Array]
  } catch (error) {
    throw new CborError(`malformed CBOR: ${(error as Error).message}`, { cause: error })
  }
  assertCanonical(value, bytes.subarray(0, bytes.length - rest.length))
  return { value, rest }
}

/**
 * Decodes one CBOR item that an authenticator sent and that spans the whole input: canonical
 * but for integers and lengths in a longer form than needed (see the header).
 */
export function decodeAuthenticatorCbor(bytes: Uint8Array): CborValue {
  let value: CborValue
  try {
    value = decode(bytes, AUTHENTICATOR_DECODE) as CborValue
  } catch (error) {
    throw new CborError(`malformed CBOR: ${(error as Error).message}`, { cause: error })
  }
  assertCanonical(value, shortestHeads(bytes))
  return value
}

/** decodeAuthenticatorCbor for an item at the start of the input; returns it and what follows. */
export function decodeAuthenticatorCborPrefix(bytes: Uint8Array): {
  value: CborValue
  rest: Uint8Array
} {
  let value: CborValue
  let rest: Uint8Array
  try {
    ;[value, rest] = decodeFirst(bytes, AUTHENTICATOR_DECODE) as [CborValue, Uint8Array]
  } catch (error) {
    throw new CborError(`malformed CBOR: ${(error as Error).message}`, { cause: error })
  }
  assertCanonical(value, shortestHeads(bytes.subarray(0, bytes.length - rest.length)))
  return { value, rest }
}

/**
 * The same CBOR item with every head's argument (an integer, a length, a count, a tag number)
 * written in its shortest form (RFC 8949 §3); floats and simple values are copied as they are.
 * Only well-formed definite-length input reaches here (the decoder has read it first).
 */
function shortestHeads(bytes: Uint8Array): Uint8Array {
  const out: Uint8Array[] = []
  let offset = 0
  const argument = (ai: number): bigint => {
    const width = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : -1
    if (width < 0) throw new CborError('CBOR head not allowed here')
    if (offset + width > bytes.length) throw new CborError('truncated CBOR head')
    let value = 0n
    for (let i = 0; i < width; i += 1) value = (value << 8n) | BigInt(bytes[offset + i] ?? 0)
    offset += width
    return value
  }
  const head = (major: number, value: bigint): void => {
    const m = major << 5
    if (value < 24n) {
      out.push(Uint8Array.of(m | Number(value)))
      return
    }
    const width = value < 0x100n ? 1 : value < 0x10000n ? 2 : value < 0x100000000n ? 4 : 8
    const encoded = new Uint8Array(1 + width)
    encoded[0] = m | (width === 1 ? 24 : width === 2 ? 25 : width === 4 ? 26 : 27)
    for (let i = 0; i < width; i += 1) {
      encoded[width - i] = Number((value >> BigInt(8 * i)) & 0xffn)
    }
    out.push(encoded)
  }
  const item = (): void => {
    const initial = bytes[offset]
    if (initial === undefined) throw new CborError('truncated CBOR')
    offset += 1
    const major = initial >> 5
    const ai = initial & 0x1f
    if (major === 7) {
      // simple values and floats: their width is part of their value
      const width = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0
      if (ai > 27) throw new CborError('CBOR head not allowed here')
      if (offset + width > bytes.length) throw new CborError('truncated CBOR')
      out.push(bytes.subarray(offset - 1, offset + width))
      offset += width
      return
    }
    const value = ai < 24 ? BigInt(ai) : argument(ai)
    head(major, value)
    if (major === 2 || major === 3) {
      const end = offset + Number(value)
      if (value > BigInt(bytes.length) || end > bytes.length) throw new CborError('truncated CBOR')
      out.push(bytes.subarray(offset, end))
      offset = end
    } else if (major === 4 || major === 5) {
      const count = major === 5 ? value * 2n : value
      for (let i = 0n; i < count; i += 1n) item()
    } else if (major === 6) {
      item()
    }
  }
  item()
  if (offset !== bytes.length) throw new CborError('trailing bytes after CBOR item')
  return concatBytes(...out)
}

function assertCanonical(value: CborValue, bytes: Uint8Array): void {
  let again: Uint8Array
  try {
    again = encode(value)
  } catch (error) {
    throw new CborError('CBOR value cannot be re-encoded', { cause: error })
  }
  if (!bytesEqual(again, bytes)) throw new CborError('CBOR is not in CTAP2 canonical form')
}

// Typed accessors: the authenticator's maps are untrusted, so every read checks the type.

export function asMap(value: CborValue | undefined, what: string): Map<CborKey, CborValue> {
  if (!(value instanceof Map)) throw new CborError(`${what}: expected a CBOR map`)
  return value
}

export function getBytes(map: Map<CborKey, CborValue>, key: CborKey, what: string): Uint8Array {
  const value = map.get(key)
  if (!(value instanceof Uint8Array)) throw new CborError(`${what}: expected a byte string`)
  return value
}

export function getOptionalBytes(
  map: Map<CborKey, CborValue>,
  key: CborKey,
  what: string,
): Uint8Array | undefined {
  return map.has(key) ? getBytes(map, key, what) : undefined
}

export function getText(map: Map<CborKey, CborValue>, key: CborKey, what: string): string {
  const value = map.get(key)
  if (typeof value !== 'string') throw new CborError(`${what}: expected a text string`)
  return value
}

export function getOptionalText(
  map: Map<CborKey, CborValue>,
  key: CborKey,
  what: string,
): string | undefined {
  return map.has(key) ? getText(map, key, what) : undefined
}

export function getInt(map: Map<CborKey, CborValue>, key: CborKey, what: string): number {
  const value = map.get(key)
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new CborError(`${what}: expected an integer`)
  }
  return value
}

export function getOptionalInt(
  map: Map<CborKey, CborValue>,
  key: CborKey,
  what: string,
): number | undefined {
  return map.has(key) ? getInt(map, key, what) : undefined
}

export function getOptionalBool(
  map: Map<CborKey, CborValue>,
  key: CborKey,
  what: string,
): boolean | undefined {
  if (!map.has(key)) return undefined
  const value = map.get(key)
  if (typeof value !== 'boolean') throw new CborError(`${what}: expected a boolean`)
  return value
}

export function getOptionalMap(
  map: Map<CborKey, CborValue>,
  key: CborKey,
  what: string,
): Map<CborKey, CborValue> | undefined {
  return map.has(key) ? asMap(map.get(key), what) : undefined
}

export function getOptionalArray(
  map: Map<CborKey, CborValue>,
  key: CborKey,
  what: string,
): CborValue[] | undefined {
  if (!map.has(key)) return undefined
  const value = map.get(key)
  if (!Array.isArray(value)) throw new CborError(`${what}: expected an array`)
  return value
}
