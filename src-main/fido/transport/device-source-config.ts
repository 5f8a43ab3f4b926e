/** The `fido` configuration value to a DeviceSource: { "transport": "hid" } or { "transport": "udp", "udp": "127.0.0.1:8111" }. */
import type { DeviceSource } from './device-source'
import { createHidDeviceSource } from './hid-device-source'
import { createUdpDeviceSource, parseUdpAddress, UDP_AUTHENTICATOR_PORT } from './udp-transport'

export interface FidoTransportConfig {
  transport?: 'hid' | 'udp'
  udp?: string
  /** The local UDP port replies come to (default 7112, the convention; 0 = any free port). */
  udpLocalPort?: number
}

export function createDeviceSourceFromConfig(
  config: FidoTransportConfig | undefined,
): DeviceSource {
  if (config?.transport === 'udp') {
    const address = config.udp
      ? parseUdpAddress(config.udp)
      : { host: '127.0.0.1', port: UDP_AUTHENTICATOR_PORT }
    return createUdpDeviceSource({ ...address, localPort: config.udpLocalPort })
  }
  return createHidDeviceSource()
}
