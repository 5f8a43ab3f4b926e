/**
 * Registration and sign-in end to end: the real client stack, the UDP transport, and the
 * virtual key running as a UDP peer (in process, and as `npm run virtual-key`'s program),
 * verified by @simplewebauthn/server.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import { toBase64Url, utf8 } from '../../../src-main/fido/protocol/bytes'
import { createKeyClient, FidoError } from '../../../src-main/fido/client/client'
import { CTAPHID, parseFrame } from '../../../src-main/fido/protocol/ctaphid-frames'
import type { KeyClient } from '../../../src-main/fido/client/client'
import { createUdpDeviceSource } from '../../../src-main/fido/transport/udp-transport'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import type { VirtualKeyOptions } from '../../../src-main/fido/virtual-key/key'
import { startVirtualKeyUdpServer } from '../../../src-main/fido/virtual-key/udp-server'
import type { VirtualKeyUdpServer } from '../../../src-main/fido/virtual-key/udp-server'

const ORIGIN = 'app://guichet'
const RP_ID = 'guichet'
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

const servers: VirtualKeyUdpServer[] = []
const children: ChildProcess[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

async function udpKey(
  options: VirtualKeyOptions = {},
): Promise<{ client: KeyClient; key: VirtualKey; server: VirtualKeyUdpServer }> {
  const key = new VirtualKey(options)
  const server = await startVirtualKeyUdpServer({ key, port: 0 })
  servers.push(server)
  const transport = createUdpDeviceSource({ host: '127.0.0.1', port: server.port, localPort: 0 })
  return { client: createKeyClient({ origin: ORIGIN, transport }), key, server }
}

/** Counts the CTAPHID_INIT requests the key receives, and the host ports they come from. */
function countInits(key: VirtualKey): { inits: number } {
  const counter = { inits: 0 }
  const receive = key.receive.bind(key)
  key.receive = (report, reply) => {
    const frame = parseFrame(report)
    if (frame.kind === 'init' && frame.cmd === CTAPHID.INIT) counter.inits += 1
    receive(report, reply)
  }
  return counter
}

async function registerAndSignIn(
  client: KeyClient,
  options: { residentKey: boolean; userVerification: boolean; pin?: string },
): Promise<{ userHandle: string | undefined; fmt: string }> {
  const challenge = new Uint8Array(32).fill(0x31)
  const registration = await client.makeCredential({
    challenge,
    rp: { id: RP_ID, name: 'Guichet' },
    user: { id: utf8('clerk-42'), name: 'dominique@example.fr', displayName: 'Dominique' },
    excludeCredentialIDs: [],
    residentKey: options.residentKey,
    userVerification: options.userVerification,
    ...(options.pin ? { pin: options.pin } : {}),
  })
  const registered = await verifyRegistrationResponse({
    response: registration,
    expectedChallenge: toBase64Url(challenge),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: options.userVerification,
  })
  expect(registered.verified).toBe(true)
  const info = registered.registrationInfo
  if (!info) throw new Error('no registration info')
  const signInChallenge = new Uint8Array(32).fill(0x32)
  const assertion = await client.getAssertion({
    challenge: signInChallenge,
    rpId: RP_ID,
    allowCredentialIDs: options.residentKey ? [] : [registration.id],
    userVerification: options.userVerification,
    ...(options.pin ? { pin: options.pin } : {}),
  })
  const authenticated = await verifyAuthenticationResponse({
    response: assertion,
    expectedChallenge: toBase64Url(signInChallenge),
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential: info.credential,
    requireUserVerification: options.userVerification,
  })
  expect(authenticated.verified).toBe(true)
  expect(assertion.id).toBe(registration.id)
  return { userHandle: assertion.response.userHandle, fmt: info.fmt }
}

