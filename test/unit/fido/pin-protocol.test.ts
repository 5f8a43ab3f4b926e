import { createECDH, createHash, createHmac, createDecipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { concatBytes, toHex } from '../../../src-main/fido/protocol/bytes'
import { decodeCbor, encodeCbor } from '../../../src-main/fido/protocol/cbor'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import { ClientPin } from '../../../src-main/fido/protocol/client-pin'
import { Ctap2 } from '../../../src-main/fido/protocol/ctap2'
import {
  CP,
  CP_RESPONSE,
  CP_SUBCMD,
  PERMISSION,
  STATUS,
} from '../../../src-main/fido/protocol/ctap2-constants'
import { FidoProtocolError } from '../../../src-main/fido/protocol/errors'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import type { CtapHidConnection } from '../../../src-main/fido/protocol/ctaphid'
import { createMemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import {
  createKeyAgreementKey,
  createPinUvAuthProtocol,
  keyAgreementToCose,
  paddedPin,
  pinHash,
  pointFromCose,
  sharedSecret,
} from '../../../src-main/fido/protocol/pin-protocol'
import type { PinUvAuthProtocolVersion } from '../../../src-main/fido/protocol/pin-protocol'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import { parseAuthenticatorData } from '../../../src-main/fido/protocol/authenticator-data'
import { hex } from './helpers'

// Fixed P-256 private keys (any scalar below the group order will do).
const PLATFORM_PRIVATE = hex('7c1e0b2f6bd7c6e5a9f0c3d2b1a0998877665544332211ffeeddccbbaa998877')
const AUTHENTICATOR_PRIVATE = hex(
  '2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819',
)
const FIXED_IV = hex('000102030405060708090a0b0c0d0e0f')

/** Z computed independently of pin-protocol.ts. */
function ecdhX(privateKey: Uint8Array, peerPrivate: Uint8Array): Uint8Array {
  const own = createECDH('prime256v1')
  own.setPrivateKey(privateKey)
  const peer = createECDH('prime256v1')
  peer.setPrivateKey(peerPrivate)
  return new Uint8Array(own.computeSecret(peer.getPublicKey()))
}

/** RFC 5869 HKDF-SHA-256 with one output block, written out. */
function hkdfOneBlock(ikm: Uint8Array, info: string): Uint8Array {
  const prk = createHmac('sha256', new Uint8Array(32)).update(ikm).digest()
  return new Uint8Array(
    createHmac('sha256', prk)
      .update(Buffer.concat([Buffer.from(info), Buffer.of(1)]))
      .digest(),
  )
}

describe('PIN/UV auth protocols with fixed keys (CTAP 2.1 §6.5.6, §6.5.7)', () => {
  const z = ecdhX(PLATFORM_PRIVATE, AUTHENTICATOR_PRIVATE)
  const authenticator = createKeyAgreementKey(AUTHENTICATOR_PRIVATE)
  const platform = createKeyAgreementKey(PLATFORM_PRIVATE)

  it('protocol 1: shared secret is SHA-256(Z), on both sides', () => {
    const one = createPinUvAuthProtocol(1)
    const expected = new Uint8Array(createHash('sha256').update(z).digest())
    expect(sharedSecret(one, platform, keyAgreementToCose(authenticator))).toEqual(expected)
    expect(sharedSecret(one, authenticator, keyAgreementToCose(platform))).toEqual(expected)
  })

  it('protocol 2: shared secret is HKDF(Z, "CTAP2 HMAC key") || HKDF(Z, "CTAP2 AES key")', () => {
    const two = createPinUvAuthProtocol(2)
    const expected = concatBytes(
      hkdfOneBlock(z, 'CTAP2 HMAC key'),
      hkdfOneBlock(z, 'CTAP2 AES key'),
    )
    expect(sharedSecret(two, platform, keyAgreementToCose(authenticator))).toEqual(expected)
  })

  it('protocol 1: AES-256-CBC with a zero IV, HMAC truncated to 16 bytes', () => {
    const one = createPinUvAuthProtocol(1)
    const key = new Uint8Array(32).fill(7)
    const plaintext = pinHash('1234')
    const ciphertext = one.encrypt(key, plaintext)
    expect(ciphertext).toHaveLength(16)
    const decipher = createDecipheriv('aes-256-cbc', key, new Uint8Array(16)).setAutoPadding(false)
    expect(new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]))).toEqual(
      plaintext,
    )
    expect(one.decrypt(key, ciphertext)).toEqual(plaintext)
    const mac = one.authenticate(key, plaintext)
    expect(mac).toEqual(
      new Uint8Array(createHmac('sha256', key).update(plaintext).digest()).subarray(0, 16),
    )
    expect(one.verify(key, plaintext, mac)).toBe(true)
    expect(
      one.verify(
        key,
        plaintext,
        mac.map((b) => b ^ 1),
      ),
    ).toBe(false)
  })

  it('protocol 2: IV || ciphertext with the AES half, full HMAC with the HMAC half', () => {
    const two = createPinUvAuthProtocol(2, { random: () => FIXED_IV })
    const hmacKey = new Uint8Array(32).fill(1)
    const aesKey = new Uint8Array(32).fill(2)
    const shared = concatBytes(hmacKey, aesKey)
    const plaintext = pinHash('1234')
    const ciphertext = two.encrypt(shared, plaintext)
    expect(ciphertext.subarray(0, 16)).toEqual(FIXED_IV)
    const decipher = createDecipheriv('aes-256-cbc', aesKey, FIXED_IV).setAutoPadding(false)
    expect(
      new Uint8Array(Buffer.concat([decipher.update(ciphertext.subarray(16)), decipher.final()])),
    ).toEqual(plaintext)
    expect(two.decrypt(shared, ciphertext)).toEqual(plaintext)
    expect(two.authenticate(shared, plaintext)).toEqual(
      new Uint8Array(createHmac('sha256', hmacKey).update(plaintext).digest()),
    )
    // A 32-byte pinUvAuthToken is used whole.
    const token = new Uint8Array(32).fill(9)
    expect(two.authenticate(token, plaintext)).toEqual(
      new Uint8Array(createHmac('sha256', token).update(plaintext).digest()),
    )
  })

  it('hashes and pads PINs as the spec says', () => {
    expect(toHex(pinHash('1234'))).toBe('03ac674216f3e15c761ee1a5e255f067')
    const padded = paddedPin('1234')
    expect(padded).toHaveLength(64)
    expect(toHex(padded.subarray(0, 5))).toBe('3132333400')
    expect(() => paddedPin('x'.repeat(64))).toThrow()
  })

  it('refuses a key-agreement key that is not on the curve', () => {
    const bad = keyAgreementToCose(platform)
    bad.set(-3, new Uint8Array(32).fill(0xff))
    expect(() => sharedSecret(createPinUvAuthProtocol(2), authenticator, bad)).toThrow(
      /invalid peer/,
    )
  })
})

