import { describe, expect, it } from 'vitest'
import { decodeCbor } from '../../../src-main/fido/protocol/cbor'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import { toHex, utf8 } from '../../../src-main/fido/protocol/bytes'
import {
  encodeAuthenticatorData,
  parseAuthenticatorData,
  es256CoseKey,
} from '../../../src-main/fido/protocol/authenticator-data'
import {
  buildClientDataJSON,
  encodeAttestationObject,
} from '../../../src-main/fido/client/webauthn-json'
import {
  FIDO_ERROR_CODES,
  fidoErrorCodeForStatus,
  toFidoError,
} from '../../../src-main/fido/client/errors'
import { STATUS } from '../../../src-main/fido/protocol/ctap2-constants'
import {
  ApduStatusError,
  CtapHidError,
  CtapStatusError,
} from '../../../src-main/fido/protocol/errors'
import { CborError } from '../../../src-main/fido/protocol/cbor'

describe('WebAuthn shapes', () => {
  it('serializes clientDataJSON in the WebAuthn order: type, challenge, origin, crossOrigin', () => {
    const json = buildClientDataJSON({
      type: 'webauthn.get',
      challenge: Uint8Array.of(0xfb, 0xff),
      origin: 'app://guichet',
    })
    expect(new TextDecoder().decode(json)).toBe(
      '{"type":"webauthn.get","challenge":"-_8","origin":"app://guichet","crossOrigin":false}',
    )
  })

  it('turns the CTAP2 integer keys 1, 2, 3 into fmt, authData, attStmt', () => {
    const attStmt = new Map<CborKey, CborValue>([
      ['alg', -7],
      ['sig', Uint8Array.of(0x30)],
    ])
    const object = decodeCbor(
      encodeAttestationObject({ fmt: 'packed', authData: Uint8Array.of(1, 2), attStmt }),
    )
    expect(object).toEqual(
      new Map<CborKey, CborValue>([
        ['fmt', 'packed'],
        ['attStmt', attStmt],
        ['authData', Uint8Array.of(1, 2)],
      ]),
    )
  })

  it('encodes and parses authenticator data with an attested credential', () => {
    const point = new Uint8Array(65).fill(7)
    point[0] = 4
    const data = {
      rpIdHash: new Uint8Array(32).fill(1),
      flags: 0x45,
      signCount: 0x01020304,
      attestedCredentialData: {
        aaguid: new Uint8Array(16).fill(2),
        credentialId: utf8('credential'),
        credentialPublicKey: es256CoseKey(point),
      },
    }
    const bytes = encodeAuthenticatorData(data)
    expect(toHex(bytes.subarray(32, 37))).toBe('4501020304')
    expect(parseAuthenticatorData(bytes)).toEqual(data)
    expect(() => parseAuthenticatorData(bytes.subarray(0, bytes.length - 1))).toThrow()
    expect(() => parseAuthenticatorData(new Uint8Array(36))).toThrow()
  })
})

describe('client error codes', () => {
  it.each([
    [STATUS.PIN_INVALID, 'FIDO_PIN_INVALID'],
    [STATUS.PIN_BLOCKED, 'FIDO_PIN_BLOCKED'],
    [STATUS.PIN_AUTH_BLOCKED, 'FIDO_PIN_AUTH_BLOCKED'],
    [STATUS.PIN_NOT_SET, 'FIDO_PIN_NOT_SET'],
    // a new PIN the key's rules refuse is not a wrong PIN (§6.5.5.5, §6.5.1)
    [STATUS.PIN_POLICY_VIOLATION, 'FIDO_PIN_POLICY'],
    [STATUS.PUAT_REQUIRED, 'FIDO_PIN_REQUIRED'],
    [STATUS.CREDENTIAL_EXCLUDED, 'FIDO_CREDENTIAL_EXCLUDED'],
    [STATUS.NO_CREDENTIALS, 'FIDO_NO_CREDENTIALS'],
    [STATUS.USER_ACTION_TIMEOUT, 'FIDO_TIMEOUT'],
    [STATUS.KEEPALIVE_CANCEL, 'FIDO_CANCELLED'],
    [STATUS.OPERATION_DENIED, 'FIDO_CANCELLED'],
    [STATUS.INVALID_CBOR, 'FIDO_DEVICE_ERROR'],
    [0xf5, 'FIDO_DEVICE_ERROR'],
  ])('maps CTAP2 status 0x%s', (status, code) => {
    expect(fidoErrorCodeForStatus(status)).toBe(code)
  })

  it('maps every lower-layer error into the closed set, keeping the cause', () => {
    const cases: [unknown, string][] = [
      [new CtapHidError('timeout', 't'), 'FIDO_TIMEOUT'],
      [new CtapHidError('cancelled', 'c'), 'FIDO_CANCELLED'],
      [new CtapHidError('disconnected', 'd'), 'FIDO_NO_DEVICE'],
      [new CtapHidError('protocol', 'p'), 'FIDO_DEVICE_ERROR'],
      [new CtapStatusError(STATUS.PIN_INVALID, 's'), 'FIDO_PIN_INVALID'],
      [new ApduStatusError(0x6a80, 'a'), 'FIDO_DEVICE_ERROR'],
      [new CborError('c'), 'FIDO_DEVICE_ERROR'],
      [new Error('anything'), 'FIDO_DEVICE_ERROR'],
    ]
    for (const [error, code] of cases) {
      const mapped = toFidoError(error)
      expect(mapped.code).toBe(code)
      expect(FIDO_ERROR_CODES).toContain(mapped.code)
      expect(mapped.cause).toBe(error)
    }
  })
})
