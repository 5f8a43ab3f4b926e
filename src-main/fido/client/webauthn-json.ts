/**
 * From authenticator output to the WebAuthn JSON that @simplewebauthn/server verifies
 * (WebAuthn L3 §5.1 RegistrationResponseJSON / AuthenticationResponseJSON), and the client data
 * (WebAuthn §5.8.1) whose hash the authenticator signs.
 */
import { createHash, createPublicKey } from 'node:crypto'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { concatBytes, toBase64Url, utf8 } from '../protocol/bytes'
import { encodeCbor } from '../protocol/cbor'
import type { CborKey, CborValue } from '../protocol/cbor'
import {
  encodeAuthenticatorData,
  es256CoseKey,
  parseAuthenticatorData,
} from '../protocol/authenticator-data'
import { AUTH_DATA_FLAG, COSE } from '../protocol/ctap2-constants'
import { FidoProtocolError } from '../protocol/errors'
import type { U2fRegistration, U2fSignature } from '../protocol/ctap1'

export type ClientDataType = 'webauthn.create' | 'webauthn.get'

/**
 * clientDataJSON in the WebAuthn "limited verification" serialization (§5.8.1.1): type,
 * challenge, origin, crossOrigin, in that order. The origin is a constant of main.
 */
export function buildClientDataJSON(options: {
  type: ClientDataType
  challenge: Uint8Array
  origin: string
}): Uint8Array {
  return utf8(
    `{"type":${JSON.stringify(options.type)},"challenge":${JSON.stringify(toBase64Url(options.challenge))},` +
      `"origin":${JSON.stringify(options.origin)},"crossOrigin":false}`,
  )
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

/**
 * The WebAuthn attestation object: the CTAP2 response's integer keys 1, 2, 3 become the
 * string keys fmt, authData, attStmt (CTAP 2.1 §6.1.2 note; WebAuthn §6.5).
 */
export function encodeAttestationObject(options: {
  fmt: string
  authData: Uint8Array
  attStmt: Map<CborKey, CborValue>
}): Uint8Array {
  return encodeCbor(
    new Map<CborKey, CborValue>([
      ['fmt', options.fmt],
      ['attStmt', options.attStmt],
      ['authData', options.authData],
    ]),
  )
}

/** SubjectPublicKeyInfo (DER) of an ES256 COSE key, or undefined for other algorithms. */
function spkiOfCoseKey(key: Map<CborKey, CborValue>): Uint8Array | undefined {
  const x = key.get(COSE.X)
  const y = key.get(COSE.Y)
  if (
    key.get(COSE.KTY) !== COSE.KTY_EC2 ||
    key.get(COSE.CRV) !== COSE.CRV_P256 ||
    !(x instanceof Uint8Array) ||
    !(y instanceof Uint8Array)
  ) {
    return undefined
  }
  const jwk = { kty: 'EC', crv: 'P-256', x: toBase64Url(x), y: toBase64Url(y) }
  return new Uint8Array(
    createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'der', type: 'spki' }),
  )
}

export function toRegistrationResponseJSON(options: {
  clientDataJSON: Uint8Array
  fmt: string
  authData: Uint8Array
  attStmt: Map<CborKey, CborValue>
}): RegistrationResponseJSON {
  const parsed = parseAuthenticatorData(options.authData)
  const attested = parsed.attestedCredentialData
  if (!attested) throw new FidoProtocolError('makeCredential: authenticator data has no credential')
  const credentialId = toBase64Url(attested.credentialId)
  const alg = attested.credentialPublicKey.get(COSE.ALG)
  const spki = spkiOfCoseKey(attested.credentialPublicKey)
  return {
    id: credentialId,
    rawId: credentialId,
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toBase64Url(options.clientDataJSON),
      attestationObject: toBase64Url(encodeAttestationObject(options)),
      authenticatorData: toBase64Url(options.authData),
      transports: ['usb'],
      ...(typeof alg === 'number' ? { publicKeyAlgorithm: alg } : {}),
      ...(spki ? { publicKey: toBase64Url(spki) } : {}),
    },
  }
}

export function toAuthenticationResponseJSON(options: {
  credentialId: Uint8Array
  clientDataJSON: Uint8Array
  authData: Uint8Array
  signature: Uint8Array
  userHandle?: Uint8Array
}): AuthenticationResponseJSON {
  const credentialId = toBase64Url(options.credentialId)
  return {
    id: credentialId,
    rawId: credentialId,
    type: 'public-key',
    authenticatorAttachment: 'cross-platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: toBase64Url(options.clientDataJSON),
      authenticatorData: toBase64Url(options.authData),
      signature: toBase64Url(options.signature),
      ...(options.userHandle && options.userHandle.length > 0
        ? { userHandle: toBase64Url(options.userHandle) }
        : {}),
    },
  }
}

/**
 * A U2F registration as a fido-u2f attestation (CTAP 2.1 §10.2.1; WebAuthn §8.6): authenticator
 * data with flags UP|AT, counter 0, AAGUID zero; attStmt { sig, x5c: [certificate] }.
 */
export function u2fRegistrationToAttestation(options: {
  registration: U2fRegistration
  rpIdHash: Uint8Array
}): { fmt: string; authData: Uint8Array; attStmt: Map<CborKey, CborValue> } {
  const { registration } = options
  const authData = encodeAuthenticatorData({
    rpIdHash: options.rpIdHash,
    flags: AUTH_DATA_FLAG.UP | AUTH_DATA_FLAG.AT,
    signCount: 0,
    attestedCredentialData: {
      aaguid: new Uint8Array(16),
      credentialId: registration.keyHandle,
      credentialPublicKey: es256CoseKey(registration.publicKey),
    },
  })
  return {
    fmt: 'fido-u2f',
    authData,
    attStmt: new Map<CborKey, CborValue>([
      ['sig', registration.signature],
      ['x5c', [registration.certificate]],
    ]),
  }
}

/** Authenticator data of a U2F signature: rpIdHash | user presence byte | counter (CTAP 2.1 §10.2.2). */
export function u2fSignatureToAuthData(options: {
  signature: U2fSignature
  rpIdHash: Uint8Array
}): Uint8Array {
  const counter = new Uint8Array(4)
  new DataView(counter.buffer).setUint32(0, options.signature.counter)
  return concatBytes(
    options.rpIdHash,
    Uint8Array.of(options.signature.userPresence & 0xff),
    counter,
  )
}
