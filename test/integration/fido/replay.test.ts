/**
 * Recorded report traffic of the virtual key replayed through the real client stack, the host
 * nonce patched into the recorded INIT answer (libfido2 regress/ style). Every host report must
 * equal the recorded one byte for byte (INIT nonce excepted), and the outputs must verify.
 */
import { describe, expect, it } from 'vitest'
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import { toBase64Url } from '../../../src-main/fido/protocol/bytes'
import { createKeyClient } from '../../../src-main/fido/client/client'
import type { KeyStatus } from '../../../src-main/fido/client/client'
import { readFixture, replayTransport, singleDeviceSource } from '../../fixtures/fido/traffic'
import type { ReplayTransport } from '../../fixtures/fido/traffic'
import {
  AUTHENTICATION_CHALLENGE,
  FIXTURES,
  ORIGIN,
  REGISTRATION_CHALLENGE,
  RP,
  USER,
} from '../../fixtures/fido/scenarios'

function replayClient(fixture: string): {
  client: ReturnType<typeof createKeyClient>
  replay: ReplayTransport
} {
  const replay = replayTransport(readFixture(fixture))
  const client = createKeyClient({
    origin: ORIGIN,
    transport: singleDeviceSource(async () => replay),
  })
  return { client, replay }
}

function registrationOf(
  registration: RegistrationResponseJSON,
): ReturnType<typeof verifyRegistrationResponse> {
  return verifyRegistrationResponse({
    response: registration,
    expectedChallenge: toBase64Url(REGISTRATION_CHALLENGE),
    expectedOrigin: ORIGIN,
    expectedRPID: RP.id,
    requireUserVerification: false,
  })
}

describe.each([
  {
    name: 'CTAP2',
    register: FIXTURES.ctap2MakeCredential,
    authenticate: FIXTURES.ctap2GetAssertion,
    u2f: false,
  },
  {
    name: 'U2F-only',
    register: FIXTURES.u2fRegister,
    authenticate: FIXTURES.u2fAuthenticate,
    u2f: true,
  },
])('replay of $name traffic', ({ register, authenticate, u2f }) => {
  it('replays registration with the same request bytes and a verifiable result', async () => {
    const { client, replay } = replayClient(register)
    const statuses: KeyStatus[] = []
    const registration = await client.makeCredential({
      challenge: REGISTRATION_CHALLENGE,
      rp: RP,
      user: USER,
      excludeCredentialIDs: [],
      residentKey: !u2f,
      userVerification: false,
      onStatus: (status) => statuses.push(status),
    })
    expect(replay.mismatches).toEqual([])
    expect(replay.pendingDeviceReports()).toBe(0)
    // The recording has KEEPALIVE(UPNEEDED) (CTAP2) or SW_CONDITIONS_NOT_SATISFIED polls (U2F).
    expect(statuses).toContain('touch')
    const verification = await registrationOf(registration)
    expect(verification.verified).toBe(true)
    expect(verification.registrationInfo?.fmt).toBe(u2f ? 'fido-u2f' : 'packed')
  })

  it('replays authentication; the signature verifies with the replayed registration key', async () => {
    const first = replayClient(register)
    const registration = await first.client.makeCredential({
      challenge: REGISTRATION_CHALLENGE,
      rp: RP,
      user: USER,
      excludeCredentialIDs: [],
      residentKey: !u2f,
      userVerification: false,
    })
    const info = (await registrationOf(registration)).registrationInfo
    if (!info) throw new Error('registration did not verify')
    const { client, replay } = replayClient(authenticate)
    const assertion = await client.getAssertion({
      challenge: AUTHENTICATION_CHALLENGE,
      rpId: RP.id,
      allowCredentialIDs: [registration.id],
      userVerification: false,
    })
    expect(replay.mismatches).toEqual([])
    expect(assertion.id).toBe(registration.id)
    const verification = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: toBase64Url(AUTHENTICATION_CHALLENGE),
      expectedOrigin: ORIGIN,
      expectedRPID: RP.id,
      credential: info.credential,
      requireUserVerification: false,
    })
    expect(verification.verified).toBe(true)
    expect(verification.authenticationInfo.newCounter).toBeGreaterThan(info.credential.counter)
  })

  it('ends in FIDO_TIMEOUT, not a hang, when the host asks something else than recorded', async () => {
    const { client, replay } = replayClient(register)
    await expect(
      client.makeCredential({
        challenge: new Uint8Array(32).fill(0x99),
        rp: RP,
        user: USER,
        excludeCredentialIDs: [],
        residentKey: !u2f,
        userVerification: false,
        timeoutMs: 1500,
      }),
    ).rejects.toMatchObject({ name: 'FidoError', code: 'FIDO_TIMEOUT' })
    expect(replay.mismatches.length).toBeGreaterThan(0)
  })
})
