/**
 * Bytes this project did not produce, through the key client's decoding and the replay transport
 * of replay.test.ts: the example messages of FIDO U2F Raw Message Formats §8 (their signatures
 * checked against the published keys), and a real key's CTAP2 answers from Yubico's python-fido2
 * test suite. Until now every fixture came from our own software key.
 */
import { createPublicKey, verify, X509Certificate } from 'node:crypto'
import { decode } from 'cborg'
import { describe, expect, it } from 'vitest'
import {
  u2fRegistrationToAttestation,
  u2fSignatureToAuthData,
} from '../../../src-main/fido/client/webauthn-json'
import { parseAuthenticatorData } from '../../../src-main/fido/protocol/authenticator-data'
import { concatBytes, fromBase64Url, fromHex, toHex } from '../../../src-main/fido/protocol/bytes'
import { CborError, decodeCbor } from '../../../src-main/fido/protocol/cbor'
import { Ctap1, U2F_AUTH } from '../../../src-main/fido/protocol/ctap1'
import { parseGetInfo, parseMakeCredential } from '../../../src-main/fido/protocol/ctap2'
import {
  BROADCAST_CID,
  CTAPHID,
  encodeFrames,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import { replayTransport } from '../../fixtures/fido/traffic'
import type { TrafficRecord } from '../../fixtures/fido/traffic'
import * as U2F from '../../fixtures/fido/outside/u2f-raw-message-formats'
import * as YUBICO from '../../fixtures/fido/outside/python-fido2-vectors'

const CID = 0x0a0b0c0d
const CALL = { timeoutMs: 2_000 }

function asMap(value: unknown): Map<unknown, unknown> {
  if (!(value instanceof Map)) throw new Error('not a map')
  return value
}

/**
 * A recording of one U2F exchange over CTAPHID (CTAP 2.1 §11.2.9.1.1): the published request
 * APDU (extended length, CTAP 2.1 §11.2.9.1.1 / U2F Raw Message Formats §3) and the published
 * response with SW_NO_ERROR.
 */
function u2fRecording(requestApdu: Uint8Array, response: Uint8Array): TrafficRecord[] {
  const nonce = new Uint8Array(8)
  const init = concatBytes(nonce, fromHex('0a0b0c0d'), Uint8Array.of(2, 1, 0, 0, 0x01))
  return [
    ...encodeFrames(BROADCAST_CID, CTAPHID.INIT, nonce).map((report) => ({
      direction: '>' as const,
      report,
    })),
    ...encodeFrames(BROADCAST_CID, CTAPHID.INIT, init).map((report) => ({
      direction: '<' as const,
      report,
    })),
    ...encodeFrames(CID, CTAPHID.MSG, requestApdu).map((report) => ({
      direction: '>' as const,
      report,
    })),
    ...encodeFrames(CID, CTAPHID.MSG, concatBytes(response, Uint8Array.of(0x90, 0x00))).map(
      (report) => ({ direction: '<' as const, report }),
    ),
  ]
}

describe('FIDO U2F Raw Message Formats §8 examples, replayed through the CTAP1 client', () => {
  it('§8.1 registration: the request is the published one; the response decodes and its signature verifies', async () => {
    const challenge = fromHex(U2F.REGISTRATION_CHALLENGE)
    const application = fromHex(U2F.REGISTRATION_APPLICATION)
    // U2F_REGISTER: CLA 00, INS 01, P1 00, P2 00, Lc 00 00 40 (extended), data, Le 00 00
    const apdu = concatBytes(fromHex('00010000000040'), challenge, application, fromHex('0000'))
    const replay = replayTransport(u2fRecording(apdu, fromHex(U2F.REGISTRATION_RESPONSE)))
    const ctap1 = new Ctap1(await openCtapHid(replay, CALL))
    const registration = await ctap1.register(challenge, application, CALL)
    expect(replay.mismatches).toEqual([])
    expect(toHex(registration.publicKey)).toBe(U2F.REGISTRATION_USER_PUBLIC_KEY)
    expect(toHex(registration.keyHandle)).toBe(U2F.REGISTRATION_KEY_HANDLE)
    expect(toHex(registration.signature)).toBe(U2F.REGISTRATION_SIGNATURE)
    const certificate = new X509Certificate(registration.certificate)
    expect(certificate.subject).toBe('CN=PilotGnubby-0.4.1-47901280001155957352')
    // §4.3: signature over 0x00 | application | challenge | key handle | user public key
    const signed = concatBytes(
      Uint8Array.of(0),
      application,
      challenge,
      registration.keyHandle,
      registration.publicKey,
    )
    expect(verify('sha256', signed, certificate.publicKey, registration.signature)).toBe(true)
    // and the WebAuthn fido-u2f attestation built from it (WebAuthn §8.6) carries it unchanged
    const attestation = u2fRegistrationToAttestation({ registration, rpIdHash: application })
    expect(attestation.fmt).toBe('fido-u2f')
    expect(attestation.attStmt.get('sig')).toEqual(registration.signature)
    expect(attestation.attStmt.get('x5c')).toEqual([registration.certificate])
    const authData = parseAuthenticatorData(attestation.authData)
    expect(authData.rpIdHash).toEqual(application)
    expect(authData.attestedCredentialData?.credentialId).toEqual(registration.keyHandle)
  })

  it('§8.2 authentication: the response decodes (presence, counter 1) and verifies with the published key', async () => {
    const challenge = fromHex(U2F.AUTHENTICATION_CHALLENGE)
    const application = fromHex(U2F.AUTHENTICATION_APPLICATION)
    const keyHandle = fromHex(U2F.REGISTRATION_KEY_HANDLE)
    const apdu = concatBytes(
      fromHex('0002030000'),
      Uint8Array.of(0, 65 + keyHandle.length),
      challenge,
      application,
      Uint8Array.of(keyHandle.length),
      keyHandle,
      fromHex('0000'),
    )
    const replay = replayTransport(u2fRecording(apdu, fromHex(U2F.AUTHENTICATION_RESPONSE)))
    const ctap1 = new Ctap1(await openCtapHid(replay, CALL))
    const signature = await ctap1.authenticate(
      { challenge, application, keyHandle, control: U2F_AUTH.ENFORCE_USER_PRESENCE_AND_SIGN },
      CALL,
    )
    expect(replay.mismatches).toEqual([])
    expect(signature.userPresence).toBe(1)
    expect(signature.counter).toBe(1)
    const point = fromBase64Url(U2F.AUTHENTICATION_USER_PUBLIC_KEY_B64URL)
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(point.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    })
    // §5.4: signature over application | user presence | counter | challenge
    const signed = concatBytes(application, Uint8Array.of(1), fromHex('00000001'), challenge)
    expect(verify('sha256', signed, key, signature.signature)).toBe(true)
    const authData = parseAuthenticatorData(
      u2fSignatureToAuthData({ signature, rpIdHash: application }),
    )
    expect(authData.signCount).toBe(1)
    expect(authData.flags & 0x01).toBe(0x01)
  })

  it('a response whose signature byte was changed no longer verifies (the check above can fail)', async () => {
    const tampered = fromHex(U2F.AUTHENTICATION_RESPONSE)
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0x01
    const application = fromHex(U2F.AUTHENTICATION_APPLICATION)
    const point = fromBase64Url(U2F.AUTHENTICATION_USER_PUBLIC_KEY_B64URL)
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(point.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    })
    const signed = concatBytes(
      application,
      Uint8Array.of(1),
      fromHex('00000001'),
      fromHex(U2F.AUTHENTICATION_CHALLENGE),
    )
    expect(verify('sha256', signed, key, tampered.subarray(5))).toBe(false)
  })
})

