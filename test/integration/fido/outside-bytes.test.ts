/**
 * Bytes this project did not produce, through the key client's decoding and the replay transport
 * of replay.test.ts: the example messages of FIDO U2F Raw Message Formats §8 (their signatures
 * checked against the published keys), the CTAP specification's example requests and responses
 * (CTAP 2.1 §6.1, §6.2: our encoder against its requests, our decoders and the software key
 * against them), and CTAP2 answers from Yubico's python-fido2 test suite, among them answers
 * with lengths in a longer form than needed (CTAP 2.1 §8; read as libfido2 reads them, see
 * src-main/fido/protocol/cbor.ts). Until now every fixture came from our own software key.
 */
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  u2fRegistrationToAttestation,
  u2fSignatureToAuthData,
} from '../../../src-main/fido/client/webauthn-json'
import { parseAuthenticatorData } from '../../../src-main/fido/protocol/authenticator-data'
import { concatBytes, fromBase64Url, fromHex, toHex } from '../../../src-main/fido/protocol/bytes'
import {
  CborError,
  decodeAuthenticatorCbor,
  decodeCbor,
  encodeCbor,
} from '../../../src-main/fido/protocol/cbor'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import { Ctap1, U2F_AUTH } from '../../../src-main/fido/protocol/ctap1'
import {
  Ctap2,
  decodeResponse,
  encodeMakeCredential,
  parseGetAssertion,
  parseGetInfo,
  parseMakeCredential,
} from '../../../src-main/fido/protocol/ctap2'
import { STATUS } from '../../../src-main/fido/protocol/ctap2-constants'
import { CtapStatusError } from '../../../src-main/fido/protocol/errors'
import { connectToKey } from '../../../src-main/fido/client/select-device'
import { createMemoryDeviceSource } from '../../../src-main/fido/transport/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
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
import * as SPEC from '../../fixtures/fido/outside/ctap-spec-examples'

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

