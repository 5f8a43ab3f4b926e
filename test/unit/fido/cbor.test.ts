import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src-main/fido/protocol/bytes'
import {
  CborError,
  decodeAuthenticatorCbor,
  decodeAuthenticatorCborPrefix,
  decodeCbor,
  decodeCborPrefix,
  encodeCbor,
} from '../../../src-main/fido/protocol/cbor'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import { hex } from './helpers'

describe('CTAP2 canonical CBOR (CTAP 2.1 §8)', () => {
  it('sorts integer keys by major type, then length, then value', () => {
    const map = new Map<CborKey, CborValue>([
      [-1, 1],
      [24, 2],
      [3, 3],
      [1, 4],
      [-25, 5],
    ])
    // 1, 3 (major 0, one byte), 24 (major 0, two bytes), -1 (major 1), -25 (major 1, two bytes)
    expect(toHex(encodeCbor(map))).toBe('a5' + '0104' + '0303' + '181802' + '2001' + '381805')
  })

  it('sorts text keys shorter first, then bytewise', () => {
    const map = new Map<CborKey, CborValue>([
      ['type', 'public-key'],
      ['alg', -7],
      ['id', new Uint8Array(0)],
    ])
    expect(toHex(encodeCbor(map))).toBe(
      'a3' + '626964' + '40' + '63616c67' + '26' + '6474797065' + '6a7075626c69632d6b6579',
    )
  })

  it('decodes maps as Maps with their integer keys', () => {
    const value = decodeCbor(hex('a2 01 63 616263 02 42 0102'))
    expect(value).toEqual(
      new Map<CborKey, CborValue>([
        [1, 'abc'],
        [2, Uint8Array.of(1, 2)],
      ]),
    )
  })

  it.each([
    ['an integer in a longer form than needed', '1801'],
    ['a length in a longer form than needed', '580100'],
    ['map keys out of order', 'a2 02 00 01 00'],
    ['text keys out of order', 'a2 6474797065 00 63616c67 00'],
    ['duplicate map keys', 'a2 01 00 01 00'],
    ['an indefinite-length array', '9f 01 ff'],
    ['an indefinite-length byte string', '5f 41 00 ff'],
    ['a tag', 'c1 1a 00000000'],
    ['undefined', 'f7'],
    ['a float that fits a shorter form', 'fb 3ff0000000000000'],
    ['trailing bytes', '01 02'],
    ['a truncated string', '63 6162'],
    ['a truncated map', 'a2 01 02'],
    ['nothing at all', ''],
    ['a reserved additional-information value', '1c'],
  ])('rejects %s', (_, bytes) => {
    expect(() => decodeCbor(hex(bytes))).toThrow(CborError)
  })

  it('decodes a prefix and returns the rest (authenticator data credential keys)', () => {
    const { value, rest } = decodeCborPrefix(hex('a1 01 02 ffee'))
    expect(value).toEqual(new Map([[1, 2]]))
    expect(rest).toEqual(hex('ffee'))
    expect(() => decodeCborPrefix(hex('a2 02 00 01 00 ff'))).toThrow(CborError)
  })

  it('encodes then decodes to the same value', () => {
    const value = new Map<CborKey, CborValue>([
      [1, [true, false, null, 'é', -1000000, 4294967296]],
      [2, new Map<CborKey, CborValue>([['x', new Uint8Array(300)]])],
    ])
    expect(decodeCbor(encodeCbor(value))).toEqual(value)
  })
})

/**
 * What authenticators send (CTAP2 responses, authenticator data): CTAP 2.1 §8 asks them for the
 * canonical form, but heads (integers, lengths, counts) in a longer form than needed are read as
 * libfido2 reads them; everything else that §8 forbids stays refused (see cbor.ts).
 */
describe('CBOR from an authenticator (CTAP 2.1 §8, read as libfido2 does)', () => {
  it.each([
    ['an integer in a longer form than needed', '1801', 1],
    ['an integer in a 2-byte form for a 1-byte value', '1900ff', 255],
    ['a negative integer in a longer form', '3900 00', -1],
    ['a 64-bit form for a small integer', '1b 0000000000000005', 5],
    ['a byte-string length in a longer form', '590002 0102', Uint8Array.of(1, 2)],
    ['a text length in a 4-byte form', '7a00000001 61', 'a'],
    ['an array count in a longer form', '9800', []],
  ])('accepts %s', (_, bytes, value) => {
    expect(() => decodeCbor(hex(bytes))).toThrow(CborError)
    expect(decodeAuthenticatorCbor(hex(bytes))).toEqual(value)
  })

  it('accepts longer forms inside maps, for keys, counts and values, and reads the same values', () => {
    // map(2) written b9 0002; key 1 written 18 01; authData-like bytes 59 0003
    const long = hex('b9 0002 1801 590003 aabbcc 02 a1 6269 64 1820')
    const short = hex('a2 01 43 aabbcc 02 a1 6269 64 1820')
    expect(decodeAuthenticatorCbor(long)).toEqual(decodeCbor(short))
  })

  it.each([
    ['map keys out of order', 'a2 02 00 01 00'],
    ['map keys out of order once their longer forms are read', 'a2 1802 00 01 00'],
    ['text keys out of order', 'a2 6474797065 00 63616c67 00'],
    ['duplicate map keys', 'a2 01 00 01 00'],
    ['duplicate map keys, one in a longer form', 'a2 01 00 1801 00'],
    ['an indefinite-length array', '9f 01 ff'],
    ['an indefinite-length byte string', '5f 41 00 ff'],
    ['an indefinite-length map', 'bf 01 00 ff'],
    ['a tag', 'c1 1a 00000000'],
    ['undefined', 'f7'],
    ['a float that fits a shorter form', 'fb 3ff0000000000000'],
    ['trailing bytes', '01 02'],
    ['a length longer than what follows', '5900ff 00'],
    ['a truncated map', 'a2 01 02'],
    ['nothing at all', ''],
    ['a reserved additional-information value', '1c'],
  ])('still rejects %s', (_, bytes) => {
    expect(() => decodeAuthenticatorCbor(hex(bytes))).toThrow(CborError)
  })

  it('decodes a prefix in a longer form and returns the rest (authenticator data)', () => {
    const { value, rest } = decodeAuthenticatorCborPrefix(hex('b90001 1801 1902 00 ffee'))
    expect(value).toEqual(new Map([[1, 512]]))
    expect(rest).toEqual(hex('ffee'))
    expect(() => decodeAuthenticatorCborPrefix(hex('a2 02 00 01 00 ff'))).toThrow(CborError)
  })
})
