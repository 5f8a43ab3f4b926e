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
import { toBase64Url, utf8 } from '../../../src-main/fido/bytes'
import { createKeyClient, FidoError } from '../../../src-main/fido/client'
import type { KeyClient } from '../../../src-main/fido/client'
import { createUdpDeviceSource } from '../../../src-main/fido/udp-transport'
import { VirtualKey } from '../../../src-main/fido/virtual-key'
import type { VirtualKeyOptions } from '../../../src-main/fido/virtual-key'
import { startVirtualKeyUdpServer } from '../../../src-main/fido/virtual-key-udp'
import type { VirtualKeyUdpServer } from '../../../src-main/fido/virtual-key-udp'

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
): Promise<{ client: KeyClient; key: VirtualKey }> {
  const key = new VirtualKey(options)
  const server = await startVirtualKeyUdpServer({ key, port: 0 })
  servers.push(server)
  const transport = createUdpDeviceSource({ host: '127.0.0.1', port: server.port, localPort: 0 })
  return { client: createKeyClient({ origin: ORIGIN, transport }), key }
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

describe('npm run virtual-key', () => {
  it('listens, serves the client stack, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src-main/fido/virtual-key-cli.ts', '--port', '0', '--pin', '8642'],
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
