import { describe, expect, it } from 'vitest'
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import { fromBase64Url, toBase64Url, utf8 } from '../../../src-main/fido/protocol/bytes'
import { createKeyClient, FidoError } from '../../../src-main/fido/client/client'
import type {
  FidoErrorCode,
  KeyClient,
  KeyStatus,
  MakeCredentialOptions,
} from '../../../src-main/fido/client/client'
import { STATUS } from '../../../src-main/fido/protocol/ctap2-constants'
import {
  CTAPHID,
  CTAPHID_ERR,
  MAX_MESSAGE_SIZE,
  encodeFrames,
  parseFrame,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import type { DeviceHandle, DeviceSource } from '../../../src-main/fido/transport/device-source'
import type { HidTransport } from '../../../src-main/fido/transport/hid-transport'
import {
  createMemoryDeviceSource,
  createMemoryTransport,
} from '../../../src-main/fido/transport/memory-device-source'
import { createVirtualKeyState } from '../../../src-main/fido/virtual-key/state'
import { pinHash } from '../../../src-main/fido/protocol/pin-protocol'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import { delay, faultyKeyTransport, initReport, scriptedTransport, sourceOf } from './helpers'

const ORIGIN = 'app://guichet'
const CHALLENGE = new Uint8Array(32).fill(0x5a)

function registration(overrides: Partial<MakeCredentialOptions> = {}): MakeCredentialOptions {
  return {
    challenge: CHALLENGE,
    rp: { id: 'guichet', name: 'Guichet' },
    user: { id: utf8('clerk-1'), name: 'camille@example.fr', displayName: 'Camille' },
    excludeCredentialIDs: [],
    residentKey: false,
    userVerification: false,
    timeoutMs: 3000,
    ...overrides,
  }
}

function clientFor(source: DeviceSource): KeyClient {
  return createKeyClient({ origin: ORIGIN, transport: source })
}

async function codeOf(
  promise: Promise<unknown>,
): Promise<{ code: FidoErrorCode; attemptsLeft?: number | undefined }> {
  try {
    await promise
  } catch (error) {
    if (!(error instanceof FidoError)) throw error
    return { code: error.code, attemptsLeft: error.attemptsLeft }
  }
  throw new Error('expected a FidoError')
}

describe('KeyClient over CTAP2', () => {
  it('builds clientDataJSON from its own origin and answers WebAuthn JSON that verifies', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    const response = await client.makeCredential(registration())
    const clientData = JSON.parse(
      new TextDecoder().decode(fromBase64Url(response.response.clientDataJSON)),
    )
    expect(clientData).toEqual({
      type: 'webauthn.create',
      challenge: toBase64Url(CHALLENGE),
      origin: ORIGIN,
      crossOrigin: false,
    })
    expect(response).toMatchObject({
      type: 'public-key',
      id: response.rawId,
      response: { transports: ['usb'], publicKeyAlgorithm: -7 },
    })
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: toBase64Url(CHALLENGE),
      expectedOrigin: ORIGIN,
      expectedRPID: 'guichet',
      requireUserVerification: false,
    })
    expect(verification.verified).toBe(true)
  })

  it('signs in passwordless with a PIN: UV flag set and userHandle returned', async () => {
    const key = new VirtualKey({ pin: '2468' })
    const client = clientFor(createMemoryDeviceSource({ keys: [key] }))
    const made = await client.makeCredential(
      registration({ residentKey: true, userVerification: true, pin: '2468' }),
    )
    const { registrationInfo } = await verifyRegistrationResponse({
      response: made,
      expectedChallenge: toBase64Url(CHALLENGE),
      expectedOrigin: ORIGIN,
      expectedRPID: 'guichet',
      requireUserVerification: true,
    })
    if (!registrationInfo) throw new Error('registration did not verify')
    const challenge = new Uint8Array(32).fill(3)
    const assertion = await client.getAssertion({
      challenge,
      rpId: 'guichet',
      allowCredentialIDs: [],
      userVerification: true,
      pin: '2468',
    })
    expect(assertion.response.userHandle).toBe(toBase64Url(utf8('clerk-1')))
    const verification = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: toBase64Url(challenge),
      expectedOrigin: ORIGIN,
      expectedRPID: 'guichet',
      credential: registrationInfo.credential,
      requireUserVerification: true,
    })
    expect(verification.verified).toBe(true)
  })

  it.each<[string, () => VirtualKey, Partial<MakeCredentialOptions>, FidoErrorCode]>([
    [
      'PIN wanted but not given',
      () => new VirtualKey({ pin: '1234' }),
      { userVerification: true },
      'FIDO_PIN_REQUIRED',
    ],
    [
      'PIN wanted, key has none',
      () => new VirtualKey(),
      { userVerification: true, pin: '1234' },
      'FIDO_PIN_NOT_SET',
    ],
    [
      'discoverable credential on a key with a PIN, no PIN given',
      () => new VirtualKey({ pin: '1234' }),
      { residentKey: true },
      'FIDO_PIN_REQUIRED',
    ],
  ])('%s → %s', async (_, makeKey, overrides, expected) => {
    const client = clientFor(createMemoryDeviceSource({ keys: [makeKey()] }))
    expect((await codeOf(client.makeCredential(registration(overrides)))).code).toBe(expected)
  })

  it('says how many PIN attempts are left, then asks for a replug after 3 wrong PINs', async () => {
    const key = new VirtualKey({ pin: '1234' })
    const source = createMemoryDeviceSource({ keys: [key] })
    const client = clientFor(source)
    const wrong = registration({ userVerification: true, pin: '0000' })
    expect(await codeOf(client.makeCredential(wrong))).toEqual({
      code: 'FIDO_PIN_INVALID',
      attemptsLeft: 7,
    })
    expect(await codeOf(client.makeCredential(wrong))).toEqual({
      code: 'FIDO_PIN_INVALID',
      attemptsLeft: 6,
    })
    expect((await codeOf(client.makeCredential(wrong))).code).toBe('FIDO_PIN_AUTH_BLOCKED')
    expect(
      (await codeOf(client.makeCredential(registration({ userVerification: true, pin: '1234' }))))
        .code,
    ).toBe('FIDO_PIN_AUTH_BLOCKED')
    source.unplug(key)
    source.plug(key)
    await expect(
      client.makeCredential(registration({ userVerification: true, pin: '1234' })),
    ).resolves.toMatchObject({
      type: 'public-key',
    })
  })

  it('reports a blocked PIN', async () => {
    const state = createVirtualKeyState()
    state.pin = { hash: pinHash('1234'), length: 4 }
    state.pinRetries = 1
    const key = new VirtualKey({ state })
    const client = clientFor(createMemoryDeviceSource({ keys: [key] }))
    expect(
      (await codeOf(client.makeCredential(registration({ userVerification: true, pin: '9999' }))))
        .code,
    ).toBe('FIDO_PIN_BLOCKED')
    expect(
      (await codeOf(client.makeCredential(registration({ userVerification: true, pin: '1234' }))))
        .code,
    ).toBe('FIDO_PIN_BLOCKED')
  })

  it('getAssertion signs with one credential only; getAssertions with each (§6.3 getNextAssertion)', async () => {
    const key = new VirtualKey({ pin: '2468' })
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    for (const user of ['clerk-1', 'clerk-2']) {
      await client.makeCredential(
        registration({
          residentKey: true,
          userVerification: true,
          pin: '2468',
          user: { id: utf8(user), name: user, displayName: user },
        }),
      )
    }
    const get = {
      challenge: CHALLENGE,
      rpId: 'guichet',
      allowCredentialIDs: [],
      userVerification: true,
      pin: '2468',
    }
    const before = key.signCount
    await client.getAssertion(get)
    expect(key.signCount).toBe(before + 1)
    expect(await client.getAssertions(get)).toHaveLength(2)
    expect(key.signCount).toBe(before + 3)
    await client.close()
  })

  it('refuses to register the same key twice (excludeCredentialIDs)', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    const first = await client.makeCredential(registration())
    expect(
      (await codeOf(client.makeCredential(registration({ excludeCredentialIDs: [first.id] }))))
        .code,
    ).toBe('FIDO_CREDENTIAL_EXCLUDED')
  })

  it('narrows an exclude list longer than maxCredentialCountInList with silent pre-flights', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    const first = await client.makeCredential(registration())
    const others = Array.from({ length: 20 }, (_, i) => toBase64Url(new Uint8Array(32).fill(i)))
    expect(
      (
        await codeOf(
          client.makeCredential(registration({ excludeCredentialIDs: [...others, first.id] })),
        )
      ).code,
    ).toBe('FIDO_CREDENTIAL_EXCLUDED')
    await expect(
      client.makeCredential(registration({ excludeCredentialIDs: others })),
    ).resolves.toMatchObject({
      type: 'public-key',
    })
  })

  it('reports no credentials, discoverable or listed', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    const get = { challenge: CHALLENGE, rpId: 'guichet', userVerification: false, timeoutMs: 3000 }
    expect((await codeOf(client.getAssertion({ ...get, allowCredentialIDs: [] }))).code).toBe(
      'FIDO_NO_CREDENTIALS',
    )
    expect(
      (
        await codeOf(
          client.getAssertion({ ...get, allowCredentialIDs: [toBase64Url(new Uint8Array(32))] }),
        )
      ).code,
    ).toBe('FIDO_NO_CREDENTIALS')
  })

  it('reports "touch" and times out when the key is not touched', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const statuses: KeyStatus[] = []
    const started = Date.now()
    const client = clientFor(createMemoryDeviceSource({ keys: [key] }))
    const result = await codeOf(
      client.makeCredential(registration({ timeoutMs: 600, onStatus: (s) => statuses.push(s) })),
    )
    expect(result.code).toBe('FIDO_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(1200)
    expect(statuses).toContain('touch')
  })

  it('cancels on the AbortSignal', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const controller = new AbortController()
    const client = clientFor(createMemoryDeviceSource({ keys: [key] }))
    const pending = codeOf(client.makeCredential(registration({ signal: controller.signal })))
    await key.waitForTouchRequest()
    controller.abort()
    expect((await pending).code).toBe('FIDO_CANCELLED')
  })

  it('reports a refused touch as cancelled', async () => {
    const client = clientFor(
      createMemoryDeviceSource({ keys: [new VirtualKey({ userPresence: 'deny' })] }),
    )
    expect((await codeOf(client.makeCredential(registration()))).code).toBe('FIDO_CANCELLED')
  })

  it('refuses misuse before touching any key', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    await expect(
      client.makeCredential(registration({ challenge: new Uint8Array(8) })),
    ).rejects.toThrow(TypeError)
    await expect(
      client.makeCredential(registration({ excludeCredentialIDs: ['not base64url!'] })),
    ).rejects.toThrow(TypeError)
    expect(() =>
      createKeyClient({ origin: 'app://guichet/../x', transport: createMemoryDeviceSource() }),
    ).toThrow(TypeError)
  })

  it('says what is wrong with a request it refuses', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    await expect(
      client.makeCredential(registration({ challenge: new Uint8Array(15) })),
    ).rejects.toThrow(new TypeError('challenge must be at least 16 random bytes'))
    await expect(
      client.makeCredential(registration({ excludeCredentialIDs: ['not base64url!'] })),
    ).rejects.toThrow(new TypeError('excludeCredentialIDs: "not base64url!" is not base64url'))
    await expect(
      client.getAssertion({
        challenge: CHALLENGE,
        rpId: 'guichet',
        allowCredentialIDs: ['@'],
        userVerification: false,
      }),
    ).rejects.toThrow(new TypeError('allowCredentialIDs: "@" is not base64url'))
    expect(() =>
      createKeyClient({
        origin: 'app://guichet',
        transport: createMemoryDeviceSource(),
        keepConnectedMs: -1,
      }),
    ).toThrow(new RangeError('keepConnectedMs must be 0 or more'))
  })

  it('accepts a challenge of exactly 16 bytes (WebAuthn §13.4.3: at least 16)', async () => {
    const client = clientFor(createMemoryDeviceSource({ keys: [new VirtualKey()] }))
    await expect(
      client.makeCredential(registration({ challenge: new Uint8Array(16).fill(7) })),
    ).resolves.toMatchObject({ type: 'public-key' })
  })

  it.each([
    ['a URL object, not a string', new URL('app://guichet')],
    ['junk before the scheme', 'https://evil.example app://guichet'],
    ['a leading space', ' app://guichet'],
  ])('refuses an origin that is %s', (_, origin) => {
    expect(() =>
      createKeyClient({ origin: origin as string, transport: createMemoryDeviceSource() }),
    ).toThrow(new TypeError(`origin must be a scheme://host constant, got "${String(origin)}"`))
  })
})

