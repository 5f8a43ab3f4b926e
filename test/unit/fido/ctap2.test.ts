import { describe, expect, it } from 'vitest'
import { toHex, utf8 } from '../../../src-main/fido/protocol/bytes'
import { encodeCbor } from '../../../src-main/fido/protocol/cbor'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import {
  Ctap2,
  decodeResponse,
  encodeClientPin,
  encodeCommand,
  encodeGetAssertion,
  encodeMakeCredential,
  parseGetAssertion,
  parseGetInfo,
} from '../../../src-main/fido/protocol/ctap2'
import { CP_SUBCMD, CTAP2_CMD, STATUS } from '../../../src-main/fido/protocol/ctap2-constants'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import { CtapStatusError } from '../../../src-main/fido/protocol/errors'
import { createMemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import type { VirtualKeyOptions } from '../../../src-main/fido/virtual-key/key'
import { parseAuthenticatorData } from '../../../src-main/fido/protocol/authenticator-data'
import { createHash } from 'node:crypto'

const HASH_11 = '11'.repeat(32)
const HASH_22 = '22'.repeat(32)

function h(...parts: string[]): string {
  return parts.join('').replace(/\s+/g, '')
}

describe('CTAP2 requests, byte for byte (CTAP 2.1 §6)', () => {
  it('authenticatorGetInfo, authenticatorGetNextAssertion and authenticatorSelection are one byte', () => {
    expect(toHex(encodeCommand(CTAP2_CMD.GET_INFO))).toBe('04')
    expect(toHex(encodeCommand(CTAP2_CMD.GET_NEXT_ASSERTION))).toBe('08')
    expect(toHex(encodeCommand(CTAP2_CMD.SELECTION))).toBe('0b')
  })

  it('authenticatorMakeCredential with rk', () => {
    const request = encodeMakeCredential({
      clientDataHash: new Uint8Array(32).fill(0x11),
      rp: { id: 'guichet', name: 'Guichet' },
      user: { id: Uint8Array.of(1, 2, 3), name: 'a', displayName: 'A' },
      algorithms: [-7],
      options: { rk: true },
    })
    expect(toHex(request)).toBe(
      h(
        '01', // authenticatorMakeCredential
        'a5', // map(5)
        '01 5820',
        HASH_11, // 1: clientDataHash
        '02 a2 62 6964 67 67756963686574 64 6e616d65 67 47756963686574', // 2: rp {id, name}
        '03 a3 62 6964 43 010203 64 6e616d65 61 61 6b 646973706c61794e616d65 61 41', // 3: user
        '04 81 a2 63 616c67 26 64 74797065 6a 7075626c69632d6b6579', // 4: [{alg: -7, type}]
        '07 a1 62 726b f5', // 7: {rk: true}
      ),
    )
  })

  it('authenticatorMakeCredential with excludeList, pinUvAuthParam and protocol', () => {
    const request = encodeMakeCredential({
      clientDataHash: new Uint8Array(32).fill(0x11),
      rp: { id: 'g', name: 'G' },
      user: { id: Uint8Array.of(9), name: 'u', displayName: 'U' },
      algorithms: [-7, -8],
      excludeList: [{ id: Uint8Array.of(0xaa, 0xbb) }],
      pinUvAuthParam: new Uint8Array(16).fill(0x33),
      pinUvAuthProtocol: 1,
    })
    expect(toHex(request)).toBe(
      h(
        '01 a7',
        '01 5820',
        HASH_11,
        '02 a2 62 6964 61 67 64 6e616d65 61 47',
        '03 a3 62 6964 41 09 64 6e616d65 61 75 6b 646973706c61794e616d65 61 55',
        '04 82 a2 63 616c67 26 64 74797065 6a 7075626c69632d6b6579 a2 63 616c67 27 64 74797065 6a 7075626c69632d6b6579',
        '05 81 a2 62 6964 42 aabb 64 74797065 6a 7075626c69632d6b6579',
        '08 50',
        '33'.repeat(16),
        '09 01',
      ),
    )
  })

  it('authenticatorGetAssertion with an allowList and a protocol-2 pinUvAuthParam', () => {
    const request = encodeGetAssertion({
      rpId: 'guichet',
      clientDataHash: new Uint8Array(32).fill(0x22),
      allowList: [{ id: Uint8Array.of(0xaa, 0xbb) }],
      pinUvAuthParam: new Uint8Array(32).fill(0x44),
      pinUvAuthProtocol: 2,
    })
    expect(toHex(request)).toBe(
      h(
        '02 a5',
        '01 67 67756963686574',
        '02 5820',
        HASH_22,
        '03 81 a2 62 6964 42 aabb 64 74797065 6a 7075626c69632d6b6579',
        '06 5820',
        '44'.repeat(32),
        '07 02',
      ),
    )
  })

  it('authenticatorGetAssertion pre-flight with up = false and no allowList when empty', () => {
    const request = encodeGetAssertion({
      rpId: 'g',
      clientDataHash: new Uint8Array(32),
      allowList: [],
      options: { up: false },
    })
    expect(toHex(request)).toBe(
      h('02 a3', '01 61 67', '02 5820', '00'.repeat(32), '05 a1 62 7570 f4'),
    )
  })

  it('authenticatorClientPIN getPINRetries and getKeyAgreement', () => {
    expect(
      toHex(encodeClientPin({ pinUvAuthProtocol: 2, subCommand: CP_SUBCMD.GET_PIN_RETRIES })),
    ).toBe('06a201020201')
    expect(
      toHex(encodeClientPin({ pinUvAuthProtocol: 1, subCommand: CP_SUBCMD.GET_KEY_AGREEMENT })),
    ).toBe('06a201010202')
  })

  it('authenticatorClientPIN getPinUvAuthTokenUsingPinWithPermissions', () => {
    const keyAgreement = new Map<CborKey, CborValue>([
      [1, 2],
      [3, -25],
      [-1, 1],
      [-2, new Uint8Array(32).fill(0x0a)],
      [-3, new Uint8Array(32).fill(0x0b)],
    ])
    const request = encodeClientPin({
      pinUvAuthProtocol: 2,
      subCommand: CP_SUBCMD.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS,
      keyAgreement,
      pinHashEnc: new Uint8Array(32).fill(0x0c),
      permissions: 0x01,
      rpId: 'guichet',
    })
    expect(toHex(request)).toBe(
      h(
        '06 a6',
        '01 02',
        '02 09',
        '03 a5 01 02 03 38 18 20 01 21 5820',
        '0a'.repeat(32),
        '22 5820',
        '0b'.repeat(32),
        '06 5820',
        '0c'.repeat(32),
        '09 01',
        '0a 67 67756963686574',
      ),
    )
  })
})

describe('CTAP2 responses', () => {
  it('raises the status byte as a typed error', () => {
    expect(() => decodeResponse(Uint8Array.of(STATUS.PIN_INVALID))).toThrow(
      expect.objectContaining({ name: 'CtapStatusError', status: STATUS.PIN_INVALID }),
    )
    expect(() => decodeResponse(new Uint8Array(0))).toThrow(CtapStatusError)
  })

  it('rejects a malformed or non-canonical body', () => {
    expect(() => decodeResponse(Uint8Array.of(0, 0xa2, 0x02, 0x00, 0x01, 0x00))).toThrow(
      /canonical/,
    )
    expect(() => decodeResponse(Uint8Array.of(0, 0xa1, 0x01))).toThrow(/malformed/)
    expect(() => decodeResponse(Uint8Array.of(0, 0x01))).toThrow(/map/)
  })

  it('parses authenticatorGetInfo with defaults', () => {
    const info = parseGetInfo(
      new Map<CborKey, CborValue>([
        [1, ['FIDO_2_0']],
        [3, new Uint8Array(16)],
      ]),
    )
    expect(info).toMatchObject({
      versions: ['FIDO_2_0'],
      maxMsgSize: 1024,
      pinUvAuthProtocols: [],
      options: {},
    })
    expect(() => parseGetInfo(new Map<CborKey, CborValue>([[1, ['FIDO_2_0']]]))).toThrow()
  })

  it('parses authenticatorGetAssertion user and count', () => {
    const parsed = parseGetAssertion(
      new Map<CborKey, CborValue>([
        [
          1,
          new Map<CborKey, CborValue>([
            ['id', Uint8Array.of(1)],
            ['type', 'public-key'],
          ]),
        ],
        [2, new Uint8Array(37)],
        [3, Uint8Array.of(0x30)],
        [4, new Map<CborKey, CborValue>([['id', Uint8Array.of(7)]])],
        [5, 2],
      ]),
    )
    expect(parsed).toEqual({
      credentialId: Uint8Array.of(1),
      authData: new Uint8Array(37),
      signature: Uint8Array.of(0x30),
      user: { id: Uint8Array.of(7) },
      numberOfCredentials: 2,
    })
    expect(() => parseGetAssertion(new Map<CborKey, CborValue>([[2, 'not bytes']]))).toThrow()
  })
})

async function session(
  options: VirtualKeyOptions = {},
): Promise<{ ctap2: Ctap2; key: VirtualKey }> {
  const key = new VirtualKey(options)
  const connection = await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })
  return { ctap2: new Ctap2(connection), key }
}

