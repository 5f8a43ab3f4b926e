/** The FIDO stack's public surface, for the engine and the shell. Nothing here imports 'electron'. */
export { createKeyClient, FidoError, DEFAULT_TIMEOUT_MS } from './client'
export type {
  FidoErrorCode,
  GetAssertionOptions,
  KeyClient,
  KeyClientOptions,
  KeyStatus,
  MakeCredentialOptions,
} from './client'
export type { DeviceHandle, DeviceSource } from './device-source'
export { createDeviceSourceFromConfig } from './device-source-config'
export type { FidoTransportConfig } from './device-source-config'
export { createHidDeviceSource } from './hid-device-source'
export { createUdpDeviceSource, parseUdpAddress } from './udp-transport'
export { createMemoryDeviceSource } from './memory-device-source'
export type { MemoryDeviceSource } from './memory-device-source'
export { VirtualKey } from './virtual-key'
export type { UserPresence, VirtualKeyOptions } from './virtual-key'
export { startVirtualKeyUdpServer } from './virtual-key-udp'
export type { VirtualKeyUdpServer } from './virtual-key-udp'
export { createWindowsKeyClient } from './windows/windows-client'
export type { WindowHandle, WindowsKeyClientOptions } from './windows/windows-client'
export { createKeyClientFromConfig, resolveKeyTransport } from './windows/key-client-config'
export type { KeyClientConfig, KeyTransport } from './windows/key-client-config'
