// Recovery codes as DESIGN.md writes them: 10 codes of 16 characters of
// Crockford's base32 (80 bits), shown XXXX-XXXX-XXXX-XXXX, read back in any
// case, with or without dashes and spaces, O as 0 and I or L as 1. Written
// for the mutation run (issue 18): src-main/engine/recovery-codes.ts had no
// test of its own, only sign-ins that use a code as it was issued.

import { describe, expect, it } from 'vitest'
import {
  newRecoveryCode,
  newRecoveryCodes,
  normalizeRecoveryCode,
} from '../../src-main/engine/recovery-codes'

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const SHOWN = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/

describe('recovery codes', () => {
  it('are shown as four groups of four Crockford characters', () => {
    for (let i = 0; i < 50; i++) expect(newRecoveryCode()).toMatch(SHOWN)
  })

  it('draw on all 32 characters of the alphabet (80 bits a code)', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) for (const c of newRecoveryCode().replace(/-/g, '')) seen.add(c)
    expect([...seen].sort().join('')).toBe(CROCKFORD)
  })

  it('come ten at a time, all different', () => {
    const codes = newRecoveryCodes()
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const c of codes) expect(c).toMatch(SHOWN)
  })

  it('read back as issued, and as their 16 characters without dashes', () => {
    const code = newRecoveryCode()
    expect(normalizeRecoveryCode(code)).toBe(code.replace(/-/g, ''))
  })

  it('read back in lower case, with spaces, tabs or no separators', () => {
    expect(normalizeRecoveryCode('abcd-efgh-jkmn-pqrs')).toBe('ABCDEFGHJKMNPQRS')
    expect(normalizeRecoveryCode(' abcd efgh\tjkmn pqrs ')).toBe('ABCDEFGHJKMNPQRS')
    expect(normalizeRecoveryCode('ABCDEFGHJKMNPQRS')).toBe('ABCDEFGHJKMNPQRS')
    expect(normalizeRecoveryCode('ab-cd--ef gh-jk mn-pq rs')).toBe('ABCDEFGHJKMNPQRS')
  })

  it('read O as 0 and I or L as 1, in either case', () => {
    expect(normalizeRecoveryCode('oOoO-iIlL-0000-1111')).toBe('0000111100001111')
  })

  it('refuse what cannot be a code: wrong length, or a letter outside the alphabet', () => {
    expect(normalizeRecoveryCode('ABCD-EFGH-JKMN-PQR')).toBeUndefined()
    expect(normalizeRecoveryCode('ABCD-EFGH-JKMN-PQRST')).toBeUndefined()
    expect(normalizeRecoveryCode('')).toBeUndefined()
    expect(normalizeRecoveryCode('ABCD-EFGH-JKMN-PQRU')).toBeUndefined()
    expect(normalizeRecoveryCode('ABCD-EFGH-JKMN-PQR!')).toBeUndefined()
    expect(normalizeRecoveryCode('ABCD_EFGH_JKMN_PQRS')).toBeUndefined()
  })
})