describe('end to end over UDP against the virtual key', () => {
  it('second factor: a key after the password, user presence only', async () => {
    const { client } = await udpKey()
    const result = await registerAndSignIn(client, { residentKey: false, userVerification: false })
    expect(result.fmt).toBe('packed')
    expect(result.userHandle).toBeUndefined()
  })

  it('passwordless: a discoverable credential and the key PIN', async () => {
    const { client } = await udpKey({ pin: '135790' })
    const result = await registerAndSignIn(client, {
      residentKey: true,
      userVerification: true,
      pin: '135790',
    })
    expect(result.userHandle).toBe(toBase64Url(utf8('clerk-42')))
  })

  it('a U2F-only key (fido-u2f attestation)', async () => {
    const { client } = await udpKey({ u2fOnly: true })
    expect(
      (await registerAndSignIn(client, { residentKey: false, userVerification: false })).fmt,
    ).toBe('fido-u2f')
  })

  it('a wrong PIN over UDP says how many attempts are left', async () => {
    const { client } = await udpKey({ pin: '135790' })
    const attempt = client.makeCredential({
      challenge: new Uint8Array(32),
      rp: { id: RP_ID, name: 'Guichet' },
      user: { id: utf8('x'), name: 'x', displayName: 'x' },
      excludeCredentialIDs: [],
      residentKey: true,
      userVerification: true,
      pin: '000000',
    })
    await expect(attempt).rejects.toMatchObject({ code: 'FIDO_PIN_INVALID', attemptsLeft: 7 })
  })

  it('nobody listening on the port: FIDO_NO_DEVICE within the timeout', async () => {
    const transport = createUdpDeviceSource({ host: '127.0.0.1', port: 9, localPort: 0 })
    const client = createKeyClient({ origin: ORIGIN, transport })
    const started = Date.now()
    const attempt = client.getAssertion({
      challenge: new Uint8Array(32),
      rpId: RP_ID,
      allowCredentialIDs: [],
      userVerification: false,
      timeoutMs: 800,
    })
    await expect(attempt).rejects.toBeInstanceOf(FidoError)
    await expect(attempt).rejects.toMatchObject({ code: 'FIDO_NO_DEVICE' })
    expect(Date.now() - started).toBeLessThan(1500)
  })
})

describe('over UDP, the connection kept between operations', () => {
  it('one socket, one CTAPHID_INIT for several sign-ins', async () => {
    const { client, key } = await udpKey()
    const counter = countInits(key)
    await registerAndSignIn(client, { residentKey: false, userVerification: false })
    await registerAndSignIn(client, { residentKey: false, userVerification: false })
    expect(counter.inits).toBe(1)
    await client.close?.()
  })

  it('the authenticator restarted on the same port: the stale channel is noticed, the operation reconnects and succeeds', async () => {
    const { client, key, server } = await udpKey()
    const counter = countInits(key)
    await registerAndSignIn(client, { residentKey: false, userVerification: false })
    await server.close()
    key.powerCycle()
    servers.push(await startVirtualKeyUdpServer({ key, port: server.port }))
    await registerAndSignIn(client, { residentKey: false, userVerification: false })
    expect(counter.inits).toBe(2)
    await client.close?.()
  })

  it('the authenticator gone after an operation: a typed error at the deadline, then found again once back', async () => {
    const { client, key, server } = await udpKey()
    await registerAndSignIn(client, { residentKey: false, userVerification: false })
    await server.close()
    const started = Date.now()
    const attempt = client.getAssertion({
      challenge: new Uint8Array(32),
      rpId: RP_ID,
      allowCredentialIDs: [],
      userVerification: false,
      timeoutMs: 800,
    })
    // nothing answers on the kept channel: the key may as well be waiting for a touch
    await expect(attempt).rejects.toMatchObject({ code: 'FIDO_TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(1500)
    // the next operation connects again: nobody there
    await expect(
      client.getAssertion({
        challenge: new Uint8Array(32),
        rpId: RP_ID,
        allowCredentialIDs: [],
        userVerification: false,
        timeoutMs: 800,
      }),
    ).rejects.toMatchObject({ code: 'FIDO_NO_DEVICE' })
    key.powerCycle()
    servers.push(await startVirtualKeyUdpServer({ key, port: server.port }))
    await registerAndSignIn(client, { residentKey: false, userVerification: false })
    await client.close?.()
  })

  it('a kept socket does not keep the process alive', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/integration/fido/support/sign-in-and-exit.ts'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(child)
    let out = ''
    child.stdout?.on('data', (data: Buffer) => (out += data.toString()))
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
    // well before the client's 60 s keep time
    const timeout = new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), 20_000).unref(),
    )
    expect(await Promise.race([exit, timeout])).toBe(0)
    expect(out).toBe('done\n')
  })
})

describe('npm run virtual-key', () => {
  it('listens, serves the client stack, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src-main/fido/virtual-key/cli.ts', '--port', '0', '--pin', '8642'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(child)
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout ?? process.stdin })
      lines.once('line', resolve)
      child.once('exit', (code) => reject(new Error(`virtual key exited with ${code}`)))
    })
    const match = /^Guichet virtual key listening on udp:\/\/127\.0\.0\.1:(\d+)$/.exec(line)
    expect(match).not.toBeNull()
    const port = Number(match?.[1])
    const transport = createUdpDeviceSource({ host: '127.0.0.1', port, localPort: 0 })
    const client = createKeyClient({ origin: ORIGIN, transport })
    const result = await registerAndSignIn(client, {
      residentKey: true,
      userVerification: true,
      pin: '8642',
    })
    expect(result.userHandle).toBe(toBase64Url(utf8('clerk-42')))
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    )
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
