/**
 * The `fido` configuration value to a DeviceSource: { "transport": "hid" } or
 * { "transport": "udp", "udp": "127.0.0.1:8111" }, traced to a file when `trace` or the
 * GUICHET_FIDO_TRACE environment variable names one (trace.ts).
 */
import type { DeviceSource } from './device-source'
import { createHidDeviceSource } from './hid-device-source'
import { FIDO_TRACE_ENV, traceDeviceSource, traceFile } from './trace'
import { createUdpDeviceSource, parseUdpAddress, UDP_AUTHENTICATOR_PORT } from './udp-transport'

export interface FidoTransportConfig {
  transport?: 'hid' | 'udp'
  udp?: string
  /** The local UDP port replies come to (default 7112, the convention; 0 = any free port). */
  udpLocalPort?: number
  /** A file to append every report to and from the keys (trace.ts). Absent: no trace. */
  trace?: string
}

/** The trace file in force: the environment variable, else the configuration, else none. */
export function fidoTracePath(
  config: FidoTransportConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const fromEnv = env[FIDO_TRACE_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  return config?.trace
}

export function createDeviceSourceFromConfig(
  config: FidoTransportConfig | undefined,
  options: {
    env?: NodeJS.ProcessEnv
    /** Told once when a trace is on, so that IT sees it in the log. */
    onTrace?: (path: string) => void
  } = {},
): DeviceSource {
  const source = baseSource(config)
  const tracePath = fidoTracePath(config, options.env)
  if (tracePath === undefined) return source
  options.onTrace?.(tracePath)
  return traceDeviceSource(source, traceFile(tracePath))
}

function baseSource(config: FidoTransportConfig | undefined): DeviceSource {
  if (config?.transport === 'udp') {
    const address = config.udp
      ? parseUdpAddress(config.udp)
      : { host: '127.0.0.1', port: UDP_AUTHENTICATOR_PORT }
    return createUdpDeviceSource({ ...address, localPort: config.udpLocalPort })
  }
  return createHidDeviceSource()
}
