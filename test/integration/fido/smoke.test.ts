import { describe, expect, it } from 'vitest'
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server'
import { createKeyClient } from '../../../src-main/fido/client'
import { createMemoryDeviceSource } from '../../../src-main/fido/memory-device-source'
import { VirtualKey } from '../../../src-main/fido/virtual-key'
import { toBase64Url } from '../../../src-main/fido/bytes'

describe('smoke', () => {
  it('registers and signs in', async () => {
    const key = new VirtualKey({ pin: '1234' })
    const client = createKeyClient({ origin: 'app://guichet', transport: createMemoryDeviceSource({ keys: [key] }) })
    const challenge = new Uint8Array(32).fill(7)
    const reg = await client.makeCredential({
      challenge, rp: { id: 'guichet', name: 'Guichet' }, user: { id: new Uint8Array([1,2,3]), name: 'a@b.fr', displayName: 'A' },
      excludeCredentialIDs: [], residentKey: true, userVerification: true, pin: '1234',
    })
    const v = await verifyRegistrationResponse({ response: reg, expectedChallenge: toBase64Url(challenge), expectedOrigin: 'app://guichet', expectedRPID: 'guichet', requireUserVerification: true })
    expect(v.verified).toBe(true)
    const info = v.registrationInfo!
    const ch2 = new Uint8Array(32).fill(9)
    const asr = await client.getAssertion({ challenge: ch2, rpId: 'guichet', allowCredentialIDs: [], userVerification: true, pin: '1234' })
    const a = await verifyAuthenticationResponse({ response: asr, expectedChallenge: toBase64Url(ch2), expectedOrigin: 'app://guichet', expectedRPID: 'guichet', credential: info.credential, requireUserVerification: true })
    expect(a.verified).toBe(true)
    expect(asr.response.userHandle).toBe(toBase64Url(new Uint8Array([1,2,3])))
    const u2fKey = new VirtualKey({ u2fOnly: true })
    const c2 = createKeyClient({ origin: 'app://guichet', transport: createMemoryDeviceSource({ keys: [u2fKey] }) })
    const r2 = await c2.makeCredential({ challenge, rp: { id: 'guichet', name: 'Guichet' }, user: { id: new Uint8Array([1]), name: 'x', displayName: 'x' }, excludeCredentialIDs: [], residentKey: false, userVerification: false })
    const v2 = await verifyRegistrationResponse({ response: r2, expectedChallenge: toBase64Url(challenge), expectedOrigin: 'app://guichet', expectedRPID: 'guichet', requireUserVerification: false })
    expect(v2.verified).toBe(true)
    const a2r = await c2.getAssertion({ challenge: ch2, rpId: 'guichet', allowCredentialIDs: [r2.id], userVerification: false })
    const a2 = await verifyAuthenticationResponse({ response: a2r, expectedChallenge: toBase64Url(ch2), expectedOrigin: 'app://guichet', expectedRPID: 'guichet', credential: v2.registrationInfo!.credential, requireUserVerification: false })
    expect(a2.verified).toBe(true)
  })
})
