/**
 * The software key against CTAP 2.1 where issue 14 found it wrong (each test names its section),
 * driven through the host stack over the in-memory transport, with the key's clock in the test's
 * hands. The same behaviours are checked with an independent client (Yubico's python-fido2) in
 * test/integration/fido/python-fido2.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createKeyClient, createMemoryDeviceSource } from '../../../src-main/fido'
import { utf8 } from '../../../src-main/fido/protocol/bytes'
import { ClientPin } from '../../../src-main/fido/protocol/client-pin'
import { Ctap1 } from '../../../src-main/fido/protocol/ctap1'
import { Ctap2, encodeCommand } from '../../../src-main/fido/protocol/ctap2'
import {
  CP,
  CP_SUBCMD,
  CTAP2_CMD,
  PERMISSION,
  STATUS,
} from '../../../src-main/fido/protocol/ctap2-constants'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import {
  createKeyAgreementKey,
  createPinUvAuthProtocol,
  keyAgreementToCose,
  sharedSecret,
} from '../../../src-main/fido/protocol/pin-protocol'
import { ApduStatusError, CtapStatusError } from '../../../src-main/fido/protocol/errors'
import { createMemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import type { VirtualKeyOptions } from '../../../src-main/fido/virtual-key/key'
import { RESET_WINDOW_MS } from '../../../src-main/fido/virtual-key/ctap2'

const CALL = { timeoutMs: 5_000 }
const PIN = '4242'
const RP_ID = 'guichet'

async function connect(options: VirtualKeyOptions = {}) {
  const key = new VirtualKey(options)
  const connection = await openCtapHid(createMemoryTransport(key), CALL)
  return { key, ctap2: new Ctap2(connection), ctap1: new Ctap1(connection) }
}

async function status(work: Promise<unknown>): Promise<number> {
  try {
    await work
    return STATUS.SUCCESS
  } catch (error) {
    if (error instanceof CtapStatusError) return error.status
    throw error
  }
}

function makeCredential(
  ctap2: Ctap2,
  options: { rk?: boolean; userId?: number; auth?: { pin: ClientPin; token: Uint8Array } } = {},
) {
  const clientDataHash = new Uint8Array(32).fill(7)
  return ctap2.makeCredential(
    {
      clientDataHash,
      rp: { id: RP_ID, name: 'Guichet' },
      user: { id: Uint8Array.of(options.userId ?? 1), name: 'camille', displayName: 'Camille' },
      algorithms: [-7],
      ...(options.rk ? { options: { rk: true } } : {}),
      ...(options.auth
        ? {
            pinUvAuthParam: options.auth.pin.protocol.authenticate(
              options.auth.token,
              clientDataHash,
            ),
            pinUvAuthProtocol: options.auth.pin.protocol.version,
          }
        : {}),
    },
    CALL,
  )
}

function getAssertion(ctap2: Ctap2, auth?: { pin: ClientPin; token: Uint8Array }) {
  const clientDataHash = new Uint8Array(32).fill(9)
  return ctap2.getAssertion(
    {
      rpId: RP_ID,
      clientDataHash,
      allowList: [],
      ...(auth
        ? {
            pinUvAuthParam: auth.pin.protocol.authenticate(auth.token, clientDataHash),
            pinUvAuthProtocol: auth.pin.protocol.version,
          }
        : {}),
    },
    CALL,
  )
}

describe('software key: pinUvAuthToken permissions', () => {
  it('§6.1.2 step 14: a token that served a makeCredential serves no second one', async () => {
    const { ctap2 } = await connect({ pin: PIN })
    const pin = ClientPin.forVersion(ctap2, 2)
    const token = await pin.getPinUvAuthTokenUsingPinWithPermissions(
      PIN,
      { permissions: PERMISSION.MAKE_CREDENTIAL | PERMISSION.GET_ASSERTION, rpId: RP_ID },
      CALL,
    )
    expect(await status(makeCredential(ctap2, { rk: true, auth: { pin, token } }))).toBe(0)
    expect(await status(makeCredential(ctap2, { rk: true, userId: 2, auth: { pin, token } }))).toBe(
      STATUS.PIN_AUTH_INVALID,
    )
    // and not a getAssertion either: every permission but lbw was cleared
    expect(await status(getAssertion(ctap2, { pin, token }))).toBe(STATUS.PIN_AUTH_INVALID)
  })

  it('§6.2.2 step 9: a token that served a getAssertion (up) serves no second one', async () => {
    const { ctap2 } = await connect({ pin: PIN })
    const pin = ClientPin.forVersion(ctap2, 2)
    const mc = await pin.getPinUvAuthTokenUsingPinWithPermissions(
      PIN,
      { permissions: PERMISSION.MAKE_CREDENTIAL, rpId: RP_ID },
      CALL,
    )
    await makeCredential(ctap2, { rk: true, auth: { pin, token: mc } })
    const token = await pin.getPinUvAuthTokenUsingPinWithPermissions(
      PIN,
      { permissions: PERMISSION.GET_ASSERTION, rpId: RP_ID },
      CALL,
    )
    expect(await status(getAssertion(ctap2, { pin, token }))).toBe(0)
    expect(await status(getAssertion(ctap2, { pin, token }))).toBe(STATUS.PIN_AUTH_INVALID)
  })

  it.each([
    ['be', PERMISSION.BIO_ENROLLMENT],
    ['lbw', PERMISSION.LARGE_BLOB_WRITE],
    ['acfg', PERMISSION.AUTHENTICATOR_CONFIG],
  ])(
    '§6.5.5.7.2 step 4: %s, not implemented, is refused with UNAUTHORIZED_PERMISSION before the PIN is tried',
    async (_name, permission) => {
      const { ctap2, key } = await connect({ pin: PIN })
      const pin = ClientPin.forVersion(ctap2, 2)
      const refused = pin.getPinUvAuthTokenUsingPinWithPermissions(
        'wrong-pin',
        { permissions: PERMISSION.GET_ASSERTION | permission, rpId: RP_ID },
        CALL,
      )
      expect(await status(refused)).toBe(STATUS.UNAUTHORIZED_PERMISSION)
      expect(key.pinRetries).toBe(8)
    },
  )

  it('grants cm, which it implements (§6.8)', async () => {
    const { ctap2 } = await connect({ pin: PIN })
    const pin = ClientPin.forVersion(ctap2, 2)
    const granted = pin.getPinUvAuthTokenUsingPinWithPermissions(
      PIN,
      { permissions: PERMISSION.CREDENTIAL_MANAGEMENT },
      CALL,
    )
    expect(await status(granted)).toBe(0)
  })
})

describe('software key: PIN set and change', () => {
  it('§6.5.5.5: setPIN on a key that has a PIN answers PIN_AUTH_INVALID', async () => {
    const { ctap2 } = await connect({ pin: PIN })
    expect(await status(ClientPin.forVersion(ctap2, 2).setPin('9999', CALL))).toBe(
      STATUS.PIN_AUTH_INVALID,
    )
  })

  it('§6.5.5.6: after 3 wrong PINs changePIN is blocked until a power cycle, the right PIN too', async () => {
    const { ctap2, key } = await connect({ pin: PIN })
    const pin = ClientPin.forVersion(ctap2, 1)
    expect(await status(pin.changePin('0000', '5555', CALL))).toBe(STATUS.PIN_INVALID)
    expect(await status(pin.changePin('0001', '5555', CALL))).toBe(STATUS.PIN_INVALID)
    expect(await status(pin.changePin('0002', '5555', CALL))).toBe(STATUS.PIN_AUTH_BLOCKED)
    const retries = key.pinRetries
    expect(await status(pin.changePin('0003', '5555', CALL))).toBe(STATUS.PIN_AUTH_BLOCKED)
    expect(await status(pin.changePin(PIN, '5555', CALL))).toBe(STATUS.PIN_AUTH_BLOCKED)
    expect(key.pinRetries).toBe(retries) // no retry burnt while blocked
    key.powerCycle()
    const fresh = await openCtapHid(createMemoryTransport(key), CALL)
    const pinAfter = ClientPin.forVersion(new Ctap2(fresh), 1)
    expect(await status(pinAfter.changePin(PIN, '5555', CALL))).toBe(0)
    expect(key.pinRetries).toBe(8)
  })
})

describe('software key: PIN composition (CTAP 2.1 §6.5.1) and minPINLength (§6.4)', () => {
  /** setPIN with a paddedNewPin of the test's choosing (§6.5.5.5), over PIN protocol 2. */
  async function setRawPin(ctap2: Ctap2, padded: Uint8Array): Promise<number> {
    const protocol = createPinUvAuthProtocol(2)
    const agreement = await ctap2.clientPin(
      { pinUvAuthProtocol: 2, subCommand: CP_SUBCMD.GET_KEY_AGREEMENT },
      CALL,
    )
    const own = createKeyAgreementKey()
    const shared = sharedSecret(protocol, own, agreement.keyAgreement!)
    const newPinEnc = protocol.encrypt(shared, padded)
    return status(
      ctap2.clientPin(
        {
          pinUvAuthProtocol: 2,
          subCommand: CP_SUBCMD.SET_PIN,
          keyAgreement: keyAgreementToCose(own),
          newPinEnc,
          pinUvAuthParam: protocol.authenticate(shared, newPinEnc),
        },
        CALL,
      ),
    )
  }

  it('§6.5.5.5: a paddedNewPin of 64 bytes without its terminating 0x00 (a 64-byte PIN) is PIN_POLICY_VIOLATION', async () => {
    const { ctap2, key } = await connect()
    expect(await setRawPin(ctap2, new Uint8Array(64).fill(0x37))).toBe(STATUS.PIN_POLICY_VIOLATION)
    expect(key.hasPin).toBe(false)
    const sixtyThree = new Uint8Array(64).fill(0x37)
    sixtyThree[63] = 0
    expect(await setRawPin(ctap2, sixtyThree)).toBe(STATUS.SUCCESS)
    expect(key.hasPin).toBe(true)
  })

  it('§6.4: a key shipped with a longer minimum reports it as minPINLength and refuses shorter PINs', async () => {
    const { ctap2 } = await connect({ minPinLength: 6 })
    expect((await ctap2.getInfo(CALL)).minPinLength).toBe(6)
    const pin = ClientPin.forVersion(ctap2, 2)
    expect(await status(pin.setPin('12345', CALL))).toBe(STATUS.PIN_POLICY_VIOLATION)
    expect(await status(pin.setPin('123456', CALL))).toBe(STATUS.SUCCESS)
  })

  it('--ctap20 with a longer minimum applies it without reporting it (minPINLength is CTAP 2.1)', async () => {
    const { ctap2 } = await connect({ ctap20: true, minPinLength: 6 })
    expect((await ctap2.getInfo(CALL)).minPinLength).toBeUndefined()
    const pin = ClientPin.forVersion(ctap2, 1)
    expect(await status(pin.setPin('12345', CALL))).toBe(STATUS.PIN_POLICY_VIOLATION)
    expect(await status(pin.changePin('12345', '1234567', CALL))).toBe(STATUS.PIN_NOT_SET)
  })

  it('refuses a minimum below the §6.5.1 floor of 4', () => {
    expect(() => new VirtualKey({ minPinLength: 3 })).toThrow(RangeError)
  })
})

