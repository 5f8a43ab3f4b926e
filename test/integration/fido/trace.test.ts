/**
 * The opt-in traffic trace (fido/transport/trace.ts): a session with the software key over UDP,
 * recorded through the configuration's device source, replays through the replay machinery of
 * replay.test.ts (test/fixtures/fido/traffic.ts) with the same request bytes and the same results.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import { parseConfig } from '../../../src-main/config'
import { createKeyClient } from '../../../src-main/fido'
import type { KeyClient } from '../../../src-main/fido'
import { toBase64Url } from '../../../src-main/fido/protocol/bytes'
import {
  createDeviceSourceFromConfig,
  fidoTracePath,
} from '../../../src-main/fido/transport/device-source-config'
import { FIDO_TRACE_ENV } from '../../../src-main/fido/transport/trace'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import { startVirtualKeyUdpServer } from '../../../src-main/fido/virtual-key/udp-server'
import type { VirtualKeyUdpServer } from '../../../src-main/fido/virtual-key/udp-server'
import { parseTraffic, replayTransport, singleDeviceSource } from '../../fixtures/fido/traffic'
import {
  AUTHENTICATION_CHALLENGE,
  ORIGIN,
  REGISTRATION_CHALLENGE,
  RP,
  USER,
} from '../../fixtures/fido/scenarios'

let dir: string
let server: VirtualKeyUdpServer | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'guichet-trace-'))
})
afterEach(async () => {
  await server?.close()
  server = undefined
  rmSync(dir, { recursive: true, force: true })
})

async function session(client: KeyClient) {
  const registration = await client.makeCredential({
    challenge: REGISTRATION_CHALLENGE,
    rp: RP,
    user: USER,
    excludeCredentialIDs: [],
    residentKey: true,
    userVerification: false,
  })
  const assertion = await client.getAssertion({
    challenge: AUTHENTICATION_CHALLENGE,
    rpId: RP.id,
    allowCredentialIDs: [registration.id],
    userVerification: false,
  })
  return { registration, assertion }
}

async function udpKeyPort(): Promise<number> {
  server = await startVirtualKeyUdpServer({
    key: new VirtualKey({ presenceDelayMs: 100 }),
    port: 0,
  })
  return server.port
}

describe('FIDO traffic trace (python-fido2 TRAFFIC level, replay fixture format)', () => {
  it('records a software-key session that replays byte for byte through the replay machinery', async () => {
    const file = join(dir, 'session.hex')
    const port = await udpKeyPort()
    const traced: string[] = []
    const recorder = createKeyClient({
      origin: ORIGIN,
      transport: createDeviceSourceFromConfig(
        { transport: 'udp', udp: `127.0.0.1:${port}`, udpLocalPort: 0 },
        { env: { [FIDO_TRACE_ENV]: file }, onTrace: (path) => traced.push(path) },
      ),
    })
    const recorded = await session(recorder)
    await recorder.close()
    expect(traced).toEqual([file])

    const text = readFileSync(file, 'utf8')
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^# Guichet FIDO traffic trace, started \d{4}-\d\d-\d\dT/)
    expect(lines.filter((line) => line.startsWith('# open '))).toHaveLength(1)
    for (const line of lines.filter((l) => !l.startsWith('#')))
      expect(line).toMatch(/^[<>] [0-9a-f]{128}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const records = parseTraffic(text)
    expect(records.filter((r) => r.direction === '>').length).toBeGreaterThan(4)
    expect(records.filter((r) => r.direction === '<').length).toBeGreaterThan(4)
    const replay = replayTransport(records)
    const replayer = createKeyClient({
      origin: ORIGIN,
      transport: singleDeviceSource(async () => replay),
    })
    const replayed = await session(replayer)
    await replayer.close()
    expect(replay.mismatches).toEqual([])
    expect(replay.pendingDeviceReports()).toBe(0)
    expect(replayed).toEqual(recorded)

    const registration = await verifyRegistrationResponse({
      response: replayed.registration,
      expectedChallenge: toBase64Url(REGISTRATION_CHALLENGE),
      expectedOrigin: ORIGIN,
      expectedRPID: RP.id,
      requireUserVerification: false,
    })
    expect(registration.verified).toBe(true)
    const credential = registration.registrationInfo?.credential
    if (!credential) throw new Error('registration did not verify')
    const authentication = await verifyAuthenticationResponse({
      response: replayed.assertion,
      expectedChallenge: toBase64Url(AUTHENTICATION_CHALLENGE),
      expectedOrigin: ORIGIN,
      expectedRPID: RP.id,
      credential,
      requireUserVerification: false,
    })
    expect(authentication.verified).toBe(true)
  })

  it('appends (a second session follows the first) and writes nothing until a key is opened', async () => {
    const file = join(dir, 'twice.hex')
    const port = await udpKeyPort()
    const config = {
      transport: 'udp' as const,
      udp: `127.0.0.1:${port}`,
      udpLocalPort: 0,
      trace: file,
    }
    const source = createDeviceSourceFromConfig(config, { env: {} })
    expect(existsSync(file)).toBe(false)
    const client = createKeyClient({ origin: ORIGIN, transport: source, keepConnectedMs: 0 })
    await session(client)
    const first = readFileSync(file, 'utf8')
    await session(client)
    const both = readFileSync(file, 'utf8')
    expect(both.startsWith(first)).toBe(true)
    expect(both.split('\n').filter((line) => line.startsWith('# open '))).toHaveLength(4)
  })

  it('is off unless configured; the environment variable wins over `fido.trace`', () => {
    expect(fidoTracePath({ transport: 'hid' }, {})).toBeUndefined()
    expect(fidoTracePath({ trace: '/var/log/a.hex' }, {})).toBe('/var/log/a.hex')
    expect(fidoTracePath({ trace: '/var/log/a.hex' }, { [FIDO_TRACE_ENV]: '/tmp/b.hex' })).toBe(
      '/tmp/b.hex',
    )
    expect(fidoTracePath(undefined, { [FIDO_TRACE_ENV]: '' })).toBeUndefined()
    expect(parseConfig({ dataDir: 'd' }).fido.trace).toBeUndefined()
    expect(parseConfig({ dataDir: 'd', fido: { trace: '/tmp/keys.hex' } }).fido.trace).toBe(
      '/tmp/keys.hex',
    )
    expect(() => parseConfig({ dataDir: 'd', fido: { trace: '' } })).toThrow()
  })
})
