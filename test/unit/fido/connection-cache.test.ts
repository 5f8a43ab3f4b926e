/**
 * The connection to the key kept between operations (connection-cache.ts): what is reused, what
 * is not, and that a stale kept channel never hangs an operation.
 */
import { describe, expect, it } from 'vitest'
import { toBase64Url, utf8 } from '../../../src-main/fido/protocol/bytes'
import { createKeyClient, FidoError } from '../../../src-main/fido/client/client'
import type {
  FidoErrorCode,
  GetAssertionOptions,
  KeyStatus,
  MakeCredentialOptions,
} from '../../../src-main/fido/client/client'
import { isStaleFailure } from '../../../src-main/fido/client/connection-cache'
import type { KeyLease } from '../../../src-main/fido/client/connection-cache'
import { CP_SUBCMD, CTAP2_CMD } from '../../../src-main/fido/protocol/ctap2-constants'
import { CTAPHID, CTAPHID_ERR, parseFrame } from '../../../src-main/fido/protocol/ctaphid-frames'
import type { DeviceHandle, DeviceSource } from '../../../src-main/fido/transport/device-source'
import { CtapHidError, CtapStatusError } from '../../../src-main/fido/protocol/errors'
import type { HidTransport } from '../../../src-main/fido/transport/hid-transport'
import {
  createMemoryDeviceSource,
  createMemoryTransport,
} from '../../../src-main/fido/transport/memory-device-source'
import type { MemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import { pinHash } from '../../../src-main/fido/protocol/pin-protocol'
import type { ConnectedKey } from '../../../src-main/fido/client/select-device'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import { createVirtualKeyState } from '../../../src-main/fido/virtual-key/state'
import { delay } from './helpers'

const ORIGIN = 'app://guichet'
const RP_ID = 'guichet'

function registration(overrides: Partial<MakeCredentialOptions> = {}): MakeCredentialOptions {
  return {
    challenge: new Uint8Array(32).fill(0x5a),
    rp: { id: RP_ID, name: 'Guichet' },
    user: { id: utf8('clerk-1'), name: 'camille@example.fr', displayName: 'Camille' },
    excludeCredentialIDs: [],
    residentKey: false,
    userVerification: false,
    timeoutMs: 3000,
    ...overrides,
  }
}

function assertion(
  credentialId: string,
  overrides: Partial<GetAssertionOptions> = {},
): GetAssertionOptions {
  return {
    challenge: new Uint8Array(32).fill(0x33),
    rpId: RP_ID,
    allowCredentialIDs: [credentialId],
    userVerification: false,
    timeoutMs: 3000,
    ...overrides,
  }
}

async function codeOf(promise: Promise<unknown>): Promise<FidoErrorCode> {
  try {
    await promise
  } catch (error) {
    if (!(error instanceof FidoError)) throw error
    return error.code
  }
  throw new Error('expected a FidoError')
}

/** What a virtual key was asked: CTAPHID_INIT requests, CTAP2 commands, clientPIN subcommands. */
interface Requests {
  inits: number
  /** CTAPHID_INIT answers' channel ids, in order. */
  channels: number[]
  ctap2: number[]
  clientPin: number[]
  count(command: number): number
  reset(): void
}

function spyOn(key: VirtualKey): Requests {
  const requests: Requests = {
    inits: 0,
    channels: [],
    ctap2: [],
    clientPin: [],
    count: (command) => requests.ctap2.filter((c) => c === command).length,
    reset() {
      requests.inits = 0
      requests.channels.length = 0
      requests.ctap2.length = 0
      requests.clientPin.length = 0
    },
  }
  const receive = key.receive.bind(key)
  key.receive = (report, reply) => {
    const frame = parseFrame(report)
    if (frame.kind === 'init' && frame.cmd === CTAPHID.INIT) requests.inits += 1
    if (frame.kind === 'init' && frame.cmd === CTAPHID.CBOR) {
      const command = frame.data[0] ?? -1
      requests.ctap2.push(command)
      // clientPIN's map: {1: protocol, 2: subCommand, …}; the subcommand is at a fixed offset.
      if (command === CTAP2_CMD.CLIENT_PIN) requests.clientPin.push(frame.data[5] ?? -1)
    }
    receive(report, (out) => {
      const answer = parseFrame(out)
      if (answer.kind === 'init' && answer.cmd === CTAPHID.INIT) {
        const body = answer.data
        requests.channels.push(
          (((body[8] ?? 0) << 24) |
            ((body[9] ?? 0) << 16) |
            ((body[10] ?? 0) << 8) |
            (body[11] ?? 0)) >>>
            0,
        )
      }
      reply(out)
    })
  }
  return requests
}

/**
 * A key behind one device path that stays the same when it is unplugged and plugged back (as a
 * HID path may), unlike the memory source, which gives every plug a new id.
 */
function samePathSource(key: VirtualKey): {
  source: DeviceSource
  unplug(): void
  plug(): void
  opened: () => number
  closed: () => number
} {
  let present = true
  let opened = 0
  let closed = 0
  const transports = new Set<MemoryTransport>()
  const handle: DeviceHandle = {
    id: '/dev/hidraw3',
    description: 'a key at a fixed path',
    async open(): Promise<HidTransport> {
      if (!present) throw new CtapHidError('disconnected', 'no such device')
      opened += 1
      const transport = createMemoryTransport(key)
      transports.add(transport)
      return {
        write: (report) => transport.write(report),
        read: (timeoutMs) => transport.read(timeoutMs),
        close: async () => {
          closed += 1
          transports.delete(transport)
          await transport.close()
        },
      }
    },
  }
  return {
    source: { kind: 'hid', pollIntervalMs: 20, list: async () => (present ? [handle] : []) },
    unplug() {
      present = false
      for (const transport of transports) transport.disconnect()
      key.powerCycle()
    },
    plug() {
      present = true
    },
    opened: () => opened,
    closed: () => closed,
  }
}

describe('the connection to the key, kept between operations', () => {
  it('a second operation reuses the channel and getInfo: no CTAPHID_INIT, no getInfo', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    const made = await client.makeCredential(registration())
    expect(requests.inits).toBe(1)
    expect(requests.count(CTAP2_CMD.GET_INFO)).toBe(1)
    requests.reset()
    for (let i = 0; i < 3; i++) await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(0)
    expect(requests.count(CTAP2_CMD.GET_INFO)).toBe(0)
    expect(requests.ctap2).toEqual([
      CTAP2_CMD.GET_ASSERTION,
      CTAP2_CMD.GET_ASSERTION,
      CTAP2_CMD.GET_ASSERTION,
    ])
    await client.close()
  })

  it('asks for a new PIN/UV auth token for every operation on the kept channel', async () => {
    const key = new VirtualKey({ pin: '2468' })
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    await client.makeCredential(
      registration({ residentKey: true, userVerification: true, pin: '2468' }),
    )
    requests.reset()
    const passwordless = { allowCredentialIDs: [], userVerification: true, pin: '2468' }
    const first = await client.getAssertion(assertion('', passwordless))
    const second = await client.getAssertion(assertion('', passwordless))
    expect(first.response.userHandle).toBe(toBase64Url(utf8('clerk-1')))
    expect(second.response.userHandle).toBe(toBase64Url(utf8('clerk-1')))
    expect(requests.inits).toBe(0)
    // getKeyAgreement then getPinUvAuthTokenUsingPinWithPermissions, each time
    expect(requests.clientPin).toEqual([
      CP_SUBCMD.GET_KEY_AGREEMENT,
      CP_SUBCMD.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS,
      CP_SUBCMD.GET_KEY_AGREEMENT,
      CP_SUBCMD.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS,
    ])
    await client.close()
  })

  it('a key unplugged and plugged back at the same path: the stale channel fails, the client reconnects and retries once', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const device = samePathSource(key)
    const client = createKeyClient({ origin: ORIGIN, transport: device.source })
    const made = await client.makeCredential(registration())
    device.unplug()
    device.plug()
    requests.reset()
    const statuses: KeyStatus[] = []
    await expect(
      client.getAssertion(assertion(made.id, { onStatus: (s) => statuses.push(s) })),
    ).resolves.toMatchObject({ id: made.id })
    expect(requests.inits).toBe(1)
    expect(requests.count(CTAP2_CMD.GET_INFO)).toBe(1)
    expect(statuses).not.toContain('waiting-device')
    expect(device.opened()).toBe(2)
    expect(device.closed()).toBe(1)
    await client.close()
  })

  it('an authenticator restarted behind the same address (CTAPHID_ERROR INVALID_CHANNEL): reconnects and retries once', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    const made = await client.makeCredential(registration())
    key.powerCycle() // its channels are forgotten; the transport stays up, as UDP's does
    requests.reset()
    await expect(client.getAssertion(assertion(made.id))).resolves.toMatchObject({ id: made.id })
    // the request on the old channel, then INIT, getInfo and the request again on a new one
    expect(requests.inits).toBe(1)
    expect(requests.ctap2).toEqual([
      CTAP2_CMD.GET_ASSERTION,
      CTAP2_CMD.GET_INFO,
      CTAP2_CMD.GET_ASSERTION,
    ])
    await client.close()
  })

  it('a kept key unplugged and not plugged back: waits for it, then FIDO_NO_DEVICE at the deadline', async () => {
    const key = new VirtualKey()
    const device = samePathSource(key)
    const client = createKeyClient({ origin: ORIGIN, transport: device.source })
    const made = await client.makeCredential(registration())
    device.unplug()
    const statuses: KeyStatus[] = []
    const started = Date.now()
    expect(
      await codeOf(
        client.getAssertion(
          assertion(made.id, { timeoutMs: 400, onStatus: (s) => statuses.push(s) }),
        ),
      ),
    ).toBe('FIDO_NO_DEVICE')
    expect(Date.now() - started).toBeLessThan(1000)
    expect(statuses).toEqual(['waiting-device'])
    // and when it comes back, it is found
    device.plug()
    await expect(client.getAssertion(assertion(made.id))).resolves.toMatchObject({ id: made.id })
    await client.close()
  })

  it('unplugged mid-operation on the kept channel, after the key spoke: FIDO_NO_DEVICE, no retry', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const requests = spyOn(key)
    const device = samePathSource(key)
    const client = createKeyClient({ origin: ORIGIN, transport: device.source })
    const made = client.makeCredential(registration())
    await key.waitForTouchRequest()
    key.touch()
    const { id } = await made
    requests.reset()
    const pending = codeOf(client.getAssertion(assertion(id)))
    await key.waitForTouchRequest()
    await delay(150) // a KEEPALIVE(UPNEEDED) has come: the channel was alive
    device.unplug()
    device.plug()
    expect(await pending).toBe('FIDO_NO_DEVICE')
    expect(requests.inits).toBe(0)
    await client.close()
  })

  it('an aborted operation drops the channel (it is out of step after CTAPHID_CANCEL); the next one opens a new one', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const requests = spyOn(key)
    const device = samePathSource(key)
    const client = createKeyClient({ origin: ORIGIN, transport: device.source })
    const made = client.makeCredential(registration())
    await key.waitForTouchRequest()
    key.touch()
    const { id } = await made
    requests.reset()

    const controller = new AbortController()
    const statuses: KeyStatus[] = []
    const aborted = codeOf(
      client.getAssertion(
        assertion(id, { signal: controller.signal, onStatus: (s) => statuses.push(s) }),
      ),
    )
    await key.waitForTouchRequest()
    await delay(150)
    controller.abort()
    expect(await aborted).toBe('FIDO_CANCELLED')
    expect(statuses).toEqual(['touch']) // keepalive reporting on the kept channel, unchanged
    expect(requests.inits).toBe(0) // it ran on the kept channel…
    expect(device.closed()).toBe(1) // …which was closed with the abort

    const next = client.getAssertion(assertion(id))
    await key.waitForTouchRequest()
    key.touch()
    await expect(next).resolves.toMatchObject({ id })
    expect(requests.inits).toBe(1)
    await client.close()
  })

  it('a timeout and a CTAP error also drop the channel', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    const made = await client.makeCredential(registration())
    requests.reset()
    const unknown = toBase64Url(new Uint8Array(32).fill(7))
    expect(await codeOf(client.getAssertion(assertion(unknown)))).toBe('FIDO_NO_CREDENTIALS')
    expect(requests.inits).toBe(0)
    await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(1)

    key.setUserPresence('wait')
    expect(await codeOf(client.getAssertion(assertion(made.id, { timeoutMs: 300 })))).toBe(
      'FIDO_TIMEOUT',
    )
    expect(requests.inits).toBe(1)
    key.setUserPresence('approve')
    await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(2)
    await client.close()
  })

  it('a getInfo kept from before a change on the key (a PIN set meanwhile): the operation is retried with a fresh one', async () => {
    const state = createVirtualKeyState()
    const key = new VirtualKey({ state })
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    const made = await client.makeCredential(registration())
    state.pin = { hash: pinHash('1234'), length: 4 } // set by another application
    requests.reset()
    const signed = await client.getAssertion(
      assertion(made.id, { userVerification: true, pin: '1234' }),
    )
    expect(signed.id).toBe(made.id)
    expect(requests.inits).toBe(1)
    expect(requests.count(CTAP2_CMD.GET_INFO)).toBe(1)
    await client.close()
  })

  it('two keys: the clerk chooses by touch, and again for the next operation while both are plugged in', async () => {
    const first = new VirtualKey({ userPresence: 'wait' })
    const second = new VirtualKey({ userPresence: 'wait' })
    const firstRequests = spyOn(first)
    const secondRequests = spyOn(second)
    const source = createMemoryDeviceSource({ keys: [first] })
    const client = createKeyClient({ origin: ORIGIN, transport: source })

    const made = client.makeCredential(registration())
    await first.waitForTouchRequest()
    first.touch()
    const { id } = await made
    expect(firstRequests.inits).toBe(1)

    // a second key is plugged in: the kept channel is not used blindly
    source.plug(second)
    const statuses: KeyStatus[] = []
    const signIn = client.getAssertion(assertion(id, { onStatus: (s) => statuses.push(s) }))
    await Promise.all([first.waitForTouchRequest(), second.waitForTouchRequest()])
    expect(firstRequests.count(CTAP2_CMD.SELECTION)).toBe(1)
    expect(secondRequests.count(CTAP2_CMD.SELECTION)).toBe(1)
    first.touch() // the selection
    await first.waitForTouchRequest()
    first.touch() // the assertion
    await expect(signIn).resolves.toMatchObject({ id })
    expect(statuses[0]).toBe('touch')
    expect(firstRequests.inits).toBe(2)

    // both still plugged in: chosen again
    const again = client.getAssertion(assertion(id))
    await Promise.all([first.waitForTouchRequest(), second.waitForTouchRequest()])
    expect(firstRequests.count(CTAP2_CMD.SELECTION)).toBe(2)
    expect(secondRequests.count(CTAP2_CMD.SELECTION)).toBe(2)
    first.touch()
    await first.waitForTouchRequest()
    first.touch()
    await expect(again).resolves.toMatchObject({ id })

    // the second key unplugged: the key chosen last is the only one, its channel is kept
    source.unplug(second)
    firstRequests.reset()
    const alone = client.getAssertion(assertion(id))
    await first.waitForTouchRequest()
    first.touch()
    await expect(alone).resolves.toMatchObject({ id })
    expect(firstRequests.inits).toBe(0)
    expect(firstRequests.count(CTAP2_CMD.SELECTION)).toBe(0)
    await client.close()
  })

  it('the key replaced by another one: the new key is connected, not the kept channel', async () => {
    const first = new VirtualKey()
    const second = new VirtualKey()
    const secondRequests = spyOn(second)
    const source = createMemoryDeviceSource({ keys: [first] })
    const client = createKeyClient({ origin: ORIGIN, transport: source })
    await client.makeCredential(registration())
    source.unplug(first)
    source.plug(second)
    await client.makeCredential(registration())
    expect(secondRequests.inits).toBe(1)
    expect(second.listCredentials()).toHaveLength(1)
    expect(first.listCredentials()).toHaveLength(1)
    await client.close()
  })

  it('closes an idle channel after keepConnectedMs, and on close()', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const device = samePathSource(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: device.source,
      keepConnectedMs: 100,
    })
    const made = await client.makeCredential(registration())
    expect(device.closed()).toBe(0)
    await delay(250)
    expect(device.closed()).toBe(1)
    await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(2)
    expect(device.closed()).toBe(1)
    await client.close()
    expect(device.closed()).toBe(2)
    await client.close()
    // still usable after close(): the next operation connects again
    await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(3)
    await client.close()
  })

  it('close() during an operation: its channel is closed when it ends, not kept', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const device = samePathSource(key)
    const client = createKeyClient({ origin: ORIGIN, transport: device.source })
    const made = client.makeCredential(registration())
    await key.waitForTouchRequest()
    await client.close()
    key.touch()
    await made
    expect(device.closed()).toBe(1)
  })

  it('close() while an operation reads the device list: its channel is not kept either', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const device = samePathSource(key)
    let slow = false
    const source: DeviceSource = {
      ...device.source,
      list: async () => {
        if (slow) await delay(100)
        return device.source.list()
      },
    }
    const client = createKeyClient({ origin: ORIGIN, transport: source })
    const made = await client.makeCredential(registration())
    slow = true
    const signIn = client.getAssertion(assertion(made.id))
    await delay(20)
    await client.close()
    await signIn
    expect(requests.inits).toBe(1) // it ran on the kept channel…
    expect(device.closed()).toBe(1) // …closed when it ended
    await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(2)
    await client.close()
  })

  it('keepConnectedMs 0: a new connection for every operation, as before', async () => {
    const key = new VirtualKey()
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
      keepConnectedMs: 0,
    })
    const made = await client.makeCredential(registration())
    await client.getAssertion(assertion(made.id))
    expect(requests.inits).toBe(2)
    expect(() =>
      createKeyClient({
        origin: ORIGIN,
        transport: createMemoryDeviceSource(),
        keepConnectedMs: -1,
      }),
    ).toThrow(RangeError)
  })

  it('an operation started while another holds the kept channel gets its own', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const requests = spyOn(key)
    const client = createKeyClient({
      origin: ORIGIN,
      transport: createMemoryDeviceSource({ keys: [key] }),
    })
    const made = client.makeCredential(registration())
    await key.waitForTouchRequest()
    key.touch()
    const { id } = await made
    requests.reset()
    // the engine aborts the previous operation and starts the next one without waiting
    const controller = new AbortController()
    const previous = codeOf(client.getAssertion(assertion(id, { signal: controller.signal })))
    await key.waitForTouchRequest()
    controller.abort()
    const next = client.getAssertion(assertion(id))
    expect(await previous).toBe('FIDO_CANCELLED')
    await delay(50)
    await key.waitForTouchRequest()
    key.touch()
    await expect(next).resolves.toMatchObject({ id })
    expect(requests.inits).toBe(1)
    await client.close()
  })
})

