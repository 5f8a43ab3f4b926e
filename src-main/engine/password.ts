/**
 * Passwords: argon2id through @node-rs/argon2's async API (it runs on libuv's
 * thread pool, so Electron's main loop never freezes), m = 64 MiB, t = 3, p = 1.
 * The parameters live in the PHC string stored with each hash.
 */

import { randomBytes } from 'node:crypto'
import { hash, verify, type Options } from '@node-rs/argon2'
import type { PasswordRejection } from '../contract/errors'
import { strengthScore } from './strength'

export const ARGON2_OPTIONS: Options = {
  algorithm: 2, // Algorithm.Argon2id (a const enum: no runtime object to import)
  memoryCost: 65_536, // KiB = 64 MiB
  timeCost: 3,
  parallelism: 1, // p > 1 would take the other core of a 2-core kiosk
}

export const PASSWORD_MIN_CHARS = 12
export const PASSWORD_MAX_CHARS = 256

/** Unicode passwords compare after NFKC, so the same characters typed differently match. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), ARGON2_OPTIONS)
}

export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, normalizePassword(password))
  } catch {
    return false // a damaged hash refuses, it does not crash the sign-in
  }
}

/**
 * A hash of a random password at the same parameters: verified for unknown
 * addresses so that they cost the same time as known ones.
 */
export function createDummyHash(): Promise<string> {
  return hashPassword(randomBytes(24).toString('base64'))
}

/** Lower case without accents, for "contains" checks. */
function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
}

/**
 * The rules for a new password: 12 to 256 characters, any Unicode, no
 * composition rules; refused when common or guessable (zxcvbn with French and
 * English dictionaries, score < 3) or when it contains the clerk's address
 * (whole, or its local part) or the configured issuer name (« Mairie de X »),
 * case and accents aside; the everyday word « guichet » is only refused when
 * it is the issuer. Resolves `undefined` when the password is acceptable.
 * The estimate runs in a worker thread on the first 100 characters (./strength.ts).
 */
export async function checkNewPassword(
  password: string,
  context: { email: string; name?: string; issuer: string },
): Promise<PasswordRejection | undefined> {
  const normalized = normalizePassword(password)
  const length = [...normalized].length
  if (length < PASSWORD_MIN_CHARS) return 'too-short'
  if (length > PASSWORD_MAX_CHARS) return 'too-long'
  const folded = fold(normalized)
  const email = fold(context.email)
  const local = email.split('@')[0] ?? ''
  if (folded.includes(email) || (local.length >= 3 && folded.includes(local))) {
    return 'contains-email'
  }
  const issuer = fold(context.issuer).trim()
  if (issuer.length >= 3 && folded.includes(issuer)) return 'contains-product'
  const inputs = [email, local, ...local.split(/[._+-]/), fold(context.name ?? ''), issuer]
  const score = await strengthScore(
    normalized,
    inputs.filter((s) => s.length >= 3),
  )
  return score < 3 ? 'too-common' : undefined
}
