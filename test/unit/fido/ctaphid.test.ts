import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src-main/fido/protocol/bytes'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import type { CtapHidConnection } from '../../../src-main/fido/protocol/ctaphid'
import {
  CAPABILITY,
  CTAPHID,
  CTAPHID_ERR,
  KEEPALIVE_STATUS,
  MAX_MESSAGE_SIZE,
  TYPE_INIT,
  encodeFrames,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import { CtapHidError } from '../../../src-main/fido/protocol/errors'
import type { ScriptedTransport } from './helpers'
import { CID, contReport, delay, initAnswer, initReport, scriptedTransport } from './helpers'

const NONCE = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)

function isInit(report: Uint8Array): boolean {
  return report[4] === (TYPE_INIT | CTAPHID.INIT)
}

/** A device that answers INIT, then lets `onRequest` answer each request's first report. */
async function connect(
  onRequest: (report: Uint8Array, device: ScriptedTransport, count: number) => void,
): Promise<{ connection: CtapHidConnection; device: ScriptedTransport }> {
  let count = 0
  const device = scriptedTransport((report, self) => {
    if (isInit(report))
      self.push(...initAnswer(report.subarray(7, 15), CAPABILITY.CBOR | CAPABILITY.WINK))
    else onRequest(report, self, count++)
  })
  const connection = await openCtapHid(device, { timeoutMs: 500, nonce: NONCE })
  return { connection, device }
}

function cborAnswer(payload: Uint8Array): Uint8Array[] {
  return encodeFrames(CID, CTAPHID.CBOR, payload)
}

async function failureOf(promise: Promise<unknown>): Promise<CtapHidError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof CtapHidError) return error
    throw error
  }
  throw new Error('expected a CtapHidError')
}

describe('CTAPHID_INIT (CTAP 2.1 §11.2.9.1.3)', () => {
  it('sends the nonce on the broadcast channel and takes the channel from the matching answer', async () => {
    const device = scriptedTransport((report, self) => {
      // First an answer to another host's INIT (other nonce), then ours.
      self.push(...initAnswer(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), CAPABILITY.CBOR, 0x0a0b0c0d))
      self.push(...initAnswer(report.subarray(7, 15), CAPABILITY.CBOR | CAPABILITY.WINK))
    })
    const connection = await openCtapHid(device, { timeoutMs: 500, nonce: NONCE })
    expect(toHex(device.written[0] ?? new Uint8Array(0))).toBe(
      'ffffffff860008' + '0102030405060708' + '00'.repeat(49),
    )
    expect(connection.info).toEqual({
      channelId: CID,
      protocolVersion: 2,
      deviceVersion: { major: 1, minor: 0, build: 0 },
      capabilities: CAPABILITY.CBOR | CAPABILITY.WINK,
    })
    expect(connection.hasCapability(CAPABILITY.CBOR)).toBe(true)
    expect(connection.hasCapability(CAPABILITY.NMSG)).toBe(false)
  })

  it('times out when only wrong nonces come back', async () => {
    const device = scriptedTransport((_, self) =>
      self.push(...initAnswer(new Uint8Array(8), CAPABILITY.CBOR)),
    )
    const started = Date.now()
    const error = await failureOf(openCtapHid(device, { timeoutMs: 200, nonce: NONCE }))
    expect(error.failure).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(600)
  })

  it('times out when the device never answers', async () => {
    const device = scriptedTransport(() => undefined)
    expect((await failureOf(openCtapHid(device, { timeoutMs: 150 }))).failure).toBe('timeout')
  })
})

