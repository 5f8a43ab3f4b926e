/**
 * Where security keys come from. A DeviceSource lists the keys present now (polled for
 * hot-plug) and opens a HidTransport to one; it knows nothing of CTAP. Back ends:
 * createHidDeviceSource (USB HID through node-hid), createUdpDeviceSource (authenticator
 * firmware's PC build, and `npm run virtual-key`), createMemoryDeviceSource (virtual keys in
 * the same process, for tests).
 *
 * Windows note: unelevated processes cannot open FIDO HID devices there; the platform's
 * webauthn.dll owns them. The seam for that is KeyClient (client/types.ts): a Windows back end
 * implements KeyClient over webauthn.dll and returns the same WebAuthn JSON, so verification,
 * storage and screens stay shared and only "talk to the key" has two implementations.
 */
import type { HidTransport } from './hid-transport'

export interface DeviceHandle {
  /** Stable for as long as the device stays plugged in (HID path, udp://host:port, memory:n). */
  readonly id: string
  /** For logs: product name or address. */
  readonly description: string
  open(): Promise<HidTransport>
}

export interface DeviceSource {
  readonly kind: 'hid' | 'udp' | 'memory'
  /** The devices present now. */
  list(): Promise<DeviceHandle[]>
  /** How often list() is polled while waiting for a key to be plugged in. */
  readonly pollIntervalMs: number
}