describe('software key: timers', () => {
  it('§6.6: authenticatorReset within 10 s of power-up only', async () => {
    let now = 1_000_000
    const { ctap2, key } = await connect({ pin: PIN, now: () => now })
    now += RESET_WINDOW_MS + 1
    const reset = () => ctap2.send(encodeCommand(CTAP2_CMD.RESET), CALL)
    expect(await status(reset())).toBe(STATUS.NOT_ALLOWED)
    expect(key.hasPin).toBe(true)
    key.powerCycle()
    const fresh = new Ctap2(await openCtapHid(createMemoryTransport(key), CALL))
    now += RESET_WINDOW_MS - 1
    expect(await status(fresh.send(encodeCommand(CTAP2_CMD.RESET), CALL))).toBe(0)
    expect(key.hasPin).toBe(false)
  })

  it('§6.3: each getNextAssertion resets the 30 s timer', async () => {
    let now = 5_000_000
    const { ctap2 } = await connect({ now: () => now })
    for (const userId of [1, 2, 3, 4]) await makeCredential(ctap2, { rk: true, userId })
    const first = await getAssertion(ctap2)
    expect(first.numberOfCredentials).toBe(4)
    const next = () => ctap2.send(encodeCommand(CTAP2_CMD.GET_NEXT_ASSERTION), CALL)
    now += 20_000
    expect(await status(next())).toBe(0)
    now += 25_000 // 45 s after getAssertion, 25 s after the last call
    expect(await status(next())).toBe(0)
    now += 30_001
    expect(await status(next())).toBe(STATUS.NOT_ALLOWED)
  })
})

