/**
 * The UDP convention of open-source authenticator firmware's PC builds (SoloKeys, CanoKey):
 * each datagram is one 64-byte HID report, no report-id byte; the authenticator listens on
 * 127.0.0.1:8111 and answers to 127.0.0.1:7112. Loopback only.
 */
import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'
import { isIP } from 'node:net'
import type { DeviceHandle, DeviceSource } from './device-source'
import { CtapHidError } from './errors'
import type { HidTransport } from './hid-transport'
import { ReportQueue } from './report-queue'

export const UDP_AUTHENTICATOR_PORT = 8111
export const UDP_HOST_PORT = 7112

/**
 * A key that got a request answers within this long, at least with KEEPALIVE, which CTAP 2.1
 * §11.2.9.1.7 wants every 100 ms while it works or waits for a touch: ten times that and more,
 * and the datagram (or its answer) is taken as lost.
 */
export const UDP_ANSWER_WITHIN_MS = 1_500

export interface UdpAddress {
  host: string
  port: number
  /** The local port to bind (default 7112, the convention; 0 = ephemeral, for parallel tests). */
  localPort?: number
  /** Silence after a request that means it was lost (default UDP_ANSWER_WITHIN_MS). */
  answerWithinMs?: number
}

/** 127.0.0.0/8 or ::1, written as an IP address: no names, nothing off this machine. */
export function isLoopbackAddress(host: string): boolean {
  if (isIP(host) === 4) return host.split('.')[0] === '127'
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1'
  return false
}

function checkPort(port: number, what: string, allowZero: boolean): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new RangeError(`${what}: invalid UDP port ${port}`)
  }
}

/** Parses "127.0.0.1:8111" (the `fido.udp` configuration value). Refuses non-loopback hosts. */
export function parseUdpAddress(text: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim())
  if (!match?.[1] || !match[2])
    throw new RangeError(`invalid UDP address "${text}", expected host:port`)
  const host = match[1]
  const port = Number(match[2])
  checkPort(port, 'fido.udp', false)
  if (!isLoopbackAddress(host))
    throw new RangeError(`fido.udp must be a loopback address, not "${host}"`)
  return { host, port }
}

/** Opens a UDP "HID device": binds the local port on loopback, filters datagrams to the peer. */
export function openUdpTransport(address: UdpAddress): Promise<HidTransport> {
  if (!isLoopbackAddress(address.host)) {
    return Promise.reject(new RangeError(`UDP transport is loopback only, not "${address.host}"`))
  }
  checkPort(address.port, 'UDP peer', false)
  const localPort = address.localPort ?? UDP_HOST_PORT
  checkPort(localPort, 'UDP local', true)
  const family = isIP(address.host) === 6 ? 'udp6' : 'udp4'
  const socket: Socket = createSocket({ type: family })
  const queue = new ReportQueue()
  socket.on('message', (message, remote) => {
    if (remote.address !== address.host || remote.port !== address.port) return
    queue.push(new Uint8Array(message))
  })
  return new Promise((resolve, reject) => {
    const onBindError = (error: Error): void => {
      socket.close()
      reject(
        new CtapHidError('disconnected', `cannot bind UDP ${localPort}: ${error.message}`, {
          cause: error,
        }),
      )
    }
    socket.once('error', onBindError)
    socket.bind(
      { port: localPort, address: family === 'udp6' ? '::1' : '127.0.0.1', exclusive: true },
      () => {
        socket.off('error', onBindError)
        // The client keeps the transport open between operations (connection-cache.ts): an idle
        // socket must not keep the process alive. A pending read() holds a timer meanwhile.
        socket.unref()
        socket.on('error', (error) =>
          queue.fail(new CtapHidError('disconnected', error.message, { cause: error })),
        )
        let closed = false
        resolve({
          write(report: Uint8Array): Promise<void> {
            if (closed) return Promise.reject(new CtapHidError('disconnected', 'transport closed'))
            return new Promise((done, fail) => {
              socket.send(report, address.port, address.host, (error) => {
                if (error) fail(new CtapHidError('disconnected', error.message, { cause: error }))
                else done()
              })
            })
          },
          read(timeoutMs: number): Promise<Uint8Array | undefined> {
            return queue.read(timeoutMs)
          },
          answerWithinMs: address.answerWithinMs ?? UDP_ANSWER_WITHIN_MS,
          close(): Promise<void> {
            if (closed) return Promise.resolve()
            closed = true
            queue.fail(new CtapHidError('disconnected', 'transport closed'))
            return new Promise((done) => socket.close(() => done()))
          },
        })
      },
    )
  })
}

/**
 * A UDP authenticator as a DeviceSource. UDP cannot enumerate, so the one address is always
 * listed; whether something answers there is found out by CTAPHID_INIT (select-device.ts).
 */
export function createUdpDeviceSource(
  options: UdpAddress = { host: '127.0.0.1', port: UDP_AUTHENTICATOR_PORT },
): DeviceSource {
  if (!isLoopbackAddress(options.host)) {
    throw new RangeError(`UDP device source is loopback only, not "${options.host}"`)
  }
  checkPort(options.port, 'UDP peer', false)
  if (options.localPort !== undefined) checkPort(options.localPort, 'UDP local', true)
  const handle: DeviceHandle = {
    id: `udp://${options.host}:${options.port}`,
    description: `UDP authenticator at ${options.host}:${options.port}`,
    open: () => openUdpTransport(options),
  }
  return { kind: 'udp', pollIntervalMs: 250, list: async () => [handle] }
}
