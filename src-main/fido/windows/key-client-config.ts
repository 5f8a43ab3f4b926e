/**
 * The `fido.transport` configuration value to a KeyClient: "windows" → webauthn.dll
 * (windows-client.ts), "hid" / "udp" → the CTAPHID client over that device source, and "auto"
 * (the default) → "windows" on Windows, where a standard user cannot open FIDO keys over raw HID
 * since Windows 10 1903, and "hid" elsewhere.
 */
import { createKeyClient } from '../client/client'
import type { KeyClient } from '../client/client'
import { createDeviceSourceFromConfig } from '../transport/device-source-config'
import type { Logger } from '../../log'
import { createWindowsKeyClient } from './windows-client'
import type { WindowHandle } from './windows-client'

export type KeyTransport = 'auto' | 'hid' | 'windows' | 'udp'

export function resolveKeyTransport(
  transport: KeyTransport | undefined,
  platform: NodeJS.Platform = process.platform,
): 'hid' | 'windows' | 'udp' {
  if (transport === undefined || transport === 'auto') {
    return platform === 'win32' ? 'windows' : 'hid'
  }
  return transport
}

export interface KeyClientConfig {
  transport?: KeyTransport
  udp?: string
  udpLocalPort?: number
  /** main's origin, for clientDataJSON. */
  origin: string
  /** A file for the traffic trace of HID/UDP keys (see transport/trace.ts). */
  trace?: string
}

export function createKeyClientFromConfig(
  config: KeyClientConfig,
  options: {
    platform?: NodeJS.Platform
    /** The kiosk window, whose HWND the Windows dialogs belong to. */
    windowHandle?: () => WindowHandle
    /** webauthn.dll, unless given (tests load the stand-in). */
    libraryPath?: string
    log?: Logger
  } = {},
): KeyClient & { close(): Promise<void> } {
  const platform = options.platform ?? process.platform
  const transport = resolveKeyTransport(config.transport, platform)
  if (transport === 'windows') {
    if (platform !== 'win32' && options.libraryPath === undefined) {
      throw new Error(
        `"fido.transport": "windows" needs Windows (this is ${platform}); use "auto" or "hid"`,
      )
    }
    return createWindowsKeyClient({
      origin: config.origin,
      ...(options.windowHandle ? { windowHandle: options.windowHandle } : {}),
      ...(options.libraryPath !== undefined ? { libraryPath: options.libraryPath } : {}),
      ...(options.log ? { log: options.log } : {}),
    })
  }
  return createKeyClient({
    origin: config.origin,
    transport: createDeviceSourceFromConfig(
      {
        transport,
        ...(config.udp !== undefined ? { udp: config.udp } : {}),
        ...(config.udpLocalPort !== undefined ? { udpLocalPort: config.udpLocalPort } : {}),
        ...(config.trace !== undefined ? { trace: config.trace } : {}),
      },
      {
        onTrace: (path) =>
          options.log?.warn(
            'FIDO traffic trace on: every report to and from security keys is written',
            {
              path,
            },
          ),
      },
    ),
  })
}
