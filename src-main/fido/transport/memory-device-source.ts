/**
 * Devices in the same process (software keys), as a DeviceSource: plug and unplug them at will (hot-plug
 * and "device disappears mid-command" tests). Each open() is one HID handle on the key.
 */
import type { DeviceHandle, DeviceSource } from './device-source'
import { CtapHidError } from './errors'
import { HID_REPORT_SIZE } from './hid-transport'
import type { HidTransport } from './hid-transport'
import { ReportQueue } from './report-queue'

/**
 * A device living in the same process, fed 64-byte reports (the software key implements it):
 * the transport layer knows this shape, not the software key.
 */
export interface InProcessDevice {
  /** One output report from a host; the device's input reports for it go to `reply`. */
  receive(report: Uint8Array, reply: (report: Uint8Array) => void): void
  /** Unplugged: the device loses its volatile state. */
  powerCycle(): void
  /** Speaks CTAP1/U2F only (for the device description). */
  readonly u2fOnly?: boolean
}

export interface MemoryTransport extends HidTransport {
  /** The key was unplugged: reads and writes fail with CtapHidError('disconnected'). */
  disconnect(): void
}

/** A HID handle on a virtual key, without any I/O. */
export function createMemoryTransport(key: InProcessDevice): MemoryTransport {
  const queue = new ReportQueue()
  let closed = false
  const sink = (report: Uint8Array): void => {
    if (!closed) queue.push(report)
  }
  return {
    async write(report: Uint8Array): Promise<void> {
      if (queue.failed) throw queue.failed
      if (closed) throw new CtapHidError('disconnected', 'transport closed')
      if (report.length !== HID_REPORT_SIZE) throw new Error('HID output reports are 64 bytes')
      key.receive(report.slice(), sink)
    },
    read(timeoutMs: number): Promise<Uint8Array | undefined> {
      return queue.read(timeoutMs)
    },
    async close(): Promise<void> {
      closed = true
      queue.fail(new CtapHidError('disconnected', 'transport closed'))
    },
    disconnect(): void {
      queue.fail(new CtapHidError('disconnected', 'the security key was unplugged'))
    },
  }
}

export interface MemoryDeviceSource extends DeviceSource {
  plug(key: InProcessDevice): void
  /** Unplugs the key: its open transports fail and the key power-cycles. */
  unplug(key: InProcessDevice): void
}

export function createMemoryDeviceSource(
  options: { keys?: InProcessDevice[]; pollIntervalMs?: number } = {},
): MemoryDeviceSource {
  const plugged = new Map<InProcessDevice, { id: string; transports: Set<MemoryTransport> }>()
  let counter = 0
  const source: MemoryDeviceSource = {
    kind: 'memory',
    pollIntervalMs: options.pollIntervalMs ?? 50,
    async list(): Promise<DeviceHandle[]> {
      return [...plugged.entries()].map(([key, entry]) => ({
        id: entry.id,
        description: `virtual key ${entry.id}${key.u2fOnly ? ' (U2F only)' : ''}`,
        async open(): Promise<HidTransport> {
          if (plugged.get(key) !== entry)
            throw new CtapHidError('disconnected', 'the security key was unplugged')
          const transport = createMemoryTransport(key)
          entry.transports.add(transport)
          return transport
        },
      }))
    },
    plug(key: InProcessDevice): void {
      if (plugged.has(key)) return
      counter += 1
      plugged.set(key, { id: `memory:${counter}`, transports: new Set() })
    },
    unplug(key: InProcessDevice): void {
      const entry = plugged.get(key)
      if (!entry) return
      plugged.delete(key)
      for (const transport of entry.transports) transport.disconnect()
      key.powerCycle()
    },
  }
  for (const key of options.keys ?? []) source.plug(key)
  return source
}