describe("a real key's CTAP2 answers (Yubico python-fido2 test vectors), through the CTAP2 decoders", () => {
  it('authenticatorGetInfo (CTAP 2.1 §6.4): strict canonical CBOR, every member read', () => {
    const info = parseGetInfo(asMap(decodeCbor(fromHex(YUBICO.GET_INFO_NO_PIN))) as never)
    expect(info.versions).toEqual(['U2F_V2', 'FIDO_2_0'])
    expect(info.extensions).toEqual(['uvm', 'hmac-secret'])
    expect(toHex(info.aaguid)).toBe('f8a011f38c0a4d15800617111f9edc7d')
    expect(info.options).toEqual({ rk: true, up: true, plat: false, clientPin: false })
    expect(info.maxMsgSize).toBe(1200)
    expect(info.pinUvAuthProtocols).toEqual([1])
  })

  it('authenticatorMakeCredential: the strict decoder refuses its non-shortest length (0x59 00c4), as python-fido2 strict_cbor does (CTAP 2.1 §8 canonical CBOR)', () => {
    expect(() => decodeCbor(fromHex(YUBICO.MAKE_CREDENTIAL_RESPONSE))).toThrow(CborError)
    expect(YUBICO.MAKE_CREDENTIAL_RESPONSE.slice(20, 26)).toBe('5900c4')
  })

  it('authenticatorMakeCredential (CTAP 2.1 §6.1.2), read leniently: packed attestation, authenticator data, certificate', () => {
    const body = decode(fromHex(YUBICO.MAKE_CREDENTIAL_RESPONSE), { useMaps: true }) as unknown
    const response = parseMakeCredential(asMap(body) as never)
    expect(response.fmt).toBe('packed')
    const authData = parseAuthenticatorData(response.authData)
    expect(authData.flags).toBe(0x41) // UP | AT
    expect(authData.signCount).toBe(28)
    expect(toHex(authData.attestedCredentialData?.aaguid ?? new Uint8Array(0))).toBe(
      'f8a011f38c0a4d15800617111f9edc7d',
    )
    expect(authData.attestedCredentialData?.credentialId).toHaveLength(64)
    expect(response.attStmt.get('alg')).toBe(-7)
    const x5c = response.attStmt.get('x5c')
    if (!Array.isArray(x5c) || !(x5c[0] instanceof Uint8Array)) throw new Error('no x5c')
    const certificate = new X509Certificate(x5c[0])
    expect(certificate.subject).toContain('O=Yubico Test')
    expect(certificate.ca).toBe(false)
    // an ES256 credential public key (COSE alg -7)
    expect(authData.attestedCredentialData?.credentialPublicKey.get(3)).toBe(-7)
  })
})
