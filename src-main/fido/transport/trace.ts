/**
 * An opt-in traffic trace, as python-fido2's TRAFFIC log level: every 64-byte report to and from
 * a key, written to a file in the fixture format the replay tests read
 * (test/fixtures/fido/traffic.ts): '#' comment lines, then one report a line, "> hex" host to
 * device, "< hex" device to host. A recording of a real key, moved to test/fixtures/fido/, becomes
 * a replay test.
 *
 * Switched on by `fido.trace` (a file path) in the configuration or by the environment variable
 * GUICHET_FIDO_TRACE=/path/file (which wins). Off by default: the file holds what keys said,
 * credential ids and the names of discoverable credentials among it (never a PIN: PINs cross the
 * wire encrypted, CTAP 2.1 §6.5.5), so it is created 0600 and appended to, never truncated.
 */
import { appendFileSync } from 'node:fs'
import type { DeviceHandle, DeviceSource } from './device-source'
import type { HidTransport } from './hid-transport'

export const FIDO_TRACE_ENV = 'GUICHET_FIDO_TRACE'

/** Where the trace goes. */
export interface TraceSink {
  /** A '#' comment line. */
  note(text: string): void
  /** One report: '>' host to device, '<' device to host. */
  report(direction: '>' | '<', report: Uint8Array): void
}

/** One fixture line for one report. */
export function traceLine(direction: '>' | '<', report: Uint8Array): string {
  return `${direction} ${Buffer.from(report.buffer, report.byteOffset, report.byteLength).toString('hex')}`
}

/**
 * A sink appending to `path` (created 0600). The header is written on the first line, so a
 * kiosk that never sees a key leaves no file.
 */
export function traceFile(path: string, now: () => Date = () => new Date()): TraceSink {
  let started = false
  const append = (lines: string[]): void => {
    if (!started) {
      started = true
      lines = [
        `# Guichet FIDO traffic trace, started ${now().toISOString()}`,
        '# > host to device, < device to host; one 64-byte HID report a line',
        ...lines,
      ]
    }
    appendFileSync(path, lines.map((line) => line + '\n').join(''), { mode: 0o600 })
  }
  return {
    note: (text) => append([`# ${text.replace(/[\r\n]+/g, ' ')}`]),
    report: (direction, report) => append([traceLine(direction, report)]),
  }
}

/** The transport, every report that crosses it written to `sink` (a failed write included). */
export function traceTransport(inner: HidTransport, sink: TraceSink): HidTransport {
  return {
    async write(report: Uint8Array): Promise<void> {
      sink.report('>', report)
      await inner.write(report)
    },
    async read(timeoutMs: number): Promise<Uint8Array | undefined> {
      const report = await inner.read(timeoutMs)
      if (report) sink.report('<', report)
      return report
    },
    close: () => inner.close(),
    ...(inner.answerWithinMs !== undefined ? { answerWithinMs: inner.answerWithinMs } : {}),
  }
}

/** The source, every transport it opens traced; each open is noted with the device. */
export function traceDeviceSource(inner: DeviceSource, sink: TraceSink): DeviceSource {
  return {
    kind: inner.kind,
    pollIntervalMs: inner.pollIntervalMs,
    async list(): Promise<DeviceHandle[]> {
      const handles = await inner.list()
      return handles.map((handle) => ({
        id: handle.id,
        description: handle.description,
        async open(): Promise<HidTransport> {
          const transport = await handle.open()
          sink.note(`open ${handle.description} (${handle.id})`)
          return traceTransport(transport, sink)
        },
      }))
    },
  }
}
