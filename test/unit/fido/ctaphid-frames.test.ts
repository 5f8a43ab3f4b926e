import { describe, expect, it } from 'vitest'
import { toHex } from '../../../src-main/fido/protocol/bytes'
import {
  CONT_DATA_SIZE,
  CTAPHID,
  INIT_DATA_SIZE,
  MAX_MESSAGE_SIZE,
  MAX_SEQ,
  encodeFrames,
  frameCount,
  parseFrame,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import { CtapHidError } from '../../../src-main/fido/protocol/errors'
import { CID } from './helpers'

function payload(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + 1) & 0xff)
}

describe('CTAPHID packet structure (CTAP 2.1 §11.2.4)', () => {
  it('has 57 data bytes in an initialization packet and 59 in a continuation packet', () => {
    expect(INIT_DATA_SIZE).toBe(57)
    expect(CONT_DATA_SIZE).toBe(59)
    expect(MAX_MESSAGE_SIZE).toBe(7609)
  })

  it('writes CID, CMD with bit 7 set and the big-endian byte count', () => {
    const [frame] = encodeFrames(CID, CTAPHID.CBOR, Uint8Array.of(0x04))
    expect(toHex(frame ?? new Uint8Array(0))).toBe('0102030490000104' + '00'.repeat(56))
  })

  it.each([
    [0, 1],
    [57, 1],
    [58, 2],
    [57 + 59, 2],
    [57 + 59 + 1, 3],
    [57 + 2 * 59, 3],
  ])('fragments %i bytes into %i reports', (length, count) => {
    const frames = encodeFrames(CID, CTAPHID.PING, payload(length))
    expect(frames).toHaveLength(count)
    expect(frameCount(length)).toBe(count)
    frames.forEach((frame) => expect(frame).toHaveLength(64))
  })

  it('puts byte 58 alone in continuation packet 0, right after its CID and SEQ', () => {
    const data = payload(58)
    const [first, second] = encodeFrames(CID, CTAPHID.PING, data)
    expect(first?.subarray(7)).toEqual(data.subarray(0, 57))
    expect(second?.subarray(0, 6)).toEqual(Uint8Array.of(1, 2, 3, 4, 0x00, data[57] ?? -1))
    expect(second?.subarray(6)).toEqual(new Uint8Array(58))
  })

  it('numbers continuation packets from 0 and ends at 0x7F for the largest message', () => {
    const frames = encodeFrames(CID, CTAPHID.PING, payload(MAX_MESSAGE_SIZE))
    expect(frames).toHaveLength(1 + 128)
    expect(frames.slice(1).map((frame) => frame[4])).toEqual(
      Array.from({ length: 128 }, (_, i) => i),
    )
    expect(frames.at(-1)?.[4]).toBe(MAX_SEQ)
  })

  it('refuses a message that would need a sequence number past 0x7F', () => {
    expect(() => encodeFrames(CID, CTAPHID.PING, payload(MAX_MESSAGE_SIZE + 1))).toThrow(
      CtapHidError,
    )
  })

  it('parses what it writes', () => {
    const frames = encodeFrames(CID, CTAPHID.MSG, payload(100))
    const init = parseFrame(frames[0] ?? new Uint8Array(64))
    const cont = parseFrame(frames[1] ?? new Uint8Array(64))
    expect(init).toMatchObject({ kind: 'init', cid: CID, cmd: CTAPHID.MSG, length: 100 })
    expect(cont).toMatchObject({ kind: 'cont', cid: CID, seq: 0 })
  })

  it('rejects a truncated report as a protocol error', () => {
    expect(() => parseFrame(new Uint8Array(63))).toThrow(
      expect.objectContaining({ failure: 'protocol' }),
    )
  })
})
