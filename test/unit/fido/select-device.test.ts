/**
 * Finding the key (src-main/fido/client/select-device.ts) without the client around it: the probe
 * of each plugged device (CTAPHID_INIT, then authenticatorGetInfo when the key announces CBOR),
 * the channel's traffic count, « touchez la clé à utiliser » among several keys (CTAP 2.1 §6.9
 * authenticatorSelection, §6.1.2 step 1 for CTAP 2.0 keys), the caller's cancel and the deadline.
 */
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { connectToKey, keyStatusOfKeepalive } from '../../../src-main/fido/client/select-device'
import type { ConnectedKey, KeyStatus } from '../../../src-main/fido/client/select-device'
import { FidoError } from '../../../src-main/fido/client/errors'
import { decodeCbor } from '../../../src-main/fido/protocol/cbor'
import { CTAP2_CMD, STATUS } from '../../../src-main/fido/protocol/ctap2-constants'
import {
  BROADCAST_CID,
  CAPABILITY,
  CTAPHID,
  CTAPHID_ERR,
  KEEPALIVE_STATUS,
  encodeFrames,
  parseFrame,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import { CtapHidError, CtapStatusError } from '../../../src-main/fido/protocol/errors'
import type { DeviceSource } from '../../../src-main/fido/transport/device-source'
import type { HidTransport } from '../../../src-main/fido/transport/hid-transport'
import {
  createMemoryDeviceSource,
  createMemoryTransport,
} from '../../../src-main/fido/transport/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import {
  CID,
  delay,
  faultyKeyTransport,
  initAnswer,
  initReport,
  scriptedTransport,
  sourceOf,
} from './helpers'

function inMs(ms: number): number {
  return Date.now() + ms
}

/** The error a promise rejects with (the test fails if it resolves). */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/**
 * A device that answers CTAPHID_INIT with `capabilities` and then does what `onCbor` says with
 * each CTAPHID_CBOR request (nothing: silence).
 */
function scriptedKey(
  capabilities: number,
  onCbor: (push: (reports: Uint8Array[]) => void) => void = () => undefined,
): HidTransport {
  return scriptedTransport((report, device) => {
    const frame = parseFrame(report)
    if (frame.kind !== 'init') return
    if (frame.cid === BROADCAST_CID && frame.cmd === CTAPHID.INIT) {
      device.push(...initAnswer(frame.data.subarray(0, 8), capabilities))
    } else if (frame.cmd === CTAPHID.CBOR) {
      onCbor((reports) => device.push(...reports))
    }
  })
}

/** Handles whose open() gives `transports` in turn, recording which of them were closed. */
function closingSource(transports: HidTransport[]): {
  source: DeviceSource
  closed: Set<number>
} {
  const closed = new Set<number>()
  const source = sourceOf(
    ...transports.map((transport, index) => async (): Promise<HidTransport> => ({
      ...transport,
      write: (report) => transport.write(report),
      read: (timeoutMs) => transport.read(timeoutMs),
      close: async () => {
        closed.add(index)
        await transport.close()
      },
    })),
  )
  return { source, closed }
}

/** The handle id of the connected key, to tell which one was chosen. */
function idOf(key: ConnectedKey): string {
  return key.handle.id
}

