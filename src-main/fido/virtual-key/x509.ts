/**
 * A minimal DER writer for the virtual key's self-signed attestation certificate (X.509 v3,
 * RFC 5280 §4.1, ECDSA P-256 with SHA-256). node:crypto parses certificates but cannot make
 * them, and fido-u2f attestation (WebAuthn §8.6) needs one in x5c.
 */
import { randomBytes, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { concatBytes, utf8 } from '../protocol/bytes'

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length)
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest >>>= 8) bytes.unshift(rest & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

function der(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(...content)
  return concatBytes(Uint8Array.of(tag), derLength(body.length), body)
}

const sequence = (...items: Uint8Array[]): Uint8Array => der(0x30, ...items)
const set = (...items: Uint8Array[]): Uint8Array => der(0x31, ...items)

function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number)
  const [first = 0, second = 0, ...rest] = parts
  const bytes: number[] = [first * 40 + second]
  for (const part of rest) {
    const chunk: number[] = [part & 0x7f]
    for (let value = part >>> 7; value > 0; value >>>= 7) chunk.unshift(0x80 | (value & 0x7f))
    bytes.push(...chunk)
  }
  return der(0x06, Uint8Array.from(bytes))
}

function integer(value: Uint8Array): Uint8Array {
  let start = 0
  while (start < value.length - 1 && value[start] === 0) start++
  const trimmed = value.subarray(start)
  return (trimmed[0] ?? 0) & 0x80 ? der(0x02, Uint8Array.of(0), trimmed) : der(0x02, trimmed)
}

function utcTime(date: Date): Uint8Array {
  const pad = (n: number): string => String(n).padStart(2, '0')
  const text =
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z'
  return der(0x17, utf8(text))
}

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const OID_COUNTRY = '2.5.4.6'
const OID_ORGANIZATION = '2.5.4.10'
const OID_ORGANIZATIONAL_UNIT = '2.5.4.11'
const OID_COMMON_NAME = '2.5.4.3'
const OID_BASIC_CONSTRAINTS = '2.5.29.19'

function name(attributes: [string, number, string][]): Uint8Array {
  return sequence(
    ...attributes.map(([id, tag, value]) => set(sequence(oid(id), der(tag, utf8(value))))),
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
  serial[0] = (serial[0] ?? 0) & 0x7f
  const subject = name([
    [OID_COUNTRY, 0x13, 'FR'],
    [OID_ORGANIZATION, 0x0c, 'Guichet'],
    [OID_ORGANIZATIONAL_UNIT, 0x0c, 'Authenticator Attestation'],
    [OID_COMMON_NAME, 0x0c, options.commonName],
  ])
  const algorithm = sequence(oid(OID_ECDSA_WITH_SHA256))
  const spki = new Uint8Array(options.publicKey.export({ format: 'der', type: 'spki' }))
  const tbs = sequence(
    der(0xa0, integer(Uint8Array.of(2))),
    integer(serial),
    algorithm,
    subject,
    sequence(
      utcTime(options.notBefore ?? new Date(Date.UTC(2024, 0, 1))),
      utcTime(options.notAfter ?? new Date(Date.UTC(2049, 11, 31, 23, 59, 59))),
    ),
    subject,
    spki,
    der(0xa3, sequence(sequence(oid(OID_BASIC_CONSTRAINTS), der(0x04, sequence())))),
  )
  const signature = new Uint8Array(sign('sha256', tbs, options.privateKey))
  return sequence(tbs, algorithm, der(0x03, Uint8Array.of(0), signature))
}
