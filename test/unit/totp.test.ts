import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import QRCode from 'qrcode'
import {
  groupsOfFour,
  matchTotp,
  newTotpSecret,
  qrCodes,
  totpCodeAt,
  totpStepAt,
  totpUri,
} from '../../src-main/engine/totp'
import { RFC6238_SHA1_SECRET_BASE32, RFC6238_SHA1_VECTORS } from '../fixtures/rfc6238'

describe('TOTP (RFC 6238, SHA-1, 6 digits, 30 s)', () => {
  it.each(RFC6238_SHA1_VECTORS)(
    'matches the RFC vector at T=$time',
    async ({ time, step, code8 }) => {
      const code = await totpCodeAt(RFC6238_SHA1_SECRET_BASE32, time * 1000)
      expect(code).toBe(code8.slice(-6))
      expect(totpStepAt(time * 1000)).toBe(step)
      expect(await matchTotp(RFC6238_SHA1_SECRET_BASE32, code, time * 1000)).toBe(step)
    },
  )

  it('accepts ±1 step of drift and refuses ±2', async () => {
    const secret = newTotpSecret()
    const now = 1_800_000_015_000
    const step = totpStepAt(now)
    for (const d of [-1, 0, 1]) {
      expect(await matchTotp(secret, await totpCodeAt(secret, now + d * 30_000), now)).toBe(
        step + d,
      )
    }
    for (const d of [-2, 2]) {
      expect(
        await matchTotp(secret, await totpCodeAt(secret, now + d * 30_000), now),
      ).toBeUndefined()
    }
  })

  it('a fresh code verifies at its own step (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_000_000, max: 4_000_000_000 }), async (seconds) => {
        const secret = RFC6238_SHA1_SECRET_BASE32
        const code = await totpCodeAt(secret, seconds * 1000)
        expect(await matchTotp(secret, code, seconds * 1000)).toBe(totpStepAt(seconds * 1000))
      }),
      { numRuns: 200 },
    )
  })

  it('makes 160-bit base32 secrets', () => {
    const secret = newTotpSecret()
    expect(secret).toMatch(/^[A-Z2-7]{32}$/) // 32 base32 chars = 160 bits
    expect(newTotpSecret()).not.toBe(secret)
    expect(groupsOfFour(secret)).toHaveLength(8)
    expect(groupsOfFour('ABCDEFGHIJ')).toEqual(['ABCD', 'EFGH', 'IJ'])
  })

  it('writes the otpauth URI with the issuer as label prefix, percent-encoded', () => {
    const uri = totpUri({
      issuer: 'Mairie de Lyon',
      email: 'a.b+c@mairie.fr',
      secret: 'JBSWY3DPEHPK3PXP',
    })
    expect(uri).toBe(
      'otpauth://totp/Mairie%20de%20Lyon:a.b%2Bc%40mairie.fr?secret=JBSWY3DPEHPK3PXP&issuer=Mairie%20de%20Lyon&algorithm=SHA1&digits=6&period=30',
    )
  })

  it('renders the QR code as SVG and PNG', async () => {
    const qr = await qrCodes('otpauth://totp/Guichet:a%40b.fr?secret=JBSWY3DPEHPK3PXP')
    expect(qr.svg).toMatch(/^<svg[^>]*>/)
    expect(qr.pngDataUrl).toMatch(/^data:image\/png;base64,/)
  })

  it('draws on a worker thread exactly what qrcode draws (level M, margin 2, 320 px PNG)', async () => {
    const uri = totpUri({ issuer: 'Guichet', email: 'a@b.fr', secret: 'JBSWY3DPEHPK3PXP' })
    const options = { errorCorrectionLevel: 'M' as const, margin: 2 }
    const [qr, svg, png] = await Promise.all([
      qrCodes(uri),
      QRCode.toString(uri, { ...options, type: 'svg' }),
      QRCode.toDataURL(uri, { ...options, width: 320 }),
    ])
    expect(qr).toEqual({ svg, pngDataUrl: png })
  })

  it('rejects what no QR code can hold, and draws the next one', async () => {
    await expect(qrCodes('x'.repeat(8_000))).rejects.toThrow(/QR code/)
    const again = await qrCodes('otpauth://totp/Guichet:a%40b.fr?secret=JBSWY3DPEHPK3PXP')
    expect(again.svg).toMatch(/^<svg[^>]*>/)
  })
})