describe('KeyClient: devices coming and going', () => {
  it('waits for a key to be plugged in', async () => {
    const source = createMemoryDeviceSource()
    const statuses: KeyStatus[] = []
    const pending = clientFor(source).makeCredential(
      registration({ onStatus: (s) => statuses.push(s) }),
    )
    await delay(150)
    source.plug(new VirtualKey())
    await expect(pending).resolves.toMatchObject({ type: 'public-key' })
    expect(statuses[0]).toBe('waiting-device')
  })

  it('gives up with FIDO_NO_DEVICE when no key comes', async () => {
    const started = Date.now()
    expect(
      (
        await codeOf(
          clientFor(createMemoryDeviceSource()).makeCredential(registration({ timeoutMs: 300 })),
        )
      ).code,
    ).toBe('FIDO_NO_DEVICE')
    expect(Date.now() - started).toBeLessThan(800)
  })

  it('reports a key unplugged mid-command', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const source = createMemoryDeviceSource({ keys: [key] })
    const pending = codeOf(clientFor(source).makeCredential(registration()))
    await key.waitForTouchRequest()
    source.unplug(key)
    expect((await pending).code).toBe('FIDO_NO_DEVICE')
  })

  it('uses the key the clerk touches when several are plugged in, and cancels the others', async () => {
    const first = new VirtualKey({ userPresence: 'wait' })
    const second = new VirtualKey({ userPresence: 'wait' })
    const statuses: KeyStatus[] = []
    const pending = clientFor(createMemoryDeviceSource({ keys: [first, second] })).makeCredential(
      registration({ onStatus: (s) => statuses.push(s) }),
    )
    await Promise.all([first.waitForTouchRequest(), second.waitForTouchRequest()])
    second.touch() // authenticatorSelection on the second key
    await second.waitForTouchRequest()
    second.touch() // the registration itself
    await expect(pending).resolves.toMatchObject({ type: 'public-key' })
    expect(second.listCredentials()).toHaveLength(1)
    expect(first.listCredentials()).toHaveLength(0)
    expect(statuses[0]).toBe('touch')
  })

  it('selects a U2F-only key among CTAP2 keys by a dummy registration', async () => {
    const ctap2Key = new VirtualKey({ userPresence: 'wait' })
    const u2fKey = new VirtualKey({ u2fOnly: true, userPresence: 'wait' })
    const pending = clientFor(
      createMemoryDeviceSource({ keys: [ctap2Key, u2fKey] }),
    ).makeCredential(registration())
    await Promise.all([ctap2Key.waitForTouchRequest(), u2fKey.waitForTouchRequest()])
    u2fKey.touch()
    await u2fKey.waitForTouchRequest()
    u2fKey.touch()
    const response = await pending
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: toBase64Url(CHALLENGE),
      expectedOrigin: ORIGIN,
      expectedRPID: 'guichet',
      requireUserVerification: false,
    })
    expect(verification.registrationInfo?.fmt).toBe('fido-u2f')
    expect(ctap2Key.listCredentials()).toHaveLength(0)
  })
})

