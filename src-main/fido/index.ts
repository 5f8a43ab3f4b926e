/** The FIDO stack's public surface, for the engine and the shell. Nothing here imports 'electron'. */
export { createKeyClient, FidoError, DEFAULT_TIMEOUT_MS } from './client/client'
export type {
  FidoErrorCode,
  GetAssertionOptions,
  KeyClient,
  KeyClientOptions,
  KeyPinEntry,
  KeyOperationOptions,
  KeyPinInfo,
  KeyStatus,
  MakeCredentialOptions,
} from './client/client'
export { newPinProblem, MAX_PIN_BYTES } from './protocol/pin-protocol'
export type { DeviceHandle, DeviceSource } from './transport/device-source'
export { createDeviceSourceFromConfig } from './transport/device-source-config'
export type { FidoTransportConfig } from './transport/device-source-config'
export { createHidDeviceSource } from './transport/hid-device-source'
export { createUdpDeviceSource, parseUdpAddress } from './transport/udp-transport'
export { createMemoryDeviceSource } from './transport/memory-device-source'
export type { MemoryDeviceSource } from './transport/memory-device-source'
export { VirtualKey } from './virtual-key/key'
export type { UserPresence, VirtualKeyOptions } from './virtual-key/key'
export { startVirtualKeyUdpServer } from './virtual-key/udp-server'
export type { VirtualKeyUdpServer } from './virtual-key/udp-server'
export { createWindowsKeyClient } from './windows/windows-client'
export type { WindowHandle, WindowsKeyClientOptions } from './windows/windows-client'
export { createKeyClientFromConfig, resolveKeyTransport } from './windows/key-client-config'
export type { KeyClientConfig, KeyTransport } from './windows/key-client-config'
