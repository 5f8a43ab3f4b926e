/**
 * USB HID back end through node-hid: FIDO devices are those with usage page 0xF1D0, usage 0x01
 * (CTAP 2.1 §11.2.8, HID device implementation). Hot-plug is noticed by polling the device list.
 * node-hid is loaded on first use so the rest of the stack works where it is not built.
 */
import type { DeviceHandle, DeviceSource } from './device-source'
import { CtapHidError } from './errors'
import { HID_REPORT_SIZE } from './hid-transport'
import type { HidTransport } from './hid-transport'
import type * as NodeHidModule from 'node-hid'

export const FIDO_USAGE_PAGE = 0xf1d0
export const FIDO_USAGE_CTAPHID = 0x01

type NodeHid = typeof NodeHidModule

let nodeHid: Promise<NodeHid> | undefined

function loadNodeHid(): Promise<NodeHid> {
  nodeHid ??= import('node-hid')
  return nodeHid
}

export interface HidDeviceInfo {
  path?: string | undefined
  usagePage?: number | undefined
  usage?: number | undefined
  product?: string | undefined
  vendorId: number
  productId: number
}

/** Keeps the FIDO interfaces of a device list (pure, tested without hardware). */
export function filterFidoDevices<T extends HidDeviceInfo>(
  devices: readonly T[],
): (T & { path: string })[] {
  return devices.filter(
    (device): device is T & { path: string } =>
      device.usagePage === FIDO_USAGE_PAGE &&
      (device.usage === undefined || device.usage === FIDO_USAGE_CTAPHID) &&
      typeof device.path === 'string' &&
      device.path.length > 0,
  )
}

async function openHidTransport(path: string): Promise<HidTransport> {
  const { HIDAsync } = await loadNodeHid()
  let device: Awaited<ReturnType<typeof HIDAsync.open>>
  try {
    device = await HIDAsync.open(path)
  } catch (error) {
    throw new CtapHidError('disconnected', `cannot open HID device: ${(error as Error).message}`, {
      cause: error,
    })
  }
  let closed = false
  return {
    async write(report: Uint8Array): Promise<void> {
      if (report.length !== HID_REPORT_SIZE) throw new Error('HID output reports are 64 bytes')
      try {
        // Report id 0 first: FIDO devices use unnumbered reports (hidapi convention).
        await device.write(Buffer.concat([Buffer.of(0), report]))
      } catch (error) {
        throw new CtapHidError('disconnected', `HID write failed: ${(error as Error).message}`, {
          cause: error,
        })
      }
    },
    async read(timeoutMs: number): Promise<Uint8Array | undefined> {
      try {
        const data = await device.read(Math.max(1, Math.floor(timeoutMs)))
        if (!data || data.length === 0) return undefined
        return new Uint8Array(data)
      } catch (error) {
        throw new CtapHidError('disconnected', `HID read failed: ${(error as Error).message}`, {
          cause: error,
        })
      }
    },
    async close(): Promise<void> {
      if (closed) return
      closed = true
      await device.close().catch(() => undefined)
    },
  }
}

export function createHidDeviceSource(options: { pollIntervalMs?: number } = {}): DeviceSource {
  return {
    kind: 'hid',
    pollIntervalMs: options.pollIntervalMs ?? 500,
    async list(): Promise<DeviceHandle[]> {
      const { devicesAsync } = await loadNodeHid()
      let devices: HidDeviceInfo[]
      try {
        devices = await devicesAsync()
      } catch {
        return []
      }
      return filterFidoDevices(devices).map((device) => ({
        id: device.path,
        description: `${device.product ?? 'FIDO key'} (${device.vendorId.toString(16)}:${device.productId.toString(16)})`,
        open: () => openHidTransport(device.path),
      }))
    },
  }
}