describe('probing a plugged device', () => {
  it('counts the channel traffic: getInfo is one request sent and one answer heard', async () => {
    const key = await connectToKey({
      source: createMemoryDeviceSource({ keys: [new VirtualKey({ userPresence: 'wait' })] }),
      deadline: inMs(3000),
    })
    expect(key.ctap2?.info.versions).toContain('FIDO_2_1')
    expect(key.traffic).toEqual({ sent: 1, heard: 1, broken: false })
    // A CTAP2 status (§8.2: getNextAssertion without a getAssertion before) is an answer: the
    // channel is in step.
    const refused = await failureOf(key.ctap2!.session.getNextAssertion({ timeoutMs: 1000 }))
    expect(refused).toBeInstanceOf(CtapStatusError)
    expect(key.traffic).toEqual({ sent: 2, heard: 2, broken: false })
    // No answer in time is a failure below CTAP: the channel is not trusted any more.
    const late = await failureOf(key.ctap2!.session.selection({ timeoutMs: 150 }))
    expect(late).toMatchObject({ failure: 'timeout' })
    expect(key.traffic.sent).toBe(3)
    expect(key.traffic.broken).toBe(true)
    await key.close()
  })

  it('asks a U2F-only key nothing over CTAPHID_CBOR (it does not announce the capability)', async () => {
    const key = await connectToKey({
      source: createMemoryDeviceSource({ keys: [new VirtualKey({ u2fOnly: true })] }),
      deadline: inMs(3000),
    })
    expect(key.ctap2).toBeUndefined()
    expect(key.traffic).toEqual({ sent: 0, heard: 0, broken: false })
    await key.close()
  })

  it('uses a CBOR-capable key that answers getInfo with CTAPHID_ERROR as U2F-only (CTAP 2.1 §10)', async () => {
    const device = scriptedKey(CAPABILITY.CBOR, (push) =>
      push([initReport(CID, CTAPHID.ERROR, 1, Uint8Array.of(CTAPHID_ERR.INVALID_CMD))]),
    )
    const key = await connectToKey({ source: sourceOf(async () => device), deadline: inMs(3000) })
    expect(key.ctap2).toBeUndefined()
    await key.close()
  })

  it('does not use a CBOR-capable key that never answers getInfo', async () => {
    const error = await failureOf(
      connectToKey({
        source: sourceOf(async () => scriptedKey(CAPABILITY.CBOR)),
        deadline: inMs(500),
        probeTimeoutMs: 150,
      }),
    )
    expect(error).toBeInstanceOf(FidoError)
    expect(error).toMatchObject({ code: 'FIDO_NO_DEVICE' })
  })

  it('opens no device once the deadline has passed, and says no key was found', async () => {
    let opened = 0
    const source = sourceOf(async () => {
      opened += 1
      return createMemoryTransport(new VirtualKey())
    })
    const error = await failureOf(connectToKey({ source, deadline: Date.now() - 1 }))
    expect(error).toBeInstanceOf(FidoError)
    expect(error).toMatchObject({
      code: 'FIDO_NO_DEVICE',
      message: 'no security key was found in time',
    })
    expect(opened).toBe(0)
  })

  it('counts a device that cannot be opened as absent: the one working key is used without a touch', async () => {
    const statuses: KeyStatus[] = []
    const key = await connectToKey({
      source: sourceOf(
        async () => {
          throw new CtapHidError('disconnected', 'gone')
        },
        async () => createMemoryTransport(new VirtualKey({ userPresence: 'wait' })),
      ),
      deadline: inMs(3000),
      onStatus: (status) => statuses.push(status),
    })
    expect(idOf(key)).toBe('fake:1')
    expect(statuses).toEqual([])
    await key.close()
  })

  it('reports waiting for a key once, however many times the source is polled', async () => {
    const statuses: KeyStatus[] = []
    const error = await failureOf(
      connectToKey({
        source: createMemoryDeviceSource({ pollIntervalMs: 20 }),
        deadline: inMs(250),
        onStatus: (status) => statuses.push(status),
      }),
    )
    expect(error).toMatchObject({ code: 'FIDO_NO_DEVICE' })
    expect(statuses).toEqual(['waiting-device'])
  })
})

describe('a device that says nothing (a lossy transport: silence is "no-response")', () => {
  /** A device that never answers CTAPHID_INIT, on a transport that expects answers within 100 ms. */
  const silentUdpLike = (): HidTransport => ({
    ...scriptedTransport(() => undefined),
    answerWithinMs: 100,
  })

  it('is skipped for the working key beside it on a first try', async () => {
    const key = await connectToKey({
      source: sourceOf(
        async () => silentUdpLike(),
        async () => createMemoryTransport(new VirtualKey()),
      ),
      deadline: inMs(3000),
    })
    expect(idOf(key)).toBe('fake:1')
    await key.close()
  })

  it('ends the search at once after a lost request (silenceIsFinal)', async () => {
    const error = await failureOf(
      connectToKey({
        source: sourceOf(async () => silentUdpLike()),
        deadline: inMs(3000),
        silenceIsFinal: true,
      }),
    )
    expect(error).toMatchObject({ failure: 'no-response' })
  })

  it('after a lost request, other failures are still waited out (a plain timeout is no device)', async () => {
    const error = await failureOf(
      connectToKey({
        source: sourceOf(async () => scriptedTransport(() => undefined)),
        deadline: inMs(400),
        probeTimeoutMs: 100,
        silenceIsFinal: true,
      }),
    )
    expect(error).toMatchObject({ code: 'FIDO_NO_DEVICE' })
  })
})

