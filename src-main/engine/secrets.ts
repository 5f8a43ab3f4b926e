/**
 * Secrets at rest and short codes. TOTP secrets are sealed with AES-256-GCM
 * under the data key; e-mailed codes are stored only as an HMAC under the same
 * key, so the database alone reveals neither.
 */

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto'

const IV_BYTES = 12
const TAG_BYTES = 16
const VERSION = 1

/** version(1) ‖ iv(12) ‖ ciphertext ‖ tag(16); `context` is bound as associated data. */
export function seal(key: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return new Uint8Array(Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]))
}

export function open(key: Uint8Array, sealed: Uint8Array, context: string): Uint8Array {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new Error('sealed value has an unknown format')
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAAD(Buffer.from(context, 'utf8'))
  decipher.setAuthTag(tag)
  const body = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES)
  return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
}

export function mac(key: Uint8Array, ...parts: string[]): Uint8Array {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(`${p.length}:${p};`)
  return new Uint8Array(h.digest())
}

export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Six digits from the CSPRNG, leading zeros kept. */
export function randomDigits(count = 6): string {
  return String(randomInt(0, 10 ** count)).padStart(count, '0')
}

export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url')
}