describe('PIN/UV auth protocols refuse malformed input (CTAP 2.1 §6.5.6, §6.5.7)', () => {
  const one = createPinUvAuthProtocol(1)
  const two = createPinUvAuthProtocol(2, { random: () => FIXED_IV })
  const key = new Uint8Array(32).fill(7)
  const shared = concatBytes(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2))
  const notBlocks = new FidoProtocolError('PIN protocol: data is not a multiple of 16')

  it('encrypts and decrypts whole AES blocks only (AES-256-CBC without padding)', () => {
    expect(() => one.encrypt(key, new Uint8Array(15))).toThrow(notBlocks)
    expect(() => one.decrypt(key, new Uint8Array(17))).toThrow(notBlocks)
    expect(() => two.encrypt(shared, new Uint8Array(31))).toThrow(notBlocks)
    expect(() => two.decrypt(shared, new Uint8Array(16 + 15))).toThrow(notBlocks)
  })

  it('protocol 2: a ciphertext shorter than its IV is refused; the IV alone is an empty plaintext', () => {
    expect(() => two.decrypt(shared, new Uint8Array(15))).toThrow(
      new FidoProtocolError('PIN protocol 2: ciphertext too short'),
    )
    expect(two.decrypt(shared, FIXED_IV)).toEqual(new Uint8Array(0))
    expect(two.encrypt(shared, new Uint8Array(0))).toEqual(FIXED_IV)
  })

  it('verify: a signature of the other protocol’s length is false, not an exception', () => {
    const message = pinHash('1234')
    const full = createHmac('sha256', key).update(message).digest()
    expect(one.verify(key, message, new Uint8Array(full))).toBe(false)
    expect(one.verify(key, message, new Uint8Array(full).subarray(0, 16))).toBe(true)
    const truncated = two.authenticate(shared, message).subarray(0, 16)
    expect(two.verify(shared, message, truncated)).toBe(false)
  })
})

