/**
 * CTAP2 canonical CBOR (CTAP 2.1 §8 "Message Encoding", "CTAP2 canonical CBOR encoding form").
 *
 * Encoding: cborg's default map ordering (major type first, then shorter key first, then bytewise)
 * is exactly the CTAP2 canonical order; integers and lengths are always shortest form.
 * Decoding is strict: shortest-form integers, no indefinite lengths, no tags, no undefined,
 * no duplicate keys, no trailing bytes; and the input must re-encode to the same bytes, which
 * also rejects out-of-order map keys and non-minimal floats.
 */
import { decode, decodeFirst, encode } from 'cborg'
import type { DecodeOptions } from 'cborg'
import { bytesEqual } from './bytes'
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
