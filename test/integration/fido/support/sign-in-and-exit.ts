/**
 * A process that registers a key over UDP and then has nothing left to do: the client keeps its
 * connection (socket and idle timer) for a minute, which must not keep the process alive.
 * Prints "done" and is expected to exit by itself right after.
 */
import { utf8 } from '../../../../src-main/fido/protocol/bytes'
import { createKeyClient } from '../../../../src-main/fido/client/client'
import { createUdpDeviceSource } from '../../../../src-main/fido/transport/udp-transport'
import { VirtualKey } from '../../../../src-main/fido/virtual-key/key'
import { startVirtualKeyUdpServer } from '../../../../src-main/fido/virtual-key/udp-server'

const server = await startVirtualKeyUdpServer({ key: new VirtualKey(), port: 0 })
const client = createKeyClient({
  origin: 'app://guichet',
  transport: createUdpDeviceSource({ host: '127.0.0.1', port: server.port, localPort: 0 }),
})
await client.makeCredential({
  challenge: new Uint8Array(32).fill(1),
  rp: { id: 'guichet', name: 'Guichet' },
  user: { id: utf8('x'), name: 'x', displayName: 'x' },
  excludeCredentialIDs: [],
  residentKey: false,
  userVerification: false,
})
await server.close()
process.stdout.write('done\n')