describe('isStaleFailure', () => {
  function lease(traffic: { sent: number; heard: number }, reused = true): KeyLease {
    return {
      key: { traffic: { ...traffic, broken: false } } as unknown as ConnectedKey,
      reused,
      sentBefore: 0,
      heardBefore: 0,
      generation: 0,
    }
  }
  const gone = new CtapHidError('disconnected', 'unplugged')
  const invalidChannel = new CtapHidError('device-error', 'INVALID_CHANNEL', {
    hidError: CTAPHID_ERR.INVALID_CHANNEL,
  })

  it.each<[string, boolean, KeyLease, unknown]>([
    ['a new connection is never stale', false, lease({ sent: 1, heard: 0 }, false), gone],
    ['disconnected before any sign of life', true, lease({ sent: 1, heard: 0 }), gone],
    ['INVALID_CHANNEL before any sign of life', true, lease({ sent: 1, heard: 0 }), invalidChannel],
    ['a failure decided on the kept getInfo', true, lease({ sent: 0, heard: 0 }), new Error('x')],
    ['disconnected after the key spoke', false, lease({ sent: 2, heard: 1 }), gone],
    [
      'a timeout (the key may be waiting for a touch)',
      false,
      lease({ sent: 1, heard: 0 }),
      new CtapHidError('timeout', 'late'),
    ],
    [
      'another CTAPHID error',
      false,
      lease({ sent: 1, heard: 0 }),
      new CtapHidError('device-error', 'other', { hidError: CTAPHID_ERR.OTHER }),
    ],
    ['a CTAP status', false, lease({ sent: 1, heard: 1 }), new CtapStatusError(0x2e, 'no')],
  ])('%s → stale: %s', (_, expected, l, error) => {
    expect(isStaleFailure(l, error)).toBe(expected)
  })
})