describe('software key: a state file that cannot be written', () => {
  function brokenStateKey(options: VirtualKeyOptions = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'guichet-vk-'))
    const key = new VirtualKey({ ...options, statePath: join(dir, 'state.json') })
    rmSync(dir, { recursive: true, force: true }) // the next write has nowhere to go
    return key
  }

  it('U2F_REGISTER answers an error status word (0x6F00), stores nothing, and the key stays up', async () => {
    const key = brokenStateKey({ u2fOnly: true })
    const connection = await openCtapHid(createMemoryTransport(key), CALL)
    const ctap1 = new Ctap1(connection)
    let sw: number | undefined
    try {
      await ctap1.register(new Uint8Array(32), new Uint8Array(32).fill(1), CALL)
    } catch (error) {
      if (error instanceof ApduStatusError) sw = error.sw
      else throw error
    }
    expect(sw).toBe(0x6f00)
    expect(key.listCredentials()).toEqual([])
    expect(await ctap1.version(CALL)).toBe('U2F_V2')
  })

  it('makeCredential answers CTAP1_ERR_OTHER, stores nothing, and the key stays up', async () => {
    const key = brokenStateKey()
    const ctap2 = new Ctap2(await openCtapHid(createMemoryTransport(key), CALL))
    expect(await status(makeCredential(ctap2, { rk: true }))).toBe(STATUS.OTHER)
    expect(key.listCredentials()).toEqual([])
    expect((await ctap2.getInfo(CALL)).versions).toContain('FIDO_2_1')
  })
})