const CALL = { timeoutMs: 2000 }

describe('CTAP2 against the virtual key', () => {
  it('reads authenticatorGetInfo', async () => {
    const { ctap2 } = await session({ pin: '1234' })
    const info = await ctap2.getInfo(CALL)
    expect(info.versions).toContain('FIDO_2_1')
    expect(info.options).toMatchObject({
      rk: true,
      up: true,
      clientPin: true,
      pinUvAuthToken: true,
    })
    expect(info.pinUvAuthProtocols).toEqual([2, 1])
    expect(info.aaguid).toHaveLength(16)
  })

  it('lists discoverable credentials most recent first, then with authenticatorGetNextAssertion', async () => {
    const { ctap2 } = await session()
    for (const name of ['first', 'second']) {
      await ctap2.makeCredential(
        {
          clientDataHash: new Uint8Array(32),
          rp: { id: 'guichet', name: 'Guichet' },
          user: { id: utf8(name), name, displayName: name },
          algorithms: [-7],
          options: { rk: true },
        },
        CALL,
      )
    }
    const first = await ctap2.getAssertion(
      { rpId: 'guichet', clientDataHash: new Uint8Array(32) },
      CALL,
    )
    expect(first.numberOfCredentials).toBe(2)
    expect(first.user?.id).toEqual(utf8('second'))
    // No user verification: no user-identifiable information (CTAP 2.1 §6.2.2).
    expect(first.user?.name).toBeUndefined()
    const next = await ctap2.getNextAssertion(CALL)
    expect(next.user?.id).toEqual(utf8('first'))
    await expect(ctap2.getNextAssertion(CALL)).rejects.toMatchObject({ status: STATUS.NOT_ALLOWED })
    const authData = parseAuthenticatorData(next.authData)
    expect(authData.rpIdHash).toEqual(
      new Uint8Array(createHash('sha256').update('guichet').digest()),
    )
    expect(authData.signCount).toBeGreaterThan(parseAuthenticatorData(first.authData).signCount)
  })

  it('answers NO_CREDENTIALS for an unknown RP, after the touch', async () => {
    const { ctap2 } = await session()
    await expect(
      ctap2.getAssertion({ rpId: 'nobody', clientDataHash: new Uint8Array(32) }, CALL),
    ).rejects.toMatchObject({ status: STATUS.NO_CREDENTIALS })
  })

  it('answers authenticatorSelection once touched, OPERATION_DENIED when refused', async () => {
    const { ctap2, key } = await session({ userPresence: 'wait' })
    const selected = ctap2.selection(CALL)
    await key.waitForTouchRequest()
    key.touch()
    await expect(selected).resolves.toBeUndefined()
    const refused = ctap2.selection(CALL)
    await key.waitForTouchRequest()
    key.refuseTouch()
    await expect(refused).rejects.toMatchObject({ status: STATUS.OPERATION_DENIED })
  })

  it('refuses a request larger than maxMsgSize before sending it', async () => {
    const { ctap2 } = await session()
    await ctap2.getInfo(CALL)
    const huge = encodeCbor(new Map<CborKey, CborValue>([[1, new Uint8Array(1300)]]))
    await expect(ctap2.send(Uint8Array.of(0x02, ...huge), CALL)).rejects.toMatchObject({
      status: STATUS.REQUEST_TOO_LARGE,
    })
  })
})
