/**
 * The virtual key as a UDP peer (the SoloKeys/CanoKey PC-build convention): one 64-byte HID
 * report per datagram, listening on 127.0.0.1:8111. Replies go to the address and port each
 * report came from (7112 by convention; any port for parallel tests).
 */
import { createSocket } from 'node:dgram'
import { isLoopbackAddress, UDP_AUTHENTICATOR_PORT } from '../transport/udp-transport'
import type { VirtualKey } from './key'

export interface VirtualKeyUdpServer {
  readonly host: string
  readonly port: number
  close(): Promise<void>
}

export function startVirtualKeyUdpServer(options: {
  key: VirtualKey
  host?: string
  /** Default 8111; 0 = an ephemeral port (tests). */
  port?: number
}): Promise<VirtualKeyUdpServer> {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopbackAddress(host))
    return Promise.reject(new RangeError(`the virtual key listens on loopback only, not "${host}"`))
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' })
  let closed = false
  socket.on('message', (message, remote) => {
    if (!isLoopbackAddress(remote.address)) return
    options.key.receive(new Uint8Array(message), (report) => {
      // The key may still answer (KEEPALIVE, a late response) after close(): on a closed
      // socket send() throws from the key's timer, which would take the process down.
      if (!closed) socket.send(report, remote.port, remote.address)
    })
  })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(
      { port: options.port ?? UDP_AUTHENTICATOR_PORT, address: host, exclusive: true },
      () => {
        socket.off('error', reject)
        socket.on('error', () => undefined)
        resolve({
          host,
          port: socket.address().port,
          close: () =>
            new Promise((done) => {
              if (closed) return done()
              closed = true
              socket.close(() => done())
            }),
        })
      },
    )
  })
}
