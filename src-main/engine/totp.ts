/**
 * Authenticator apps: RFC 6238 TOTP as FreeOTP, Google Authenticator and
 * Microsoft Authenticator read it — SHA-1, 6 digits, 30 s — through otplib.
 */

import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node'
import { generate, generateSecret, verify } from 'otplib'
import { qrImages, type QrImages } from './qr'

export const TOTP_PERIOD_SECONDS = 30
export const TOTP_DIGITS = 6
export const TOTP_SECRET_BYTES = 20 // 160 bits

const crypto = new NodeCryptoPlugin()

/** A fresh base32 secret of 160 bits. */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES, crypto })
}

/**
 * `otpauth://totp/ISSUER:EMAIL?secret=…&issuer=ISSUER&algorithm=SHA1&digits=6&period=30`.
 * Written out rather than with otplib's generateURI, which drops the default
 * parameters; some apps misread a URI without them.
 */
export function totpUri(options: { issuer: string; email: string; secret: string }): string {
  const issuer = encodeURIComponent(options.issuer)
  const label = `${issuer}:${encodeURIComponent(options.email)}`
  return (
    `otpauth://totp/${label}?secret=${options.secret}&issuer=${issuer}` +
    `&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`
  )
}

/** The key as typed by hand: groups of four. */
export function groupsOfFour(secret: string): string[] {
  return secret.match(/.{1,4}/g) ?? []
}

/** The SVG and PNG of the URI's QR code, drawn on a worker thread (see qr.ts). */
export function qrCodes(uri: string): Promise<QrImages> {
  return qrImages(uri)
}

export function totpStepAt(epochMs: number): number {
  return Math.floor(epochMs / 1000 / TOTP_PERIOD_SECONDS)
}

/** The code an app shows at `epochMs` (tests, demos). */
export function totpCodeAt(secret: string, epochMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(epochMs / 1000), crypto })
}

/**
 * Checks a code against the server clock with ±1 step of drift. A wrong code is
 * a value, not an exception. Resolves the matching time step, or undefined.
 */
export async function matchTotp(
  secret: string,
  code: string,
  epochMs: number,
): Promise<number | undefined> {
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(epochMs / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS,
    crypto,
  })
  return result.valid && 'timeStep' in result ? result.timeStep : undefined
}