describe('KeyClient over CTAP1/U2F', () => {
  it('registers and signs in, and refuses what U2F cannot do', async () => {
    const key = new VirtualKey({ u2fOnly: true })
    const client = clientFor(createMemoryDeviceSource({ keys: [key] }))
    const made = await client.makeCredential(registration())
    expect(
      (await codeOf(client.makeCredential(registration({ excludeCredentialIDs: [made.id] })))).code,
    ).toBe('FIDO_CREDENTIAL_EXCLUDED')
    expect((await codeOf(client.makeCredential(registration({ residentKey: true })))).code).toBe(
      'FIDO_DEVICE_ERROR',
    )
    expect(
      (await codeOf(client.makeCredential(registration({ userVerification: true })))).code,
    ).toBe('FIDO_DEVICE_ERROR')
    const get = { challenge: CHALLENGE, rpId: 'guichet', userVerification: false, timeoutMs: 3000 }
    await expect(
      client.getAssertion({ ...get, allowCredentialIDs: [made.id] }),
    ).resolves.toMatchObject({ id: made.id })
    expect((await codeOf(client.getAssertion({ ...get, allowCredentialIDs: [] }))).code).toBe(
      'FIDO_NO_CREDENTIALS',
    )
    expect(
      (
        await codeOf(
          client.getAssertion({ ...get, allowCredentialIDs: [toBase64Url(new Uint8Array(64))] }),
        )
      ).code,
    ).toBe('FIDO_NO_CREDENTIALS')
  })
})

