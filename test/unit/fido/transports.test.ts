import { createSocket } from 'node:dgram'
import type { Socket } from 'node:dgram'
import { describe, expect, it } from 'vitest'
import { createDeviceSourceFromConfig } from '../../../src-main/fido/transport/device-source-config'
import {
  filterFidoDevices,
  FIDO_USAGE_PAGE,
} from '../../../src-main/fido/transport/hid-device-source'
import {
  createUdpDeviceSource,
  isLoopbackAddress,
  openUdpTransport,
  parseUdpAddress,
  UDP_AUTHENTICATOR_PORT,
  UDP_HOST_PORT,
} from '../../../src-main/fido/transport/udp-transport'

function bindPeer(): Promise<Socket> {
  const socket = createSocket('udp4')
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)))
}

describe('UDP transport (SoloKeys/CanoKey PC-build convention)', () => {
  it('uses 8111 for the authenticator and 7112 for the host', () => {
    expect(UDP_AUTHENTICATOR_PORT).toBe(8111)
    expect(UDP_HOST_PORT).toBe(7112)
  })

  it('accepts loopback IP addresses only', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true)
    expect(isLoopbackAddress('127.9.9.9')).toBe(true)
    expect(isLoopbackAddress('::1')).toBe(true)
    expect(isLoopbackAddress('192.168.1.10')).toBe(false)
    expect(isLoopbackAddress('localhost')).toBe(false)
    expect(isLoopbackAddress('0.0.0.0')).toBe(false)
    expect(() => createUdpDeviceSource({ host: '10.0.0.5', port: 8111 })).toThrow(RangeError)
    expect(() => parseUdpAddress('192.168.1.10:8111')).toThrow(/loopback/)
    expect(() => parseUdpAddress('127.0.0.1')).toThrow(RangeError)
    expect(() => parseUdpAddress('127.0.0.1:70000')).toThrow(RangeError)
    expect(parseUdpAddress('127.0.0.1:8111')).toEqual({ host: '127.0.0.1', port: 8111 })
    expect(parseUdpAddress('[::1]:8111')).toEqual({ host: '::1', port: 8111 })
  })

  it('refuses to open towards a non-loopback peer', async () => {
    await expect(openUdpTransport({ host: '8.8.8.8', port: 8111, localPort: 0 })).rejects.toThrow(
      RangeError,
    )
  })

  it("sends one report a datagram and keeps only the peer's datagrams", async () => {
    const peer = await bindPeer()
    const stranger = await bindPeer()
    const transport = await openUdpTransport({
      host: '127.0.0.1',
      port: peer.address().port,
      localPort: 0,
    })
    const received = new Promise<{ data: Buffer; port: number }>((resolve) =>
      peer.once('message', (data, remote) => resolve({ data, port: remote.port })),
    )
    const report = new Uint8Array(64).fill(0x5a)
    await transport.write(report)
    const { data, port } = await received
    expect(new Uint8Array(data)).toEqual(report)
    stranger.send(new Uint8Array(64).fill(1), port, '127.0.0.1')
    await new Promise((resolve) => setTimeout(resolve, 30))
    peer.send(new Uint8Array(64).fill(2), port, '127.0.0.1')
    expect(await transport.read(500)).toEqual(new Uint8Array(64).fill(2))
    expect(await transport.read(50)).toBeUndefined()
    await transport.close()
    await expect(transport.read(10)).rejects.toMatchObject({ failure: 'disconnected' })
    peer.close()
    stranger.close()
  })

  it('chooses the back end from the fido configuration', () => {
    expect(createDeviceSourceFromConfig({ transport: 'udp', udp: '127.0.0.1:9000' }).kind).toBe(
      'udp',
    )
    expect(createDeviceSourceFromConfig({ transport: 'udp' }).kind).toBe('udp')
    expect(createDeviceSourceFromConfig(undefined).kind).toBe('hid')
    expect(() =>
      createDeviceSourceFromConfig({ transport: 'udp', udp: '203.0.113.5:8111' }),
    ).toThrow(/loopback/)
  })
})

describe('HID enumeration', () => {
  it('keeps the interfaces on usage page 0xF1D0, usage 1', () => {
    const devices = [
      {
        path: '/dev/hidraw0',
        usagePage: FIDO_USAGE_PAGE,
        usage: 1,
        vendorId: 0x1050,
        productId: 0x0407,
      },
      { path: '/dev/hidraw1', usagePage: 0x01, usage: 6, vendorId: 0x1050, productId: 0x0407 },
      { path: '/dev/hidraw2', usagePage: FIDO_USAGE_PAGE, usage: 2, vendorId: 1, productId: 2 },
      { usagePage: FIDO_USAGE_PAGE, usage: 1, vendorId: 1, productId: 2 },
    ]
    expect(filterFidoDevices(devices).map((d) => d.path)).toEqual(['/dev/hidraw0'])
  })
})