describe('the peer key-agreement key (COSE_Key, CTAP 2.1 §6.5.6 getPublicKey)', () => {
  const platform = createKeyAgreementKey(PLATFORM_PRIVATE)
  const authenticator = createKeyAgreementKey(AUTHENTICATOR_PRIVATE)
  const COSE_KTY = 1
  const COSE_CRV = -1
  const COSE_X = -2
  const COSE_Y = -3

  function thrownBy(attempt: () => unknown): unknown {
    try {
      attempt()
    } catch (error) {
      return error
    }
    throw new Error('expected an exception')
  }

  function cose(change: (key: Map<CborKey, CborValue>) => void): Map<CborKey, CborValue> {
    const key = keyAgreementToCose(platform)
    change(key)
    return key
  }

  it('is the uncompressed P-256 point 04 || x || y', () => {
    expect(pointFromCose(keyAgreementToCose(platform))).toEqual(
      new Uint8Array(platform.getPublicKey()),
    )
  })

  it.each<[string, (key: Map<CborKey, CborValue>) => void, string]>([
    ['kty OKP (1), not EC2', (key) => key.set(COSE_KTY, 1), 'COSE key: not EC2'],
    ['no kty', (key) => key.delete(COSE_KTY), 'COSE kty: expected an integer'],
    ['crv P-384 (2)', (key) => key.set(COSE_CRV, 2), 'COSE key: not P-256'],
    ['no crv', (key) => key.delete(COSE_CRV), 'COSE crv: expected an integer'],
    ['no x', (key) => key.delete(COSE_X), 'COSE x: expected a byte string'],
    ['no y', (key) => key.delete(COSE_Y), 'COSE y: expected a byte string'],
    [
      'x of 31 bytes',
      (key) => key.set(COSE_X, new Uint8Array(31).fill(1)),
      'COSE key: bad coordinate length',
    ],
    [
      'y of 31 bytes',
      (key) => key.set(COSE_Y, new Uint8Array(31).fill(1)),
      'COSE key: bad coordinate length',
    ],
  ])('refuses %s, and key agreement says so as it is', (_, change, message) => {
    for (const attempt of [
      () => pointFromCose(cose(change)),
      () => sharedSecret(createPinUvAuthProtocol(2), authenticator, cose(change)),
    ]) {
      const failure = thrownBy(attempt)
      expect(failure).toBeInstanceOf(FidoProtocolError)
      expect(failure).toMatchObject({ message })
    }
  })

  it('a point off the curve fails key agreement, with the ECDH error as its cause', () => {
    const bad = cose((key) => key.set(COSE_Y, new Uint8Array(32).fill(0xff)))
    const failure = thrownBy(() => sharedSecret(createPinUvAuthProtocol(1), authenticator, bad))
    expect(failure).toBeInstanceOf(FidoProtocolError)
    expect(failure).toMatchObject({ message: 'key agreement: invalid peer public key' })
    expect((failure as Error).cause).toBeInstanceOf(Error)
  })
})

describe('PIN composition (CTAP 2.1 §6.5.1)', () => {
  it('newPinEnc cannot carry a PIN over 63 bytes of UTF-8', () => {
    expect(paddedPin('é'.repeat(31) + 'x')).toHaveLength(64)
    expect(() => paddedPin('é'.repeat(32))).toThrow(
      new FidoProtocolError('PIN longer than 63 bytes'),
    )
  })
})

/** Records the CTAP2 payloads a connection sends. */
function recording(connection: CtapHidConnection, requests: Uint8Array[]): CtapHidConnection {
  return {
    info: connection.info,
    hasCapability: (flag) => connection.hasCapability(flag),
    call: (cmd, payload, options) => {
      requests.push(payload.slice())
      return connection.call(cmd, payload, options)
    },
    close: () => connection.close(),
  }
}

/**
 * The virtual key's connection with its authenticatorClientPIN answers rewritten by `edit`
 * (given the request's subCommand and the answer's map): a key that leaves a field out.
 */
function editing(
  connection: CtapHidConnection,
  edit: (subCommand: CborValue, answer: Map<CborKey, CborValue>) => void,
): CtapHidConnection {
  return {
    info: connection.info,
    hasCapability: (flag) => connection.hasCapability(flag),
    call: async (cmd, payload, options) => {
      const response = await connection.call(cmd, payload, options)
      if (payload[0] !== 0x06 || response[0] !== STATUS.SUCCESS) return response
      const request = decodeCbor(payload.subarray(1)) as Map<CborKey, CborValue>
      const answer = decodeCbor(response.subarray(1)) as Map<CborKey, CborValue>
      edit(request.get(CP.SUB_COMMAND) ?? 0, answer)
      return concatBytes(Uint8Array.of(STATUS.SUCCESS), encodeCbor(answer))
    },
    close: () => connection.close(),
  }
}

