/**
 * The software key's attestation certificate, made with @peculiar/asn1-x509 (virtual-key/x509.ts),
 * read back by an independent parser (OpenSSL, through node:crypto's X509Certificate).
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createSelfSignedCertificate } from '../../../src-main/fido/virtual-key/x509'

describe('software key attestation certificate (RFC 5280 §4.1, WebAuthn §8.6 fido-u2f x5c)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const der = createSelfSignedCertificate({
    publicKey,
    privateKey,
    commonName: 'Guichet Virtual Key',
  })
  const certificate = new X509Certificate(der)

  it('is a self-signed X.509 v3 certificate whose signature verifies with the key', () => {
    expect(der[0]).toBe(0x30)
    expect(certificate.checkIssued(certificate)).toBe(true)
    expect(certificate.verify(publicKey)).toBe(true)
    expect(certificate.publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      publicKey.export({ format: 'der', type: 'spki' }),
    )
  })

  it('names the model, is no CA, and is valid from 2024 to 2049', () => {
    expect(certificate.subject.split('\n')).toEqual([
      'C=FR',
      'O=Guichet',
      'OU=Authenticator Attestation',
      'CN=Guichet Virtual Key',
    ])
    expect(certificate.ca).toBe(false)
    expect(new Date(certificate.validFrom).toISOString()).toBe('2024-01-01T00:00:00.000Z')
    expect(new Date(certificate.validTo).toISOString()).toBe('2049-12-31T23:59:59.000Z')
  })

  it('has a positive serial number without a leading zero byte, fresh for each certificate', () => {
    const other = new X509Certificate(
      createSelfSignedCertificate({ publicKey, privateKey, commonName: 'Guichet Virtual Key' }),
    )
    expect(certificate.serialNumber).toMatch(/^[0-7][0-9A-F]{15}$/)
    expect(certificate.serialNumber.startsWith('00')).toBe(false)
    expect(other.serialNumber).not.toBe(certificate.serialNumber)
  })
})