describe('KeyClient against faulty devices', () => {
  function faulty(fault: Parameters<typeof faultyKeyTransport>[1]): KeyClient {
    const key = new VirtualKey()
    return clientFor(sourceOf(async () => faultyKeyTransport(key, fault)))
  }
  const cbor = (cid: number, body: number[]): Uint8Array[] =>
    encodeFrames(cid, CTAPHID.CBOR, Uint8Array.from(body))

  it.each<[string, FidoErrorCode, Parameters<typeof faultyKeyTransport>[1]]>([
    ['malformed CBOR', 'FIDO_DEVICE_ERROR', (cid) => cbor(cid, [0, 0xa1, 0x01])],
    [
      'non-canonical CBOR',
      'FIDO_DEVICE_ERROR',
      (cid) => cbor(cid, [0, 0xa2, 0x02, 0x40, 0x01, 0x60]),
    ],
    ['a response missing its fields', 'FIDO_DEVICE_ERROR', (cid) => cbor(cid, [0, 0xa0])],
    [
      'an unexpected command',
      'FIDO_DEVICE_ERROR',
      (cid) => encodeFrames(cid, CTAPHID.MSG, Uint8Array.of(0x90, 0)),
    ],
    [
      'a length field over the maximum',
      'FIDO_DEVICE_ERROR',
      (cid) => [initReport(cid, CTAPHID.CBOR, MAX_MESSAGE_SIZE + 1)],
    ],
    [
      'a truncated frame',
      'FIDO_DEVICE_ERROR',
      (cid) => [initReport(cid, CTAPHID.CBOR, 1).subarray(0, 30)],
    ],
    [
      'CTAPHID_ERROR',
      'FIDO_DEVICE_ERROR',
      (cid) => [initReport(cid, CTAPHID.ERROR, 1, Uint8Array.of(CTAPHID_ERR.OTHER))],
    ],
    ['an unknown CTAP2 status', 'FIDO_DEVICE_ERROR', (cid) => cbor(cid, [0xf3])],
    [
      'CTAP2_ERR_USER_ACTION_TIMEOUT',
      'FIDO_TIMEOUT',
      (cid) => cbor(cid, [STATUS.USER_ACTION_TIMEOUT]),
    ],
    ['an answer on a wrong channel only', 'FIDO_TIMEOUT', (cid) => cbor(cid ^ 0xff, [0, 0xa0])],
    ['silence', 'FIDO_TIMEOUT', () => 'silent'],
  ])('%s → %s within the timeout', async (_, expected, fault) => {
    const started = Date.now()
    expect(
      (await codeOf(faulty(fault).makeCredential(registration({ timeoutMs: 500 })))).code,
    ).toBe(expected)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('a device that never answers CTAPHID_INIT is no device', async () => {
    const silent = sourceOf(async () => scriptedTransport(() => undefined))
    expect(
      (await codeOf(clientFor(silent).makeCredential(registration({ timeoutMs: 500 })))).code,
    ).toBe('FIDO_NO_DEVICE')
  })
})

/**
 * A software key on a lossy link (answers expected within 100 ms, like UDP): `drop` picks the
 * CTAPHID_CBOR requests that are lost (by their CTAP2 command byte), `present` hides the key from
 * the device list, `onCancel` runs when the host sends CTAPHID_CANCEL after a lost request.
 */
function lossyKey(key: VirtualKey): {
  source: DeviceSource
  link: {
    drop: (command: number) => boolean
    present: boolean
    lists: number
    onCancel: () => Promise<void>
  }
} {
  const link = {
    drop: (_command: number) => false,
    present: true,
    lists: 0,
    onCancel: async () => undefined,
  }
  const handle: DeviceHandle = {
    id: 'lossy',
    description: 'a key on a lossy link',
    async open(): Promise<HidTransport> {
      const inner = createMemoryTransport(key)
      let dropping = false
      return {
        answerWithinMs: 100,
        async write(report) {
          const frame = parseFrame(report)
          if (frame.kind === 'init') {
            dropping = frame.cmd === CTAPHID.CBOR && link.drop(frame.data[0] ?? 0)
            if (frame.cmd === CTAPHID.CANCEL) await link.onCancel()
          }
          if (!dropping) await inner.write(report)
        },
        read: (timeoutMs) => inner.read(timeoutMs),
        close: () => inner.close(),
      }
    },
  }
  const source: DeviceSource = {
    kind: 'udp',
    pollIntervalMs: 20,
    async list() {
      link.lists += 1
      return link.present ? [handle] : []
    },
  }
  return { source, link }
}

describe('KeyClient: a request lost on the way (no answer at all)', () => {
  const MAKE_CREDENTIAL = 0x01
  const GET_ASSERTION = 0x02

  async function failureOf(promise: Promise<unknown>): Promise<FidoError> {
    try {
      await promise
    } catch (error) {
      if (error instanceof FidoError) return error
      throw error
    }
    throw new Error('expected a FidoError')
  }

  it('then the key is not found again: it « ne répond pas » (FIDO_NO_RESPONSE), not "no key"', async () => {
    const { source, link } = lossyKey(new VirtualKey())
    link.drop = (command) => {
      if (command !== MAKE_CREDENTIAL) return false
      link.present = false
      return true
    }
    const error = await failureOf(
      clientFor(source).makeCredential(registration({ timeoutMs: 800 })),
    )
    expect(error.code).toBe('FIDO_NO_RESPONSE')
    expect(error.message).toBe('the security key does not answer')
    expect(error.cause).toBeInstanceOf(FidoError)
    expect((error.cause as FidoError).code).toBe('FIDO_NO_DEVICE')
  })

  it('then the key stays silent on a new channel: FIDO_NO_RESPONSE', async () => {
    const { source, link } = lossyKey(new VirtualKey())
    let lost = false
    link.drop = (command) => (lost ||= command === MAKE_CREDENTIAL)
    const error = await failureOf(
      clientFor(source).makeCredential(registration({ timeoutMs: 3000 })),
    )
    expect(error.code).toBe('FIDO_NO_RESPONSE')
    expect(error.message).toBe('the security key does not answer')
    expect(error.cause).toMatchObject({ failure: 'no-response' })
  })

  it('then the retry fails otherwise: that failure is reported as it is', async () => {
    const { source, link } = lossyKey(new VirtualKey())
    let lost = false
    link.drop = (command) => {
      if (lost || command !== GET_ASSERTION) return false
      lost = true
      return true
    }
    const error = await failureOf(
      clientFor(source).getAssertion({
        challenge: CHALLENGE,
        rpId: 'guichet',
        allowCredentialIDs: [toBase64Url(new Uint8Array(32).fill(9))],
        userVerification: false,
        timeoutMs: 3000,
      }),
    )
    expect(lost).toBe(true)
    expect(error.code).toBe('FIDO_NO_CREDENTIALS')
  })

  it('« Annuler » pressed while the lost request is awaited: FIDO_CANCELLED, and nothing is sent again', async () => {
    const { source, link } = lossyKey(new VirtualKey())
    link.drop = (command) => command === MAKE_CREDENTIAL
    const controller = new AbortController()
    link.onCancel = async () => controller.abort() // the clerk cancels as the loss is noticed
    const error = await failureOf(
      clientFor(source).makeCredential(
        registration({ timeoutMs: 3000, signal: controller.signal }),
      ),
    )
    expect(error.code).toBe('FIDO_CANCELLED')
    expect(link.lists).toBe(1) // the key was not looked for again
  })

  it('is not sent again once the deadline has passed', async () => {
    const { source, link } = lossyKey(new VirtualKey())
    link.drop = (command) => command === MAKE_CREDENTIAL
    let cancels = 0
    link.onCancel = async () => {
      cancels += 1
      await delay(700) // the operation's 600 ms are over when the host hears of the loss
    }
    const error = await failureOf(
      clientFor(source).makeCredential(registration({ timeoutMs: 600 })),
    )
    expect(cancels).toBe(1)
    expect(error.code).toBe('FIDO_NO_RESPONSE')
    expect(link.lists).toBe(1) // the key was not looked for again
  })
})