describe('the caller cancels while a device is probed', () => {
  it.each([
    ['during CTAPHID_INIT', () => scriptedTransport(() => undefined)],
    ['during authenticatorGetInfo', () => scriptedKey(CAPABILITY.CBOR)],
  ])('%s: the search ends at once, without reporting a wait for a key', async (_, device) => {
    const controller = new AbortController()
    const statuses: KeyStatus[] = []
    const outcome = connectToKey({
      source: sourceOf(async () => device()),
      deadline: inMs(6000),
      probeTimeoutMs: 6000,
      signal: controller.signal,
      onStatus: (status) => statuses.push(status),
    }).then(
      () => 'connected',
      (error: unknown) => error,
    )
    await delay(50)
    controller.abort()
    // Well within the 6 s the probe would otherwise wait for the device.
    const settled = await Promise.race([outcome, delay(2000).then(() => 'still probing')])
    expect(settled).toBeInstanceOf(CtapHidError)
    expect(settled).toMatchObject({ failure: 'cancelled', message: 'cancelled by the caller' })
    expect(statuses).toEqual([])
  })

  it('refuses at once when the signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    const error = await failureOf(
      connectToKey({
        source: createMemoryDeviceSource({ keys: [new VirtualKey()] }),
        deadline: inMs(3000),
        signal: controller.signal,
      }),
    )
    expect(error).toMatchObject({ failure: 'cancelled', message: 'cancelled by the caller' })
  })
})