/** A recording of one CTAPHID_CBOR exchange (CTAP 2.1 §11.2.9.1.2): request, then status 00 and body. */
function ctap2Recording(request: Uint8Array, responseBody: Uint8Array): TrafficRecord[] {
  const nonce = new Uint8Array(8)
  // capabilities: WINK | CBOR (CTAP 2.1 §11.2.9.1.3)
  const init = concatBytes(nonce, fromHex('0a0b0c0d'), Uint8Array.of(2, 1, 0, 0, 0x05))
  return [
    ...encodeFrames(BROADCAST_CID, CTAPHID.INIT, nonce).map((report) => ({
      direction: '>' as const,
      report,
    })),
    ...encodeFrames(BROADCAST_CID, CTAPHID.INIT, init).map((report) => ({
      direction: '<' as const,
      report,
    })),
    ...encodeFrames(CID, CTAPHID.CBOR, request).map((report) => ({
      direction: '>' as const,
      report,
    })),
    ...encodeFrames(CID, CTAPHID.CBOR, concatBytes(Uint8Array.of(0), responseBody)).map(
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

  it('authenticatorMakeCredential with authData’s length written 59 00c4 (CTAP 2.1 §8 asks for 58 c4): the key client reads it as libfido2 does; the software key’s strict reading of hosts refuses it', () => {
    expect(YUBICO.MAKE_CREDENTIAL_RESPONSE.slice(20, 26)).toBe('5900c4')
    expect(() => decodeCbor(fromHex(YUBICO.MAKE_CREDENTIAL_RESPONSE))).toThrow(CborError)
    const shortest = `${YUBICO.MAKE_CREDENTIAL_RESPONSE.slice(0, 20)}58c4${YUBICO.MAKE_CREDENTIAL_RESPONSE.slice(26)}`
    expect(decodeAuthenticatorCbor(fromHex(YUBICO.MAKE_CREDENTIAL_RESPONSE))).toEqual(
      decodeCbor(fromHex(shortest)),
    )
  })

  it('authenticatorMakeCredential (CTAP 2.1 §6.1.2), through decodeResponse: packed attestation, authenticator data, certificate', () => {
    const body = decodeResponse(
      concatBytes(Uint8Array.of(0), fromHex(YUBICO.MAKE_CREDENTIAL_RESPONSE)),
    )
    const response = parseMakeCredential(body)
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

describe('the CTAP specification’s examples (CTAP 2.1 §6.1, §6.2)', () => {
  const clientDataHash = fromHex(SPEC.CLIENT_DATA_HASH)

  it('§6.1 example request: canonical for our strict decoder; our encoder writes the same map, but the user’s icon (CTAP 2.1 dropped it, Guichet never sends it)', () => {
    const request = fromHex(SPEC.MAKE_CREDENTIAL_REQUEST)
    expect(request[0]).toBe(0x01)
    const spec = asMap(decodeCbor(request.subarray(1))) as Map<CborKey, CborValue>
    const user = asMap(spec.get(3)) as Map<CborKey, CborValue>
    expect(user.get('icon')).toBe('https://pics.example.com/00/p/aBjjjpqPb.png')
    user.delete('icon')
    const ours = encodeMakeCredential({
      clientDataHash,
      rp: { id: 'example.com', name: 'Acme' },
      user: {
        id: user.get('id') as Uint8Array,
        name: 'johnpsmith@example.com',
        displayName: 'John P. Smith',
      },
      algorithms: [-7, -257],
      options: { rk: true },
    })
    expect(toHex(ours)).toBe(toHex(concatBytes(Uint8Array.of(0x01), encodeCbor(spec))))
  })

  it('§6.1 example response, replayed over CTAPHID: packed attestation whose signature verifies over authData ‖ clientDataHash with its x5c (WebAuthn §8.2)', async () => {
    const request = {
      clientDataHash,
      rp: { id: 'example.com', name: 'Acme' },
      user: {
        id: fromHex('3082019330820138a0030201023082019330820138a003020102308201933082'),
        name: 'johnpsmith@example.com',
        displayName: 'John P. Smith',
      },
      algorithms: [-7, -257],
      options: { rk: true },
    }
    const replay = replayTransport(
      ctap2Recording(encodeMakeCredential(request), fromHex(SPEC.MAKE_CREDENTIAL_RESPONSE)),
    )
    const ctap2 = new Ctap2(await openCtapHid(replay, CALL))
    const response = await ctap2.makeCredential(request, CALL)
    expect(replay.mismatches).toEqual([])
    expect(response.fmt).toBe('packed')
    expect(response.authData).toHaveLength(154)
    expect([...response.attStmt.keys()]).toEqual(['alg', 'sig', 'x5c'])
    expect(response.attStmt.get('alg')).toBe(-7)
    const x5c = response.attStmt.get('x5c')
    const sig = response.attStmt.get('sig')
    if (!Array.isArray(x5c) || !(x5c[0] instanceof Uint8Array) || !(sig instanceof Uint8Array)) {
      throw new Error('no x5c or sig')
    }
    const certificate = new X509Certificate(x5c[0])
    expect(certificate.subject).toContain('O=Yubico Test')
    const signed = concatBytes(response.authData, clientDataHash)
    expect(verify('sha256', signed, certificate.publicKey, sig)).toBe(true)
    // one bit of the clientDataHash changed: it no longer verifies
    const other = clientDataHash.slice()
    other[0] = (other[0] ?? 0) ^ 1
    const tampered = concatBytes(response.authData, other)
    expect(verify('sha256', tampered, certificate.publicKey, sig)).toBe(false)
  })

  it('§6.1 example authData: its credential key is a pre-COSE sketch {alg: "ES256", x, y} with its keys out of canonical order (CTAP 2.1 §8): refused, as libfido2 refuses unsorted keys', () => {
    const authData = parseMakeCredential(
      decodeResponse(concatBytes(Uint8Array.of(0), fromHex(SPEC.MAKE_CREDENTIAL_RESPONSE))),
    ).authData
    // rpIdHash, flags UP | AT, signCount 11, the AAGUID of the getInfo example
    expect(toHex(authData.subarray(32, 37))).toBe('410000000b')
    expect(toHex(authData.subarray(37, 53))).toBe('f8a011f38c0a4d15800617111f9edc7d')
    expect(() => parseAuthenticatorData(authData)).toThrow(/canonical/)
  })

  it('§6.2 example: our encoder writes the example request byte for byte, and the example answer decodes (credential, UP, counter 17, user, numberOfCredentials)', async () => {
    const request = {
      rpId: 'example.com',
      clientDataHash,
      allowList: [
        { id: fromHex(SPEC.GET_ASSERTION_CREDENTIAL_ID) },
        { id: new Uint8Array(50).fill(0x03) },
      ],
      options: { uv: true },
    }
    const replay = replayTransport(
      ctap2Recording(fromHex(SPEC.GET_ASSERTION_REQUEST), fromHex(SPEC.GET_ASSERTION_RESPONSE)),
    )
    const ctap2 = new Ctap2(await openCtapHid(replay, CALL))
    const response = await ctap2.getAssertion(request, CALL)
    // every host report equal to the recorded one: our request is the specification's
    expect(replay.mismatches).toEqual([])
    expect(toHex(response.credentialId ?? new Uint8Array(0))).toBe(SPEC.GET_ASSERTION_CREDENTIAL_ID)
    const authData = parseAuthenticatorData(response.authData)
    expect(authData.flags).toBe(0x01)
    expect(authData.signCount).toBe(17)
    expect(authData.attestedCredentialData).toBeUndefined()
    expect(response.signature).toHaveLength(71)
    expect(response.user).toEqual({
      id: fromHex('3082019330820138a0030201023082019330820138a003020102308201933082'),
      name: 'johnpsmith@example.com',
      displayName: 'John P. Smith',
    })
    expect(response.numberOfCredentials).toBe(1)
  })

  it('the software key answers the §6.1 example request (icon and RS256 ignored); the §6.2 one gets CTAP2_ERR_INVALID_OPTION for its uv option (§6.2.2: no built-in user verification), and without it CTAP2_ERR_NO_CREDENTIALS', async () => {
    const key = new VirtualKey({ userPresence: 'approve' })
    const source = createMemoryDeviceSource({ keys: [key], pollIntervalMs: 10 })
    const connected = await connectToKey({ source, deadline: Date.now() + 5_000 })
    try {
      const session = connected.ctap2?.session
      if (!session) throw new Error('the software key speaks CTAP2')
      const statusOf = (request: Uint8Array): Promise<number | undefined> =>
        session.send(request, CALL).then(
          () => undefined,
          (error: unknown) => (error instanceof CtapStatusError ? error.status : -1),
        )
      const made = parseMakeCredential(
        await session.send(fromHex(SPEC.MAKE_CREDENTIAL_REQUEST), CALL),
      )
      const authData = parseAuthenticatorData(made.authData)
      expect(toHex(authData.rpIdHash)).toBe(
        createHash('sha256').update('example.com').digest('hex'),
      )
      expect(authData.attestedCredentialData?.credentialPublicKey.get(3)).toBe(-7)
      expect(key.listCredentials()).toEqual([
        expect.objectContaining({ rpId: 'example.com', discoverable: true }),
      ])
      const request = fromHex(SPEC.GET_ASSERTION_REQUEST)
      expect(await statusOf(request)).toBe(STATUS.INVALID_OPTION)
      const withoutUv = asMap(decodeCbor(request.subarray(1))) as Map<CborKey, CborValue>
      withoutUv.delete(5)
      expect(await statusOf(concatBytes(Uint8Array.of(0x02), encodeCbor(withoutUv)))).toBe(
        STATUS.NO_CREDENTIALS,
      )
    } finally {
      await connected.close()
    }
  })

  it('a getAssertion answer with authData’s length written 59 0025 (python-fido2’s first copy) reads as the same answer written 58 25; the strict decoder refuses it', () => {
    const long = fromHex(YUBICO.GET_ASSERTION_RESPONSE_LONG_LENGTHS)
    const at = YUBICO.GET_ASSERTION_RESPONSE_LONG_LENGTHS.indexOf('5900250021f5fc')
    expect(at).toBeGreaterThan(0)
    const shortest = fromHex(
      `${YUBICO.GET_ASSERTION_RESPONSE_LONG_LENGTHS.slice(0, at)}5825${YUBICO.GET_ASSERTION_RESPONSE_LONG_LENGTHS.slice(at + 6)}`,
    )
    expect(() => decodeCbor(long)).toThrow(CborError)
    const read = parseGetAssertion(decodeResponse(concatBytes(Uint8Array.of(0), long)))
    expect(read).toEqual(parseGetAssertion(decodeResponse(concatBytes(Uint8Array.of(0), shortest))))
    expect(read.authData).toHaveLength(37)
    expect(parseAuthenticatorData(read.authData).signCount).toBe(29)
    expect(read.credentialId).toHaveLength(64)
  })
})