const CALL = { timeoutMs: 2000 }

async function pinSession(version: PinUvAuthProtocolVersion, options: { pin?: string } = {}) {
  const key = new VirtualKey({
    ...(options.pin ? { pin: options.pin } : {}),
    keyAgreementKey: () => createKeyAgreementKey(AUTHENTICATOR_PRIVATE),
  })
  const requests: Uint8Array[] = []
  const connection = recording(
    await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 }),
    requests,
  )
  const ctap2 = new Ctap2(connection)
  const clientPin = new ClientPin(
    ctap2,
    createPinUvAuthProtocol(version, { random: () => FIXED_IV }),
    {
      platformKey: () => createKeyAgreementKey(PLATFORM_PRIVATE),
    },
  )
  return { key, ctap2, clientPin, requests }
}

describe.each([2, 1] as const)(
  'authenticatorClientPIN, protocol %i, against the virtual key',
  (version) => {
    it('sends the fixed platform key and the PIN hash encrypted under the shared secret', async () => {
      const { clientPin, requests } = await pinSession(version, { pin: '1234' })
      const token = await clientPin.getPinUvAuthTokenUsingPinWithPermissions(
        '1234',
        { permissions: PERMISSION.GET_ASSERTION, rpId: 'guichet' },
        CALL,
      )
      expect(token).toHaveLength(32)
      const request = requests.at(-1) ?? new Uint8Array(0)
      expect(request[0]).toBe(0x06)
      const params = decodeCbor(request.subarray(1)) as Map<CborKey, CborValue>
      expect(params.get(CP.KEY_AGREEMENT)).toEqual(
        keyAgreementToCose(createKeyAgreementKey(PLATFORM_PRIVATE)),
      )
      const protocol = createPinUvAuthProtocol(version, { random: () => FIXED_IV })
      const shared = sharedSecret(
        protocol,
        createKeyAgreementKey(PLATFORM_PRIVATE),
        keyAgreementToCose(createKeyAgreementKey(AUTHENTICATOR_PRIVATE)),
      )
      expect(params.get(CP.PIN_HASH_ENC)).toEqual(protocol.encrypt(shared, pinHash('1234')))
      expect(params.get(CP.PERMISSIONS)).toBe(PERMISSION.GET_ASSERTION)
      expect(params.get(CP.RP_ID)).toBe('guichet')
      expect(params.get(0x01)).toBe(version)
    })

    it('sets a PIN, then a token from it gives UV in makeCredential', async () => {
      const { clientPin, ctap2, key } = await pinSession(version)
      await clientPin.setPin('4321', CALL)
      expect(key.hasPin).toBe(true)
      const token = await clientPin.getPinToken('4321', CALL)
      const clientDataHash = new Uint8Array(32).fill(5)
      const made = await ctap2.makeCredential(
        {
          clientDataHash,
          rp: { id: 'guichet', name: 'Guichet' },
          user: { id: Uint8Array.of(1), name: 'u', displayName: 'U' },
          algorithms: [-7],
          options: { rk: true },
          pinUvAuthParam: clientPin.protocol.authenticate(token, clientDataHash),
          pinUvAuthProtocol: version,
        },
        CALL,
      )
      expect(parseAuthenticatorData(made.authData).flags & 0x05).toBe(0x05) // UP and UV
    })

    it('changes the PIN', async () => {
      const { clientPin } = await pinSession(version, { pin: '1234' })
      await clientPin.changePin('1234', '98765', CALL)
      await expect(clientPin.getPinToken('1234', CALL)).rejects.toMatchObject({
        status: STATUS.PIN_INVALID,
      })
      await expect(clientPin.getPinToken('98765', CALL)).resolves.toHaveLength(32)
    })

    it('counts retries down, blocks PIN auth after 3 mismatches until a power cycle, then blocks the PIN', async () => {
      const { clientPin, key } = await pinSession(version, { pin: '1234' })
      expect((await clientPin.getRetries(CALL)).retries).toBe(8)
      await expect(clientPin.getPinToken('0000', CALL)).rejects.toMatchObject({
        status: STATUS.PIN_INVALID,
      })
      expect(await clientPin.getRetries(CALL)).toEqual({ retries: 7, powerCycleState: false })
      await expect(clientPin.getPinToken('0000', CALL)).rejects.toMatchObject({
        status: STATUS.PIN_INVALID,
      })
      await expect(clientPin.getPinToken('0000', CALL)).rejects.toMatchObject({
        status: STATUS.PIN_AUTH_BLOCKED,
      })
      expect(await clientPin.getRetries(CALL)).toEqual({ retries: 5, powerCycleState: true })
      // Even the right PIN is refused until the key is unplugged and plugged back.
      await expect(clientPin.getPinToken('1234', CALL)).rejects.toMatchObject({
        status: STATUS.PIN_AUTH_BLOCKED,
      })
      key.powerCycle()
      const fresh = new ClientPin(
        new Ctap2(await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })),
        createPinUvAuthProtocol(version),
      )
      await expect(fresh.getPinToken('1234', CALL)).resolves.toHaveLength(32)
      expect((await fresh.getRetries(CALL)).retries).toBe(8)
      // Eight wrong PINs in a row, with a replug before each: the eighth blocks the PIN for good.
      for (let attempt = 1; attempt <= 8; attempt++) {
        key.powerCycle()
        const session = new ClientPin(
          new Ctap2(await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })),
          createPinUvAuthProtocol(version),
        )
        const expected = attempt === 8 ? STATUS.PIN_BLOCKED : STATUS.PIN_INVALID
        await expect(session.getPinToken('0000', CALL)).rejects.toMatchObject({ status: expected })
      }
      expect(key.pinRetries).toBe(0)
      key.powerCycle()
      const blocked = new ClientPin(
        new Ctap2(await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })),
        createPinUvAuthProtocol(version),
      )
      await expect(blocked.getPinToken('1234', CALL)).rejects.toMatchObject({
        status: STATUS.PIN_BLOCKED,
      })
    })

    describe('refuses an answer without what the subcommand returns (§6.5.5)', () => {
      /** A ClientPin over a virtual key whose answers to `subCommand` go through `edit`. */
      async function answering(
        subCommand: number,
        edit: (answer: Map<CborKey, CborValue>) => void,
      ): Promise<ClientPin> {
        const key = new VirtualKey({ pin: '1234' })
        const connection = editing(
          await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 }),
          (sub, answer) => {
            if (sub === subCommand) edit(answer)
          },
        )
        return new ClientPin(new Ctap2(connection), createPinUvAuthProtocol(version))
      }

      it('getPINRetries without pinRetries (§6.5.5.2)', async () => {
        const pin = await answering(CP_SUBCMD.GET_PIN_RETRIES, (answer) =>
          answer.delete(CP_RESPONSE.PIN_RETRIES),
        )
        const refused = pin.getRetries(CALL)
        await expect(refused).rejects.toThrow(FidoProtocolError)
        await expect(refused).rejects.toThrow(/pinRetries/)
      })

      it('getKeyAgreement without keyAgreement (§6.5.5.3)', async () => {
        const pin = await answering(CP_SUBCMD.GET_KEY_AGREEMENT, (answer) =>
          answer.delete(CP_RESPONSE.KEY_AGREEMENT),
        )
        const refused = pin.getPinToken('1234', CALL)
        await expect(refused).rejects.toThrow(FidoProtocolError)
        await expect(refused).rejects.toThrow(/keyAgreement/)
      })

      it('getPinToken without pinUvAuthToken (§6.5.5.7.1)', async () => {
        const pin = await answering(CP_SUBCMD.GET_PIN_TOKEN, (answer) =>
          answer.delete(CP_RESPONSE.PIN_UV_AUTH_TOKEN),
        )
        const refused = pin.getPinToken('1234', CALL)
        await expect(refused).rejects.toThrow(FidoProtocolError)
        await expect(refused).rejects.toThrow(/pinUvAuthToken/)
      })

      it('a pinUvAuthToken that decrypts to nothing (§6.5.5.7.2)', async () => {
        // protocol 1 encrypts with a zero IV, protocol 2 sends its IV first (§6.5.6, §6.5.7)
        const empty = version === 2 ? new Uint8Array(16) : new Uint8Array(0)
        const pin = await answering(
          CP_SUBCMD.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS,
          (answer) => answer.set(CP_RESPONSE.PIN_UV_AUTH_TOKEN, empty),
        )
        const refused = pin.getPinUvAuthTokenUsingPinWithPermissions(
          '1234',
          { permissions: PERMISSION.GET_ASSERTION, rpId: 'guichet' },
          CALL,
        )
        await expect(refused).rejects.toThrow(FidoProtocolError)
        await expect(refused).rejects.toThrow(/pinUvAuthToken of invalid length/)
      })
    })
  },
)
