import { mkdtempSync, statSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { concatBytes, readUint32BE, utf8 } from '../../../src-main/fido/protocol/bytes'
import { encodeCbor } from '../../../src-main/fido/protocol/cbor'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import { Ctap2, encodeMakeCredential } from '../../../src-main/fido/protocol/ctap2'
import { STATUS } from '../../../src-main/fido/protocol/ctap2-constants'
import { openCtapHid } from '../../../src-main/fido/protocol/ctaphid'
import {
  CTAPHID,
  CTAPHID_ERR,
  KEEPALIVE_STATUS,
  MAX_MESSAGE_SIZE,
  encodeFrames,
  parseFrame,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import type { Frame } from '../../../src-main/fido/protocol/ctaphid-frames'
import { createMemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import { contReport, delay, initReport } from './helpers'

/** A raw host: sends reports, collects what the key answers. */
function rawHost(key: VirtualKey) {
  const received: Frame[] = []
  const reply = (report: Uint8Array): void => {
    received.push(parseFrame(report))
  }
  return {
    received,
    send: (report: Uint8Array): void => key.receive(report, reply),
    sendMessage: (cid: number, cmd: number, payload: Uint8Array): void =>
      encodeFrames(cid, cmd, payload).forEach((frame) => key.receive(frame, reply)),
    /** Allocates a channel and returns its id. */
    init(): number {
      key.receive(initReport(0xffffffff, CTAPHID.INIT, 8, new Uint8Array(8).fill(1)), reply)
      const answer = received.pop()
      if (answer?.kind !== 'init') throw new Error('no INIT answer')
      return readUint32BE(answer.data, 8)
    },
    lastError(): number | undefined {
      const last = received.at(-1)
      return last?.kind === 'init' && last.cmd === CTAPHID.ERROR ? last.data[0] : undefined
    },
  }
}

describe('the virtual key against bad host input (CTAPHID, CTAP 2.1 §11.2)', () => {
  it('allocates distinct channels and echoes the nonce', () => {
    const host = rawHost(new VirtualKey())
    const nonce = Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1)
    host.send(initReport(0xffffffff, CTAPHID.INIT, 8, nonce))
    const answer = host.received[0]
    expect(answer).toMatchObject({ kind: 'init', cid: 0xffffffff, cmd: CTAPHID.INIT, length: 17 })
    expect(answer?.data.subarray(0, 8)).toEqual(nonce)
    expect(host.init()).not.toBe(host.init())
  })

  it('answers ERR_INVALID_LEN to an INIT without an 8-byte nonce and to a truncated report', () => {
    const host = rawHost(new VirtualKey())
    host.send(initReport(0xffffffff, CTAPHID.INIT, 7))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_LEN)
    const cid = host.init()
    host.send(initReport(cid, CTAPHID.PING, 1).subarray(0, 40))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_LEN)
  })

  it('answers ERR_INVALID_CHANNEL to an unallocated or reserved channel', () => {
    const host = rawHost(new VirtualKey())
    host.send(initReport(0x11223344, CTAPHID.PING, 1))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_CHANNEL)
    host.send(initReport(0, CTAPHID.PING, 1))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_CHANNEL)
    host.send(initReport(0xffffffff, CTAPHID.PING, 1))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_CHANNEL)
  })

  it('answers ERR_INVALID_LEN to a length field larger than the maximum', () => {
    const host = rawHost(new VirtualKey())
    const cid = host.init()
    host.send(initReport(cid, CTAPHID.PING, MAX_MESSAGE_SIZE + 1))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_LEN)
  })

  it('answers ERR_INVALID_SEQ to a continuation out of sequence', () => {
    const host = rawHost(new VirtualKey())
    const cid = host.init()
    host.send(initReport(cid, CTAPHID.PING, 100))
    host.send(contReport(cid, 1))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_SEQ)
  })

  it('answers ERR_CHANNEL_BUSY to another channel during a message, and the message still completes', () => {
    const host = rawHost(new VirtualKey())
    const first = host.init()
    const second = host.init()
    const payload = Uint8Array.from({ length: 100 }, (_, i) => i)
    const frames = encodeFrames(first, CTAPHID.PING, payload)
    host.send(frames[0] ?? new Uint8Array(64))
    host.send(initReport(second, CTAPHID.PING, 1))
    expect(host.received.at(-1)).toMatchObject({ cid: second, cmd: CTAPHID.ERROR })
    expect(host.lastError()).toBe(CTAPHID_ERR.CHANNEL_BUSY)
    host.send(frames[1] ?? new Uint8Array(64))
    const answers = host.received.filter((frame) => frame.cid === first)
    expect(answers[0]).toMatchObject({ kind: 'init', cmd: CTAPHID.PING, length: 100 })
  })

  it('answers ERR_MSG_TIMEOUT when continuation packets stop coming', async () => {
    const host = rawHost(new VirtualKey())
    const cid = host.init()
    host.send(initReport(cid, CTAPHID.PING, 100))
    await delay(650)
    expect(host.lastError()).toBe(CTAPHID_ERR.MSG_TIMEOUT)
  })

  it('answers ERR_INVALID_CMD to an unknown command', () => {
    const host = rawHost(new VirtualKey())
    const cid = host.init()
    host.send(initReport(cid, 0x22, 0))
    expect(host.lastError()).toBe(CTAPHID_ERR.INVALID_CMD)
  })

  it('echoes the largest possible CTAPHID_PING', async () => {
    const key = new VirtualKey()
    const connection = await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })
    const payload = Uint8Array.from({ length: MAX_MESSAGE_SIZE }, (_, i) => (i * 31) & 0xff)
    expect(await connection.call(CTAPHID.PING, payload, { timeoutMs: 2000 })).toEqual(payload)
  })

  it('sends KEEPALIVE(UPNEEDED) while waiting for a touch and KEEPALIVE_CANCEL after CTAPHID_CANCEL', async () => {
    const key = new VirtualKey({ userPresence: 'wait' })
    const host = rawHost(key)
    const cid = host.init()
    host.sendMessage(cid, CTAPHID.CBOR, Uint8Array.of(0x0b))
    await key.waitForTouchRequest()
    await delay(250)
    const keepalives = host.received.filter(
      (frame) => frame.kind === 'init' && frame.cmd === CTAPHID.KEEPALIVE,
    )
    expect(keepalives.length).toBeGreaterThanOrEqual(1)
    expect(keepalives[0]?.data[0]).toBe(KEEPALIVE_STATUS.UPNEEDED)
    // While busy, another channel gets CHANNEL_BUSY.
    const other = host.init()
    host.send(initReport(other, CTAPHID.PING, 0))
    expect(host.lastError()).toBe(CTAPHID_ERR.CHANNEL_BUSY)
    host.send(initReport(cid, CTAPHID.CANCEL, 0))
    await delay(10)
    const answer = host.received
      .filter((frame) => frame.kind === 'init' && frame.cmd === CTAPHID.CBOR)
      .at(-1)
    expect(answer?.data[0]).toBe(STATUS.KEEPALIVE_CANCEL)
  })
})

