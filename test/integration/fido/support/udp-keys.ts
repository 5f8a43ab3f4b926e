/**
 * Several software keys at once, each on its own UDP port (as `npm run virtual-key -- --count N`),
 * seen by the client as one DeviceSource that lists them all: for « touchez la clé à utiliser »
 * among several keys, CTAP 2.1 and CTAP 2.0 ones mixed.
 */
import { createUdpDeviceSource } from '../../../../src-main/fido'
import type { DeviceHandle, DeviceSource } from '../../../../src-main/fido'
import { VirtualKey } from '../../../../src-main/fido/virtual-key/key'
import type { VirtualKeyOptions } from '../../../../src-main/fido/virtual-key/key'
import { startVirtualKeyUdpServer } from '../../../../src-main/fido/virtual-key/udp-server'
import type { VirtualKeyUdpServer } from '../../../../src-main/fido/virtual-key/udp-server'

export interface UdpKeys {
  keys: VirtualKey[]
  servers: VirtualKeyUdpServer[]
  /** Every key, one UDP device each. */
  source: DeviceSource
  close(): Promise<void>
}

export async function startUdpKeys(options: VirtualKeyOptions[]): Promise<UdpKeys> {
  const keys = options.map((each) => new VirtualKey(each))
  const servers = await Promise.all(keys.map((key) => startVirtualKeyUdpServer({ key, port: 0 })))
  const sources = servers.map((server) =>
    createUdpDeviceSource({ host: '127.0.0.1', port: server.port, localPort: 0 }),
  )
  const source: DeviceSource = {
    kind: 'udp',
    pollIntervalMs: 50,
    async list(): Promise<DeviceHandle[]> {
      return (await Promise.all(sources.map((each) => each.list()))).flat()
    },
  }
  return {
    keys,
    servers,
    source,
    close: async () => {
      await Promise.all(servers.map((server) => server.close()))
    },
  }
}
