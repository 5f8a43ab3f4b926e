import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { concatBytes, toHex, uint32BE } from '../../../src-main/fido/protocol/bytes'
import {
  Ctap1,
  SW,
  U2F_AUTH,
  decodeApdu,
  encodeApdu,
  parseRegistration,
  untilTouched,
} from '../../../src-main/fido/protocol/ctap1'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import {
  CAPABILITY,
  CTAPHID,
  CTAPHID_ERR,
  encodeFrames,
  parseFrame,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import { ApduStatusError, FidoProtocolError } from '../../../src-main/fido/protocol/errors'
import { createMemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import type { VirtualKeyOptions } from '../../../src-main/fido/virtual-key/key'

const APPLICATION = new Uint8Array(createHash('sha256').update('guichet').digest())
const CHALLENGE = new Uint8Array(32).fill(0x42)
const CALL = { timeoutMs: 2000 }

describe('CTAP1/U2F APDUs (extended length, CTAP 2.1 §10.2)', () => {
  it('encodes U2F_REGISTER and U2F_VERSION', () => {
    const register = encodeApdu({
      cla: 0,
      ins: 0x01,
      p1: 0,
      p2: 0,
      data: concatBytes(CHALLENGE, APPLICATION),
    })
    expect(toHex(register.subarray(0, 7))).toBe('00010000000040')
    expect(register.subarray(7, 71)).toEqual(concatBytes(CHALLENGE, APPLICATION))
    expect(toHex(register.subarray(71))).toBe('0000')
    expect(toHex(encodeApdu({ cla: 0, ins: 0x03, p1: 0, p2: 0, data: new Uint8Array(0) }))).toBe(
      '00030000000000',
    )
  })

  it('decodes extended and short APDUs, and refuses inconsistent lengths', () => {
    expect(decodeApdu(Uint8Array.of(0, 2, 3, 0, 0, 0, 2, 0xaa, 0xbb, 0, 0))).toEqual({
      cla: 0,
      ins: 2,
      p1: 3,
      p2: 0,
      data: Uint8Array.of(0xaa, 0xbb),
    })
    expect(decodeApdu(Uint8Array.of(0, 2, 3, 0, 2, 0xaa, 0xbb)).data).toEqual(
      Uint8Array.of(0xaa, 0xbb),
    )
    expect(() => decodeApdu(Uint8Array.of(0, 2, 3, 0, 0, 0, 9, 1))).toThrow(ApduStatusError)
    expect(() => decodeApdu(Uint8Array.of(0, 2))).toThrow(ApduStatusError)
  })

  it('refuses a truncated registration response', () => {
    expect(() => parseRegistration(Uint8Array.of(0x05, 0x04))).toThrow(FidoProtocolError)
    const noCert = concatBytes(
      Uint8Array.of(0x05),
      Uint8Array.of(0x04),
      new Uint8Array(64),
      Uint8Array.of(1, 0xaa),
    )
    expect(() => parseRegistration(noCert)).toThrow(FidoProtocolError)
  })
})

async function u2fKey(options: VirtualKeyOptions = {}) {
  const key = new VirtualKey({ u2fOnly: true, ...options })
  const connection = await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })
  return { key, connection, ctap1: new Ctap1(connection) }
}

