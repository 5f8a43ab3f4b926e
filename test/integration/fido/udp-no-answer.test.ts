/**
 * Issue 14 item 3: over UDP a request can be lost. A request that gets no answer at all is sent
 * again once on a new channel; a key that stays silent ends in FIDO_NO_RESPONSE (« ne répond
 * pas »), distinct from FIDO_TIMEOUT (« pas été touchée à temps »), which a key waiting for a touch
 * says by its KEEPALIVE(UPNEEDED) reports (CTAP 2.1 §11.2.9.1.7).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createKeyClient, createUdpDeviceSource } from '../../../src-main/fido'
import type { KeyClient } from '../../../src-main/fido'
import { CTAPHID, parseFrame } from '../../../src-main/fido/protocol/ctaphid-frames'
import { UDP_ANSWER_WITHIN_MS } from '../../../src-main/fido/transport/udp-transport'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import type { VirtualKeyOptions } from '../../../src-main/fido/virtual-key/key'
import { startVirtualKeyUdpServer } from '../../../src-main/fido/virtual-key/udp-server'
import type { VirtualKeyUdpServer } from '../../../src-main/fido/virtual-key/udp-server'

const ORIGIN = 'app://guichet'
const RP_ID = 'guichet'
const ANSWER_WITHIN_MS = 300
const servers: VirtualKeyUdpServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

interface Wire {
  inits: number
  /** Drops the CTAPHID_CBOR requests the predicate picks (the datagram is "lost"). */
  drop: (nth: number) => boolean
  cborRequests: number
}

async function udpKey(
  options: VirtualKeyOptions = {},
): Promise<{ client: KeyClient; key: VirtualKey; wire: Wire }> {
  const key = new VirtualKey(options)
  const wire: Wire = { inits: 0, drop: () => false, cborRequests: 0 }
  const receive = key.receive.bind(key)
  key.receive = (report, reply) => {
    const frame = parseFrame(report)
    if (frame.kind === 'init' && frame.cmd === CTAPHID.INIT) wire.inits += 1
    if (frame.kind === 'init' && frame.cmd === CTAPHID.CBOR) {
      wire.cborRequests += 1
      if (wire.drop(wire.cborRequests)) return
    }
    receive(report, reply)
  }
  const server = await startVirtualKeyUdpServer({ key, port: 0 })
  servers.push(server)
  const transport = createUdpDeviceSource({
    host: '127.0.0.1',
    port: server.port,
    localPort: 0,
    answerWithinMs: ANSWER_WITHIN_MS,
  })
  return { client: createKeyClient({ origin: ORIGIN, transport }), key, wire }
}

function register(client: KeyClient, timeoutMs = 5_000) {
  return client.makeCredential({
    challenge: new Uint8Array(32).fill(0x41),
    rp: { id: RP_ID, name: 'Guichet' },
    user: { id: Uint8Array.of(1), name: 'camille', displayName: 'Camille' },
    excludeCredentialIDs: [],
    residentKey: false,
    userVerification: false,
    timeoutMs,
  })
}

function signIn(client: KeyClient, id: string, timeoutMs = 5_000) {
  return client.getAssertion({
    challenge: new Uint8Array(32).fill(0x42),
    rpId: RP_ID,
    allowCredentialIDs: [id],
    userVerification: false,
    timeoutMs,
  })
}

describe('UDP: a request that gets no answer at all', () => {
  it('is sent again once on a new channel, and the sign-in succeeds', async () => {
    const { client, wire } = await udpKey()
    const registration = await register(client)
    const initsBefore = wire.inits
    const requestsBefore = wire.cborRequests
    // the sign-in's first CTAP2 request on the kept channel is lost
    wire.drop = (nth) => nth === requestsBefore + 1
    const assertion = await signIn(client, registration.id)
    expect(assertion.id).toBe(registration.id)
    expect(wire.inits).toBe(initsBefore + 1) // one new channel (CTAPHID_INIT), no more
    expect(wire.cborRequests).toBeGreaterThan(requestsBefore + 1)
  })

  it('from a key that stays silent ends in FIDO_NO_RESPONSE, after one retry, well before the deadline', async () => {
    const { client, wire } = await udpKey()
    const registration = await register(client)
    const requestsBefore = wire.cborRequests
    const initsBefore = wire.inits
    wire.drop = (nth) => nth > requestsBefore
    const started = Date.now()
    await expect(signIn(client, registration.id, 10_000)).rejects.toMatchObject({
      name: 'FidoError',
      code: 'FIDO_NO_RESPONSE',
    })
    expect(Date.now() - started).toBeLessThan(10_000 / 2)
    // sent, then re-sent once on one new channel: no third try
    expect(wire.cborRequests).toBe(requestsBefore + 2)
    expect(wire.inits).toBe(initsBefore + 1)
  })

  it('is not confused with a key waiting for a touch: that one ends in FIDO_TIMEOUT', async () => {
    const { client, key } = await udpKey({ userPresence: 'wait' })
    const started = Date.now()
    await expect(register(client, 4 * ANSWER_WITHIN_MS)).rejects.toMatchObject({
      code: 'FIDO_TIMEOUT',
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * ANSWER_WITHIN_MS - 50)
    key.setUserPresence('approve')
  })

  it('UDP transports have a silence limit well above the 100 ms KEEPALIVE period', () => {
    expect(UDP_ANSWER_WITHIN_MS).toBeGreaterThanOrEqual(1_000)
  })
})
