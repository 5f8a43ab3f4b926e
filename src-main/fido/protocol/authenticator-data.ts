/**
 * Authenticator data (WebAuthn §6.1; CTAP 2.1 §6.1 step "authData"):
 * rpIdHash (32) | flags (1) | signCount (4) | [aaguid (16) | L (2) | credentialId (L) | COSE key] | [extensions]
 */
import { concatBytes, readUint16BE, readUint32BE, uint16BE, uint32BE } from './bytes'
import { asMap, decodeAuthenticatorCborPrefix, encodeCbor } from './cbor'
import type { CborKey, CborValue } from './cbor'
import { AUTH_DATA_FLAG, COSE } from './ctap2-constants'
import { FidoProtocolError } from './errors'

export interface AttestedCredentialData {
  aaguid: Uint8Array
  credentialId: Uint8Array
  credentialPublicKey: Map<CborKey, CborValue>
}

export interface AuthenticatorData {
  rpIdHash: Uint8Array
  flags: number
  signCount: number
  attestedCredentialData?: AttestedCredentialData
  extensions?: Map<CborKey, CborValue>
}

export function parseAuthenticatorData(bytes: Uint8Array): AuthenticatorData {
  if (bytes.length < 37) throw new FidoProtocolError('authenticator data shorter than 37 bytes')
  const flags = bytes[32] ?? 0
  const data: AuthenticatorData = {
    rpIdHash: bytes.subarray(0, 32),
    flags,
    signCount: readUint32BE(bytes, 33),
  }
  let rest = bytes.subarray(37)
  if ((flags & AUTH_DATA_FLAG.AT) !== 0) {
    if (rest.length < 18) throw new FidoProtocolError('attested credential data truncated')
    const idLength = readUint16BE(rest, 16)
    if (rest.length < 18 + idLength) throw new FidoProtocolError('credential id truncated')
    const aaguid = rest.subarray(0, 16)
    const credentialId = rest.subarray(18, 18 + idLength)
    const key = decodeAuthenticatorCborPrefix(rest.subarray(18 + idLength))
    data.attestedCredentialData = {
      aaguid,
      credentialId,
      credentialPublicKey: asMap(key.value, 'credential public key'),
    }
    rest = key.rest
  }
  if ((flags & AUTH_DATA_FLAG.ED) !== 0) {
    const extensions = decodeAuthenticatorCborPrefix(rest)
    data.extensions = asMap(extensions.value, 'authenticator data extensions')
    rest = extensions.rest
  }
  if (rest.length !== 0) throw new FidoProtocolError('trailing bytes after authenticator data')
  return data
}

export function encodeAuthenticatorData(data: AuthenticatorData): Uint8Array {
  const parts = [data.rpIdHash, Uint8Array.of(data.flags), uint32BE(data.signCount)]
  if (data.attestedCredentialData) {
    const attested = data.attestedCredentialData
    parts.push(
      attested.aaguid,
      uint16BE(attested.credentialId.length),
      attested.credentialId,
      encodeCbor(attested.credentialPublicKey),
    )
  }
  if (data.extensions) parts.push(encodeCbor(data.extensions))
  return concatBytes(...parts)
}

/** COSE_Key for an ES256 public key given as an uncompressed P-256 point (RFC 9053 §7.1.1). */
export function es256CoseKey(point: Uint8Array): Map<CborKey, CborValue> {
  if (point.length !== 65 || point[0] !== 0x04)
    throw new FidoProtocolError('not an uncompressed P-256 point')
  return new Map<CborKey, CborValue>([
    [COSE.KTY, COSE.KTY_EC2],
    [COSE.ALG, COSE.ALG_ES256],
    [COSE.CRV, COSE.CRV_P256],
    [COSE.X, point.slice(1, 33)],
    [COSE.Y, point.slice(33, 65)],
  ])
}
