/**
 * CTAPHID packet format (CTAP 2.1 §11.2.4 "Message and packet structure"), shared by the host
 * stack and the virtual key.
 *
 * Initialization packet: CID (4) | CMD (1, bit 7 set) | BCNTH | BCNTL | DATA (64 - 7 = 57)
 * Continuation packet:   CID (4) | SEQ (1, 0x00..0x7F) | DATA (64 - 5 = 59)
 */
import { readUint16BE, readUint32BE } from './bytes'
import { CtapHidError } from './errors'
import { HID_REPORT_SIZE } from '../transport/hid-transport'

/** CTAPHID commands (CTAP 2.1 §11.2.9). */
export const CTAPHID = {
  PING: 0x01,
  MSG: 0x03,
  LOCK: 0x04,
  INIT: 0x06,
  WINK: 0x08,
  CBOR: 0x10,
  CANCEL: 0x11,
  KEEPALIVE: 0x3b,
  ERROR: 0x3f,
} as const

/** CTAPHID_ERROR codes (CTAP 2.1 §11.2.9.1.6). */
export const CTAPHID_ERR = {
  INVALID_CMD: 0x01,
  INVALID_PAR: 0x02,
  INVALID_LEN: 0x03,
  INVALID_SEQ: 0x04,
  MSG_TIMEOUT: 0x05,
  CHANNEL_BUSY: 0x06,
  LOCK_REQUIRED: 0x0a,
  INVALID_CHANNEL: 0x0b,
  OTHER: 0x7f,
} as const

/** CTAPHID_KEEPALIVE status bytes (CTAP 2.1 §11.2.9.1.7). */
export const KEEPALIVE_STATUS = {
  PROCESSING: 0x01,
  UPNEEDED: 0x02,
} as const

/** CTAPHID_INIT capability flags (CTAP 2.1 §11.2.9.1.3). */
export const CAPABILITY = {
  WINK: 0x01,
  CBOR: 0x04,
  NMSG: 0x08,
} as const

export const BROADCAST_CID = 0xffffffff
export const TYPE_INIT = 0x80
export const INIT_DATA_SIZE = HID_REPORT_SIZE - 7
export const CONT_DATA_SIZE = HID_REPORT_SIZE - 5
export const MAX_SEQ = 0x7f
/** The largest message a 64-byte report can carry: 57 + 128 × 59 = 7609 bytes (§11.2.4). */
export const MAX_MESSAGE_SIZE = INIT_DATA_SIZE + (MAX_SEQ + 1) * CONT_DATA_SIZE
export const INIT_NONCE_SIZE = 8

export function ctapHidCommandName(cmd: number): string {
  for (const [name, value] of Object.entries(CTAPHID)) if (value === cmd) return `CTAPHID_${name}`
  return `CTAPHID_UNKNOWN(0x${cmd.toString(16).padStart(2, '0')})`
}

export function ctapHidErrorName(code: number): string {
  for (const [name, value] of Object.entries(CTAPHID_ERR)) if (value === code) return `ERR_${name}`
  return `ERR_UNKNOWN(0x${code.toString(16).padStart(2, '0')})`
}

export type Frame =
  | { kind: 'init'; cid: number; cmd: number; length: number; data: Uint8Array }
  | { kind: 'cont'; cid: number; seq: number; data: Uint8Array }

/** Splits a message into 64-byte reports; rejects messages that do not fit 128 continuations. */
export function encodeFrames(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length > MAX_MESSAGE_SIZE) {
    throw new CtapHidError(
      'protocol',
      `message of ${payload.length} bytes exceeds ${MAX_MESSAGE_SIZE}`,
    )
  }
  const frames: Uint8Array[] = []
  const first = new Uint8Array(HID_REPORT_SIZE)
  writeCid(first, cid)
  first[4] = TYPE_INIT | cmd
  first[5] = (payload.length >>> 8) & 0xff
  first[6] = payload.length & 0xff
  first.set(payload.subarray(0, INIT_DATA_SIZE), 7)
  frames.push(first)
  let offset = INIT_DATA_SIZE
  let seq = 0
  while (offset < payload.length) {
    const cont = new Uint8Array(HID_REPORT_SIZE)
    writeCid(cont, cid)
    cont[4] = seq
    cont.set(payload.subarray(offset, offset + CONT_DATA_SIZE), 5)
    frames.push(cont)
    offset += CONT_DATA_SIZE
    seq++
  }
  return frames
}

/** Parses one report. A report of the wrong size is a truncated/garbled frame. */
export function parseFrame(report: Uint8Array): Frame {
  if (report.length !== HID_REPORT_SIZE) {
    throw new CtapHidError(
      'protocol',
      `HID report of ${report.length} bytes, expected ${HID_REPORT_SIZE}`,
    )
  }
  const cid = readUint32BE(report, 0)
  const type = report[4] ?? 0
  if ((type & TYPE_INIT) !== 0) {
    return {
      kind: 'init',
      cid,
      cmd: type & 0x7f,
      length: readUint16BE(report, 5),
      data: report.subarray(7),
    }
  }
  return { kind: 'cont', cid, seq: type, data: report.subarray(5) }
}

function writeCid(report: Uint8Array, cid: number): void {
  report[0] = (cid >>> 24) & 0xff
  report[1] = (cid >>> 16) & 0xff
  report[2] = (cid >>> 8) & 0xff
  report[3] = cid & 0xff
}

/** Number of reports a message of this length takes. */
export function frameCount(length: number): number {
  return length <= INIT_DATA_SIZE ? 1 : 1 + Math.ceil((length - INIT_DATA_SIZE) / CONT_DATA_SIZE)
}
