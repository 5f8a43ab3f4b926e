/**
 * Recovery codes: 10 codes of 80 random bits each, written XXXX-XXXX-XXXX-XXXX
 * in Crockford's base32 alphabet (no I, L, O or U: nothing to confuse when a
 * clerk copies them by hand). Read back leniently: any case, with or without
 * dashes and spaces, O read as 0 and I or L as 1.
 */

import { randomInt } from 'node:crypto'

export const RECOVERY_CODE_COUNT = 10
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const LENGTH = 16 // 16 × 5 bits = 80 bits

export function newRecoveryCode(): string {
  let raw = ''
  for (let i = 0; i < LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)]
  return raw.match(/.{4}/g)!.join('-')
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
}

/** The canonical 16 characters, or undefined when this cannot be a recovery code. */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const s = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  if (s.length !== LENGTH) return undefined
  for (const c of s) if (!ALPHABET.includes(c)) return undefined
  return s
}
