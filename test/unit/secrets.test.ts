/**
 * Sealed secrets (TOTP secrets at rest) and code MACs: a damaged, truncated or
 * foreign-format stored value is refused with a clear error, never opened.
 * Layout (DESIGN.md): version(1) ‖ iv(12) ‖ ciphertext ‖ tag(16).
 */

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { mac, macEquals, open, seal } from '../../src-main/engine/secrets'

const key = new Uint8Array(randomBytes(32))
const secret = new TextEncoder().encode('JBSWY3DPEHPK3PXP-totp-secret')

describe('sealed secrets', () => {
  it('opens what it sealed, under the same context only', () => {
    const sealed = seal(key, secret, 'app:7')
    expect(open(key, sealed, 'app:7')).toEqual(secret)
    expect(() => open(key, sealed, 'app:8')).toThrow()
  })

  it('opens an empty secret (the shortest sealed value: 1 + 12 + 16 = 29 bytes)', () => {
    const sealed = seal(key, new Uint8Array(0), 'app:7')
    expect(sealed.length).toBe(29)
    expect(open(key, sealed, 'app:7')).toEqual(new Uint8Array(0))
  })

  it('refuses a value of another format version, though its cipher text is intact', () => {
    const sealed = seal(key, secret, 'app:7')
    const other = Uint8Array.from(sealed)
    other[0] = 2
    expect(() => open(key, other, 'app:7')).toThrow('sealed value has an unknown format')
  })

  it.each([0, 1, 13, 20, 28])('refuses a value truncated to %i bytes as of unknown format', (n) => {
    const sealed = seal(key, new Uint8Array(0), 'app:7')
    expect(() => open(key, sealed.subarray(0, n), 'app:7')).toThrow(
      'sealed value has an unknown format',
    )
  })
})

describe('code MACs', () => {
  it('a stored MAC of another length compares unequal, it does not throw', () => {
    const m = mac(key, 'code', '123456')
    expect(macEquals(m, m.subarray(0, 16))).toBe(false)
    expect(macEquals(m, mac(key, 'code', '123456'))).toBe(true)
    expect(macEquals(m, mac(key, 'code', '123457'))).toBe(false)
  })
})
