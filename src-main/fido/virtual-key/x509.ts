/**
 * The software key's self-signed attestation certificate (X.509 v3, RFC 5280 §4.1, ECDSA P-256
 * with SHA-256), which fido-u2f attestation (WebAuthn §8.6) needs in x5c. The structures come
 * from PeculiarVentures' ASN.1 X.509 schema (@peculiar/asn1-x509, the layer under @peculiar/x509
 * and @simplewebauthn/server's own certificate handling), the signature from node:crypto:
 * synchronous, because the key makes its state in its constructor (@peculiar/x509's generator
 * signs through WebCrypto, asynchronously).
 */
import { randomBytes, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { AsnConvert, OctetString } from '@peculiar/asn1-schema'
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509'

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const OID_COUNTRY = '2.5.4.6'
const OID_ORGANIZATION = '2.5.4.10'
const OID_ORGANIZATIONAL_UNIT = '2.5.4.11'
const OID_COMMON_NAME = '2.5.4.3'

function name(attributes: [type: string, value: AttributeValue][]): Name {
  return new Name(
    attributes.map(
      ([type, value]) =>
        new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]),
    ),
  )
}

/** A self-signed X.509 v3 certificate (DER) for an EC P-256 key pair. */
export function createSelfSignedCertificate(options: {
  publicKey: KeyObject
  privateKey: KeyObject
  commonName: string
  notBefore?: Date
  notAfter?: Date
}): Uint8Array {
  const serial = new Uint8Array(randomBytes(8))
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01 // positive, and no leading zero byte
  const subject = name([
    [OID_COUNTRY, new AttributeValue({ printableString: 'FR' })],
    [OID_ORGANIZATION, new AttributeValue({ utf8String: 'Guichet' })],
    [OID_ORGANIZATIONAL_UNIT, new AttributeValue({ utf8String: 'Authenticator Attestation' })],
    [OID_COMMON_NAME, new AttributeValue({ utf8String: options.commonName })],
  ])
  const algorithm = new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 })
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
    signature: algorithm,
    issuer: subject,
    validity: new Validity({
      notBefore: options.notBefore ?? new Date(Date.UTC(2024, 0, 1)),
      notAfter: options.notAfter ?? new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
    }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(
      options.publicKey.export({ format: 'der', type: 'spki' }),
      SubjectPublicKeyInfo,
    ),
    // An end-entity certificate: basicConstraints CA = false (WebAuthn §8.2.1 for packed).
    extensions: new Extensions([
      new Extension({
        extnID: id_ce_basicConstraints,
        extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: false }))),
      }),
    ]),
  })
  const tbs = new Uint8Array(AsnConvert.serialize(tbsCertificate))
  const signature = new Uint8Array(sign('sha256', tbs, options.privateKey))
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm: algorithm,
    signatureValue: signature.buffer.slice(
      signature.byteOffset,
      signature.byteOffset + signature.byteLength,
    ),
  })
  return new Uint8Array(AsnConvert.serialize(certificate))
}