describe('the virtual key against bad CTAP2 input', () => {
  async function status(key: VirtualKey, request: Uint8Array): Promise<number | undefined> {
    const connection = await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })
    return (await connection.call(CTAPHID.CBOR, request, { timeoutMs: 2000 }))[0]
  }
  const validMakeCredential = encodeMakeCredential({
    clientDataHash: new Uint8Array(32),
    rp: { id: 'guichet', name: 'Guichet' },
    user: { id: Uint8Array.of(1), name: 'u', displayName: 'U' },
    algorithms: [-7],
  })

  it.each([
    ['malformed CBOR', Uint8Array.of(0x01, 0xa1, 0x01)],
    ['non-canonical CBOR (keys out of order)', Uint8Array.of(0x01, 0xa2, 0x02, 0x00, 0x01, 0x00)],
    ['non-canonical CBOR (long integer form)', Uint8Array.of(0x04, 0x18, 0x01)],
    ['trailing bytes', concatBytes(validMakeCredential, Uint8Array.of(0))],
  ])('answers CTAP2_ERR_INVALID_CBOR to %s', async (_, request) => {
    expect(await status(new VirtualKey(), request)).toBe(STATUS.INVALID_CBOR)
  })

  it('answers CTAP1_ERR_INVALID_COMMAND to an unknown command, MISSING_PARAMETER and CBOR_UNEXPECTED_TYPE', async () => {
    const key = new VirtualKey()
    expect(await status(key, Uint8Array.of(0x40))).toBe(STATUS.INVALID_COMMAND)
    expect(
      await status(
        key,
        concatBytes(Uint8Array.of(0x01), encodeCbor(new Map([[1, new Uint8Array(32)]]))),
      ),
    ).toBe(STATUS.MISSING_PARAMETER)
    expect(
      await status(
        key,
        concatBytes(
          Uint8Array.of(0x02),
          encodeCbor(
            new Map<CborKey, CborValue>([
              [1, 7],
              [2, new Uint8Array(32)],
            ]),
          ),
        ),
      ),
    ).toBe(STATUS.CBOR_UNEXPECTED_TYPE)
    expect(await status(key, Uint8Array.of(0x01, 0x01))).toBe(STATUS.CBOR_UNEXPECTED_TYPE)
  })

  it('answers UNSUPPORTED_ALGORITHM when ES256 is not offered', async () => {
    const request = encodeMakeCredential({
      clientDataHash: new Uint8Array(32),
      rp: { id: 'guichet', name: 'Guichet' },
      user: { id: Uint8Array.of(1), name: 'u', displayName: 'U' },
      algorithms: [-257],
    })
    expect(await status(new VirtualKey(), request)).toBe(STATUS.UNSUPPORTED_ALGORITHM)
  })

  it('asks for a PIN token before a discoverable credential when a PIN is set', async () => {
    const request = encodeMakeCredential({
      clientDataHash: new Uint8Array(32),
      rp: { id: 'guichet', name: 'Guichet' },
      user: { id: Uint8Array.of(1), name: 'u', displayName: 'U' },
      algorithms: [-7],
      options: { rk: true },
    })
    expect(await status(new VirtualKey({ pin: '1234' }), request)).toBe(STATUS.PUAT_REQUIRED)
    // makeCredUvNotRqd: a non-discoverable credential needs no PIN.
    expect(await status(new VirtualKey({ pin: '1234' }), validMakeCredential)).toBe(STATUS.SUCCESS)
  })

  it('answers the CTAP 2.0 selection probe (empty pinUvAuthParam) after a touch', async () => {
    const probe = encodeMakeCredential({
      clientDataHash: new Uint8Array(32),
      rp: { id: '.dummy', name: '.dummy' },
      user: { id: Uint8Array.of(1), name: 'd', displayName: 'd' },
      algorithms: [-7],
      pinUvAuthParam: new Uint8Array(0),
      pinUvAuthProtocol: 1,
    })
    expect(await status(new VirtualKey(), probe)).toBe(STATUS.PIN_NOT_SET)
    expect(await status(new VirtualKey({ pin: '1234' }), probe)).toBe(STATUS.PIN_INVALID)
  })
})

describe('virtual key state', () => {
  it('persists credentials, counter and PIN to a 0600 JSON file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'guichet-vk-')), 'key.json')
    const key = new VirtualKey({ statePath: path, pin: '1234' })
    const connection = await openCtapHid(createMemoryTransport(key), { timeoutMs: 1000 })
    const ctap2 = new Ctap2(connection)
    await ctap2.makeCredential(
      {
        clientDataHash: new Uint8Array(32),
        rp: { id: 'guichet', name: 'Guichet' },
        user: { id: utf8('clerk'), name: 'clerk', displayName: 'Clerk' },
        algorithms: [-7],
      },
      { timeoutMs: 2000 },
    )
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).not.toContain('1234')
    const again = new VirtualKey({ statePath: path })
    expect(again.hasPin).toBe(true)
    expect(again.signCount).toBe(key.signCount)
    expect(again.listCredentials()).toEqual(key.listCredentials())
  })
})