describe('the virtual key in U2F-only mode', () => {
  it('does not announce CBOR and answers CTAPHID_CBOR with ERR_INVALID_CMD', async () => {
    const key = new VirtualKey({ u2fOnly: true })
    const transport = createMemoryTransport(key)
    const connection = await openCtapHid(transport, { timeoutMs: 1000 })
    expect(connection.hasCapability(CAPABILITY.CBOR)).toBe(false)
    for (const frame of encodeFrames(
      connection.info.channelId,
      CTAPHID.CBOR,
      Uint8Array.of(0x04),
    )) {
      await transport.write(frame)
    }
    const answer = parseFrame((await transport.read(500)) ?? new Uint8Array(64))
    expect(answer).toMatchObject({ kind: 'init', cmd: CTAPHID.ERROR })
    expect(answer.data[0]).toBe(CTAPHID_ERR.INVALID_CMD)
  })

  it('answers U2F_VERSION', async () => {
    const { ctap1 } = await u2fKey()
    expect(await ctap1.version(CALL)).toBe('U2F_V2')
  })

  it('registers with a verifiable attestation and signs with a rising counter', async () => {
    const { ctap1 } = await u2fKey()
    const registration = await ctap1.register(CHALLENGE, APPLICATION, CALL)
    const certificate = new X509Certificate(Buffer.from(registration.certificate))
    const signed = concatBytes(
      Uint8Array.of(0),
      APPLICATION,
      CHALLENGE,
      registration.keyHandle,
      registration.publicKey,
    )
    expect(verify('sha256', signed, certificate.publicKey, registration.signature)).toBe(true)

    expect(
      await ctap1.isKeyHandleKnown(
        { application: APPLICATION, keyHandle: registration.keyHandle },
        CALL,
      ),
    ).toBe(true)
    expect(
      await ctap1.isKeyHandleKnown(
        { application: new Uint8Array(32), keyHandle: registration.keyHandle },
        CALL,
      ),
    ).toBe(false)
    const publicKey = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(registration.publicKey.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(registration.publicKey.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    })
    const request = {
      challenge: CHALLENGE,
      application: APPLICATION,
      keyHandle: registration.keyHandle,
    }
    const first = await ctap1.authenticate(
      { ...request, control: U2F_AUTH.ENFORCE_USER_PRESENCE_AND_SIGN },
      CALL,
    )
    const second = await ctap1.authenticate(
      { ...request, control: U2F_AUTH.DONT_ENFORCE_USER_PRESENCE_AND_SIGN },
      CALL,
    )
    expect(first.userPresence).toBe(1)
    expect(second.userPresence).toBe(0)
    expect(second.counter).toBe(first.counter + 1)
    const signedAssertion = concatBytes(
      APPLICATION,
      Uint8Array.of(1),
      uint32BE(first.counter),
      CHALLENGE,
    )
    expect(verify('sha256', signedAssertion, publicKey, first.signature)).toBe(true)
  })

  it('answers SW_WRONG_DATA for an unknown key handle and SW_INS_NOT_SUPPORTED for an unknown instruction', async () => {
    const { ctap1 } = await u2fKey()
    await expect(
      ctap1.authenticate(
        {
          challenge: CHALLENGE,
          application: APPLICATION,
          keyHandle: new Uint8Array(64),
          control: U2F_AUTH.ENFORCE_USER_PRESENCE_AND_SIGN,
        },
        CALL,
      ),
    ).rejects.toMatchObject({ sw: SW.WRONG_DATA })
    await expect(
      ctap1.send({ cla: 0, ins: 0x40, p1: 0, p2: 0, data: new Uint8Array(0) }, CALL),
    ).rejects.toMatchObject({
      sw: SW.INS_NOT_SUPPORTED,
    })
    await expect(
      ctap1.send({ cla: 0x80, ins: 0x03, p1: 0, p2: 0, data: new Uint8Array(0) }, CALL),
    ).rejects.toMatchObject({
      sw: SW.CLA_NOT_SUPPORTED,
    })
  })

  it('polls while the key answers SW_CONDITIONS_NOT_SATISFIED, until the user touches it', async () => {
    const { ctap1, key } = await u2fKey({ userPresence: 'wait' })
    let touchNeeded = 0
    const registering = untilTouched((call) => ctap1.register(CHALLENGE, APPLICATION, call), {
      deadline: Date.now() + 3000,
      onTouchNeeded: () => touchNeeded++,
    })
    await key.waitForTouchRequest()
    key.touch()
    await expect(registering).resolves.toMatchObject({ keyHandle: expect.any(Uint8Array) })
    expect(touchNeeded).toBe(1)
  })

  it('gives up polling at the deadline and on abort', async () => {
    const { ctap1 } = await u2fKey({ userPresence: 'deny' })
    await expect(
      untilTouched((call) => ctap1.register(CHALLENGE, APPLICATION, call), {
        deadline: Date.now() + 250,
      }),
    ).rejects.toMatchObject({ failure: 'timeout' })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    await expect(
      untilTouched((call) => ctap1.register(CHALLENGE, APPLICATION, call), {
        deadline: Date.now() + 5000,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ failure: 'cancelled' })
  })
})
