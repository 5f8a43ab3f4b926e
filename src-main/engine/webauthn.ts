/**
 * Verification of what a security key answered, with @simplewebauthn/server.
 * The key itself is driven by src-main/fido (or, on Windows, the platform API);
 * this part is shared by every back end.
 */

import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import type { KeyRecord } from '../store/types'

export interface RelyingParty {
  rpId: string
  origin: string
}

export interface VerifiedKey {
  credentialID: string
  publicKey: Uint8Array
  signCount: number
  aaguid: string
  fmt: string
}

export type AssertionCheck =
  | { ok: true; signCount: number; userVerified: boolean }
  | { ok: false; reason: 'counter' | 'invalid' }

export async function verifyNewKey(
  response: RegistrationResponseJSON,
  options: RelyingParty & { challenge: string; requireUserVerification: boolean },
): Promise<VerifiedKey | undefined> {
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: options.origin,
      expectedRPID: options.rpId,
      requireUserVerification: options.requireUserVerification,
    })
    if (!result.verified) return undefined
    const info = result.registrationInfo
    return {
      credentialID: info.credential.id,
      publicKey: info.credential.publicKey,
      signCount: info.credential.counter,
      aaguid: info.aaguid,
      fmt: info.fmt,
    }
  } catch {
    return undefined
  }
}

export async function verifyKeyAssertion(
  response: AuthenticationResponseJSON,
  key: KeyRecord,
  options: RelyingParty & { challenge: string; requireUserVerification: boolean },
): Promise<AssertionCheck> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: options.origin,
      expectedRPID: options.rpId,
      credential: {
        id: key.credentialID,
        publicKey: new Uint8Array(key.publicKey),
        counter: key.signCount,
      },
      requireUserVerification: options.requireUserVerification,
    })
    if (!result.verified) return { ok: false, reason: 'invalid' }
    return {
      ok: true,
      signCount: result.authenticationInfo.newCounter,
      userVerified: result.authenticationInfo.userVerified,
    }
  } catch (error) {
    return { ok: false, reason: /counter/i.test((error as Error).message) ? 'counter' : 'invalid' }
  }
}