describe('CTAPHID messages', () => {
  it('reassembles a fragmented answer', async () => {
    const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const { connection } = await connect((_, device) => device.push(...cborAnswer(body)))
    expect(await connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 })).toEqual(body)
  })

  it('sends a long request as init + continuation packets on its channel', async () => {
    const request = Uint8Array.from({ length: 200 }, (_, i) => i & 0xff)
    const { connection, device } = await connect((report, self) => {
      if (report[4] === 2) self.push(...cborAnswer(Uint8Array.of(0)))
    })
    await connection.call(CTAPHID.CBOR, request, { timeoutMs: 500 })
    expect(device.written.slice(1)).toEqual(encodeFrames(CID, CTAPHID.CBOR, request))
  })

  it('reports KEEPALIVE status only when it changes', async () => {
    const statuses: number[] = []
    const { connection } = await connect((_, device) => {
      const keepalive = (status: number): Uint8Array =>
        initReport(CID, CTAPHID.KEEPALIVE, 1, Uint8Array.of(status))
      device.push(
        keepalive(KEEPALIVE_STATUS.PROCESSING),
        keepalive(KEEPALIVE_STATUS.PROCESSING),
        keepalive(KEEPALIVE_STATUS.UPNEEDED),
        keepalive(KEEPALIVE_STATUS.UPNEEDED),
        keepalive(KEEPALIVE_STATUS.PROCESSING),
        ...cborAnswer(Uint8Array.of(0)),
      )
    })
    await connection.call(CTAPHID.CBOR, Uint8Array.of(4), {
      timeoutMs: 500,
      onKeepalive: (status) => statuses.push(status),
    })
    expect(statuses).toEqual([
      KEEPALIVE_STATUS.PROCESSING,
      KEEPALIVE_STATUS.UPNEEDED,
      KEEPALIVE_STATUS.PROCESSING,
    ])
  })

  it('turns CTAPHID_ERROR into a typed error with its code', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.ERROR, 1, Uint8Array.of(CTAPHID_ERR.INVALID_CMD))),
    )
    const error = await failureOf(
      connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 }),
    )
    expect(error).toMatchObject({ failure: 'device-error', hidError: CTAPHID_ERR.INVALID_CMD })
  })

  it('retries after CHANNEL_BUSY', async () => {
    const { connection, device } = await connect((_, self, count) => {
      if (count === 0)
        self.push(initReport(CID, CTAPHID.ERROR, 1, Uint8Array.of(CTAPHID_ERR.CHANNEL_BUSY)))
      else self.push(...cborAnswer(Uint8Array.of(0, 0xa0)))
    })
    expect(await connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 2000 })).toEqual(
      Uint8Array.of(0, 0xa0),
    )
    expect(
      device.written.filter((report) => report[4] === (TYPE_INIT | CTAPHID.CBOR)),
    ).toHaveLength(2)
  })

  it('sends CTAPHID_CANCEL when the AbortSignal fires, and ends with "cancelled"', async () => {
    const controller = new AbortController()
    const { connection, device } = await connect((_, self) =>
      self.push(initReport(CID, CTAPHID.KEEPALIVE, 1, Uint8Array.of(KEEPALIVE_STATUS.UPNEEDED))),
    )
    setTimeout(() => controller.abort(), 50)
    const error = await failureOf(
      connection.call(CTAPHID.CBOR, Uint8Array.of(2), {
        timeoutMs: 5000,
        signal: controller.signal,
      }),
    )
    expect(error.failure).toBe('cancelled')
    expect(toHex(device.written.at(-1) ?? new Uint8Array(0))).toBe(
      '01020304910000' + '00'.repeat(57),
    )
    // The channel is out of step now: no further calls on it.
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 100 })))
        .failure,
    ).toBe('protocol')
  })

  it('times out, sending CTAPHID_CANCEL, when the device never answers', async () => {
    const { connection, device } = await connect(() => undefined)
    const started = Date.now()
    const error = await failureOf(
      connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 200 }),
    )
    expect(error.failure).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(700)
    expect(device.written.at(-1)?.[4]).toBe(TYPE_INIT | CTAPHID.CANCEL)
  })

  it('ignores reports for other channels and times out if nothing else comes', async () => {
    const { connection } = await connect((_, device) =>
      device.push(...encodeFrames(0x0a0b0c0d, CTAPHID.CBOR, Uint8Array.of(0))),
    )
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 150 })))
        .failure,
    ).toBe('timeout')
  })

  it('takes its own answer among reports for other channels', async () => {
    const { connection } = await connect((_, device) =>
      device.push(
        ...encodeFrames(0x0a0b0c0d, CTAPHID.CBOR, Uint8Array.of(0x31)),
        ...cborAnswer(Uint8Array.of(0)),
      ),
    )
    expect(await connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 })).toEqual(
      Uint8Array.of(0),
    )
  })

  it('rejects a length field larger than the maximum message', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.CBOR, MAX_MESSAGE_SIZE + 1)),
    )
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 })))
        .failure,
    ).toBe('protocol')
  })

  it('rejects an answer with another command', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.MSG, 2, Uint8Array.of(0x90, 0))),
    )
    const error = await failureOf(
      connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 }),
    )
    expect(error.failure).toBe('protocol')
    expect(error.message).toContain('CTAPHID_MSG')
  })

  it('rejects a wrong continuation sequence', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.CBOR, 100), contReport(CID, 1)),
    )
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 })))
        .failure,
    ).toBe('protocol')
  })

  it('rejects an initialization packet in the middle of a message', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.CBOR, 100), initReport(CID, CTAPHID.CBOR, 1)),
    )
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 })))
        .failure,
    ).toBe('protocol')
  })

  it('rejects a truncated report', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.CBOR, 1).subarray(0, 40)),
    )
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 500 })))
        .failure,
    ).toBe('protocol')
  })

  it('times out when a message stops after its first packet', async () => {
    const { connection } = await connect((_, device) =>
      device.push(initReport(CID, CTAPHID.CBOR, 100)),
    )
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 150 })))
        .failure,
    ).toBe('timeout')
  })

  it('reports a device that disappears mid-command', async () => {
    const { connection } = await connect((_, device) => {
      device.push(initReport(CID, CTAPHID.KEEPALIVE, 1, Uint8Array.of(KEEPALIVE_STATUS.UPNEEDED)))
      void delay(30).then(() => device.disconnect())
    })
    expect(
      (await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 2000 })))
        .failure,
    ).toBe('disconnected')
  })

  it('refuses CTAPHID_CBOR to a device without the CBOR capability', async () => {
    const device = scriptedTransport((report, self) => {
      if (isInit(report)) self.push(...initAnswer(report.subarray(7, 15), CAPABILITY.WINK))
    })
    const connection = await openCtapHid(device, { timeoutMs: 500 })
    expect(
      await failureOf(connection.call(CTAPHID.CBOR, Uint8Array.of(4), { timeoutMs: 100 })),
    ).toMatchObject({
      failure: 'device-error',
      hidError: CTAPHID_ERR.INVALID_CMD,
    })
  })
})
