/** Test helpers: hand-built CTAPHID reports and scripted fake devices at the report level. */
import { concatBytes, fromHex, uint32BE } from '../../../src-main/fido/protocol/bytes'
import {
  CTAPHID,
  TYPE_INIT,
  encodeFrames,
  parseFrame,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import type { DeviceHandle, DeviceSource } from '../../../src-main/fido/transport/device-source'
import { CtapHidError } from '../../../src-main/fido/protocol/errors'
import { HID_REPORT_SIZE } from '../../../src-main/fido/transport/hid-transport'
import type { HidTransport } from '../../../src-main/fido/transport/hid-transport'
import { createMemoryTransport } from '../../../src-main/fido/transport/memory-device-source'
import { ReportQueue } from '../../../src-main/fido/transport/report-queue'
import type { VirtualKey } from '../../../src-main/fido/virtual-key/key'

export const CID = 0x01020304

export function hex(text: string): Uint8Array {
  return fromHex(text)
}

export function initReport(
  cid: number,
  cmd: number,
  length: number,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const report = new Uint8Array(HID_REPORT_SIZE)
  report.set(uint32BE(cid))
  report[4] = TYPE_INIT | cmd
  report[5] = (length >>> 8) & 0xff
  report[6] = length & 0xff
  report.set(data.subarray(0, HID_REPORT_SIZE - 7), 7)
  return report
}

export function contReport(
  cid: number,
  seq: number,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const report = new Uint8Array(HID_REPORT_SIZE)
  report.set(uint32BE(cid))
  report[4] = seq
  report.set(data.subarray(0, HID_REPORT_SIZE - 5), 5)
  return report
}

/** The CTAPHID_INIT answer for a nonce: channel CID, protocol 2, version 1.0.0, the capabilities. */
export function initAnswer(nonce: Uint8Array, capabilities: number, cid = CID): Uint8Array[] {
  return encodeFrames(
    0xffffffff,
    CTAPHID.INIT,
    concatBytes(nonce, uint32BE(cid), Uint8Array.of(2, 1, 0, 0, capabilities)),
  )
}

export interface ScriptedTransport extends HidTransport {
  readonly written: Uint8Array[]
  push(...reports: Uint8Array[]): void
  disconnect(): void
}

/** A fake device: `onWrite` sees each host report and may push answers. */
export function scriptedTransport(
  onWrite: (report: Uint8Array, device: ScriptedTransport) => void,
): ScriptedTransport {
  const queue = new ReportQueue()
  const written: Uint8Array[] = []
  const device: ScriptedTransport = {
    written,
    push: (...reports) => reports.forEach((report) => queue.push(report)),
    disconnect: () => queue.fail(new CtapHidError('disconnected', 'unplugged')),
    async write(report: Uint8Array): Promise<void> {
      if (queue.failed) throw queue.failed
      written.push(report.slice())
      onWrite(report, device)
    },
    read: (timeoutMs) => queue.read(timeoutMs),
    async close(): Promise<void> {
      queue.fail(new CtapHidError('disconnected', 'closed'))
    },
  }
  return device
}

/**
 * A virtual key whose CTAPHID_CBOR answers (other than authenticatorGetInfo) are replaced by
 * `fault`: the reports it returns are sent instead, or nothing at all for 'silent'.
 */
export function faultyKeyTransport(
  key: VirtualKey,
  fault: (cid: number, request: Uint8Array) => Uint8Array[] | 'silent',
): HidTransport {
  const inner = createMemoryTransport(key)
  const injected = new ReportQueue()
  let pending: { cid: number; cmd: number } | undefined
  return {
    async write(report: Uint8Array): Promise<void> {
      const frame = parseFrame(report)
      if (frame.kind === 'init' && frame.cmd === CTAPHID.CBOR && frame.data[0] !== 0x04) {
        pending = { cid: frame.cid, cmd: frame.cmd }
        const answer = fault(frame.cid, frame.data.subarray(0, frame.length))
        if (answer !== 'silent') answer.forEach((r) => injected.push(r))
        return
      }
      if (pending && frame.kind === 'cont') return
      await inner.write(report)
    },
    async read(timeoutMs: number): Promise<Uint8Array | undefined> {
      const fromFault = await injected.read(0)
      if (fromFault) return fromFault
      return inner.read(Math.min(timeoutMs, 20))
    },
    close: () => inner.close(),
  }
}

export function sourceOf(...opens: (() => Promise<HidTransport>)[]): DeviceSource {
  const handles: DeviceHandle[] = opens.map((open, index) => ({
    id: `fake:${index}`,
    description: `fake ${index}`,
    open,
  }))
  return { kind: 'memory', pollIntervalMs: 20, list: async () => handles }
}

/** Resolves after ms milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