describe('software key: --ctap20 behaves as a CTAP 2.0 key', () => {
  it('getInfo: FIDO_2_0 only, PIN protocol 1 only, no 2.1 options (CTAP 2.0 §5.4)', async () => {
    const { ctap2 } = await connect({ ctap20: true, pin: PIN })
    const info = await ctap2.getInfo(CALL)
    expect(info.versions).toEqual(['U2F_V2', 'FIDO_2_0'])
    expect(info.pinUvAuthProtocols).toEqual([1])
    expect(info.options['pinUvAuthToken']).toBeUndefined()
    expect(info.options['credMgmt']).toBeUndefined()
    expect(info.options['makeCredUvNotRqd']).toBeUndefined()
  })

  it('refuses the 2.1 commands: permissions subcommand, selection, credential management', async () => {
    const { ctap2 } = await connect({ ctap20: true, pin: PIN })
    const pin = ClientPin.forVersion(ctap2, 1)
    expect(
      await status(
        pin.getPinUvAuthTokenUsingPinWithPermissions(
          PIN,
          { permissions: PERMISSION.GET_ASSERTION, rpId: RP_ID },
          CALL,
        ),
      ),
    ).toBe(STATUS.INVALID_SUBCOMMAND)
    expect(await status(ctap2.send(encodeCommand(CTAP2_CMD.SELECTION), CALL))).toBe(
      STATUS.INVALID_COMMAND,
    )
    expect(
      await status(
        ctap2.send(encodeCommand(CTAP2_CMD.CREDENTIAL_MANAGEMENT, new Map([[0x01, 0x01]])), CALL),
      ),
    ).toBe(STATUS.INVALID_COMMAND)
    expect(
      await status(
        ctap2.send(
          encodeCommand(
            CTAP2_CMD.CLIENT_PIN,
            new Map([
              [CP.PIN_UV_AUTH_PROTOCOL, 2],
              [CP.SUB_COMMAND, CP_SUBCMD.GET_KEY_AGREEMENT],
            ]),
          ),
          CALL,
        ),
      ),
    ).toBe(STATUS.INVALID_PARAMETER)
  })

  it('a getPinToken token serves several operations (no permissions in 2.0), and a PIN is needed for every registration', async () => {
    const { ctap2 } = await connect({ ctap20: true, pin: PIN })
    expect(await status(makeCredential(ctap2))).toBe(STATUS.PUAT_REQUIRED)
    const pin = ClientPin.forVersion(ctap2, 1)
    const token = await pin.getPinToken(PIN, CALL)
    expect(await status(makeCredential(ctap2, { rk: true, auth: { pin, token } }))).toBe(0)
    expect(await status(getAssertion(ctap2, { pin, token }))).toBe(0)
  })

  it('the key client registers and signs in with the PIN on it (getPinToken path, selection by dummy makeCredential)', async () => {
    const key = new VirtualKey({ ctap20: true, pin: PIN })
    const other = new VirtualKey({ ctap20: true, pin: PIN })
    const client = createKeyClient({
      origin: 'app://guichet',
      transport: createMemoryDeviceSource({ keys: [key, other] }),
    })
    const registration = await client.makeCredential({
      challenge: new Uint8Array(32).fill(1),
      rp: { id: RP_ID, name: 'Guichet' },
      user: { id: utf8('u-1'), name: 'camille', displayName: 'Camille' },
      excludeCredentialIDs: [],
      residentKey: true,
      userVerification: true,
      pin: PIN,
    })
    const assertion = await client.getAssertion({
      challenge: new Uint8Array(32).fill(2),
      rpId: RP_ID,
      allowCredentialIDs: [],
      userVerification: true,
      pin: PIN,
    })
    expect(assertion.id).toBe(registration.id)
    expect(key.listCredentials().length + other.listCredentials().length).toBe(1)
    await client.close()
  })
})