describe('« touchez la clé à utiliser »: several keys plugged in', () => {
  it('chooses the touched key, closes the others and leaves no listener on the signal', async () => {
    const first = new VirtualKey({ userPresence: 'wait' })
    const second = new VirtualKey({ userPresence: 'wait' })
    const { source, closed } = closingSource([
      createMemoryTransport(first),
      createMemoryTransport(second),
    ])
    const controller = new AbortController()
    const statuses: KeyStatus[] = []
    const connecting = connectToKey({
      source,
      deadline: inMs(5000),
      signal: controller.signal,
      onStatus: (status) => statuses.push(status),
    })
    await Promise.all([first.waitForTouchRequest(), second.waitForTouchRequest()])
    second.touch() // authenticatorSelection (CTAP 2.1 §6.9)
    const key = await connecting
    expect(idOf(key)).toBe('fake:1')
    expect(statuses).toEqual(['touch'])
    expect([...closed]).toEqual([0])
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    await key.close()
  })

  it('chooses a touched CTAP 2.0 key without a PIN (the dummy registration answers PIN_NOT_SET, §6.1.2 step 1)', async () => {
    const first = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const second = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const source = createMemoryDeviceSource({ keys: [first, second] })
    const connecting = connectToKey({ source, deadline: inMs(5000) })
    await Promise.all([first.waitForTouchRequest(), second.waitForTouchRequest()])
    first.touch()
    const key = await connecting
    expect(idOf(key)).toBe((await source.list())[0]?.id)
    expect(first.listCredentials()).toHaveLength(0)
    await key.close()
  })

  it('chooses a CTAP 2.0 key that answers the dummy registration with PIN_AUTH_INVALID once touched', async () => {
    const faulty = faultyKeyTransport(new VirtualKey({ ctap20: true }), (cid) =>
      encodeFrames(cid, CTAPHID.CBOR, Uint8Array.of(STATUS.PIN_AUTH_INVALID)),
    )
    const waiting = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const key = await connectToKey({
      source: sourceOf(
        async () => createMemoryTransport(waiting),
        async () => faulty,
      ),
      deadline: inMs(3000),
    })
    expect(idOf(key)).toBe('fake:1')
    await key.close()
  })

  it('sends CTAP 2.0 keys the dummy registration of §6.1.2 step 1: empty pinUvAuthParam, ES256, ".dummy"', async () => {
    const requests: Uint8Array[] = []
    const recording = (key: VirtualKey): HidTransport => {
      const inner = createMemoryTransport(key)
      let message: { data: number[]; length: number } | undefined
      return {
        ...inner,
        write: async (report) => {
          const frame = parseFrame(report)
          if (frame.kind === 'init' && frame.cmd === CTAPHID.CBOR) {
            message = { data: [...frame.data], length: frame.length }
          } else if (frame.kind === 'cont' && message) {
            message.data.push(...frame.data)
          }
          if (message && message.data.length >= message.length) {
            requests.push(Uint8Array.from(message.data.slice(0, message.length)))
            message = undefined
          }
          await inner.write(report)
        },
        read: (timeoutMs) => inner.read(timeoutMs),
        close: () => inner.close(),
      }
    }
    const first = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const second = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const connecting = connectToKey({
      source: sourceOf(
        async () => recording(first),
        async () => recording(second),
      ),
      deadline: inMs(5000),
    })
    await Promise.all([first.waitForTouchRequest(), second.waitForTouchRequest()])
    second.touch()
    const key = await connecting
    const dummy = requests.find((request) => request[0] === CTAP2_CMD.MAKE_CREDENTIAL)
    if (!dummy) throw new Error('no makeCredential was sent')
    expect(decodeCbor(dummy.subarray(1))).toEqual(
      new Map<number, unknown>([
        [0x01, new Uint8Array(32)],
        [
          0x02,
          new Map([
            ['id', '.dummy'],
            ['name', '.dummy'],
          ]),
        ],
        [
          0x03,
          new Map<string, unknown>([
            ['id', Uint8Array.of(1)],
            ['name', 'dummy'],
            ['displayName', 'dummy'],
          ]),
        ],
        [
          0x04,
          [
            new Map<string, unknown>([
              ['alg', -7],
              ['type', 'public-key'],
            ]),
          ],
        ],
        [0x08, new Uint8Array(0)],
        [0x09, 1],
      ]),
    )
    await key.close()
  })

  it('does not choose a key whose user refused the touch; the touched one wins', async () => {
    const refusing = new VirtualKey({ ctap20: true, userPresence: 'deny' })
    const touched = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const connecting = connectToKey({
      source: sourceOf(
        async () => createMemoryTransport(refusing),
        async () => createMemoryTransport(touched),
      ),
      deadline: inMs(5000),
    })
    await touched.waitForTouchRequest()
    await delay(100) // the refusal has come back by now
    touched.touch()
    expect(idOf(await connecting)).toBe('fake:1')
  })

  it('fails with the keys’ own failure, not as cancelled, when none is touched in time, and closes them all', async () => {
    const { source, closed } = closingSource([
      createMemoryTransport(new VirtualKey({ userPresence: 'wait' })),
      createMemoryTransport(new VirtualKey({ userPresence: 'wait' })),
    ])
    const error = await failureOf(connectToKey({ source, deadline: inMs(400) }))
    expect(error).toMatchObject({ failure: 'timeout' })
    expect([...closed].sort()).toEqual([0, 1])
  })

  it('cancels every key when the caller cancels, even after one key refused', async () => {
    const refusing = new VirtualKey({ ctap20: true, userPresence: 'deny' })
    const waiting = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const other = new VirtualKey({ ctap20: true, userPresence: 'wait' })
    const controller = new AbortController()
    const outcome = connectToKey({
      source: sourceOf(
        async () => createMemoryTransport(refusing),
        async () => createMemoryTransport(waiting),
        async () => createMemoryTransport(other),
      ),
      deadline: inMs(5000),
      signal: controller.signal,
    }).then(
      () => 'connected',
      (error: unknown) => error,
    )
    await Promise.all([waiting.waitForTouchRequest(), other.waitForTouchRequest()])
    await delay(100) // the refusal has come back by now
    controller.abort()
    await Promise.race([outcome, delay(1000)])
    // Touches after the cancel choose nothing: the keys were told to stop waiting.
    waiting.touch()
    other.touch()
    const settled = await outcome
    expect(settled).toBeInstanceOf(CtapHidError)
    expect(settled).toMatchObject({ failure: 'cancelled', message: 'cancelled by the caller' })
  })
})

describe('KEEPALIVE status (CTAP 2.1 §11.2.9.1.7)', () => {
  it('UPNEEDED asks for a touch, PROCESSING does not', () => {
    expect(keyStatusOfKeepalive(KEEPALIVE_STATUS.UPNEEDED)).toBe('touch')
    expect(keyStatusOfKeepalive(KEEPALIVE_STATUS.PROCESSING)).toBe('processing')
  })
})
