/**
 * The CTAP1/U2F back end, for keys that speak only U2F (CTAP 2.1 §10.2): registration with
 * U2F_REGISTER, sign-in with U2F_AUTHENTICATE over the allowed key handles, and the dummy touch
 * that keeps "excluded" and "no credentials" from being revealed silently.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { U2F_AUTH, untilTouched } from '../protocol/ctap1'
import type { Ctap1 } from '../protocol/ctap1'
import type { GetAssertionRequest, KeyBackend, MakeCredentialRequest } from './backend'
import { FidoError } from './errors'
import { callOptions, touchPolling } from './operation'
import type { Operation } from './operation'
import {
  sha256,
  toAuthenticationResponseJSON,
  toRegistrationResponseJSON,
  u2fRegistrationToAttestation,
  u2fSignatureToAuthData,
} from './webauthn-json'

/** U2F key handles are at most 255 bytes (their length is one byte in U2F_AUTHENTICATE). */
const MAX_KEY_HANDLE = 255

export class U2fBackend implements KeyBackend {
  constructor(private readonly ctap1: Ctap1) {}

  /** CTAP 2.1 §10.2.1. */
  async makeCredential(
    request: MakeCredentialRequest,
    operation: Operation,
  ): Promise<RegistrationResponseJSON> {
    if (request.residentKey) {
      throw new FidoError('FIDO_DEVICE_ERROR', 'this U2F key cannot store discoverable credentials')
    }
    if (request.userVerification) {
      throw new FidoError('FIDO_DEVICE_ERROR', 'this U2F key cannot verify the user')
    }
    const clientDataHash = sha256(request.clientDataJSON)
    const application = sha256(new TextEncoder().encode(request.rp.id))
    for (const keyHandle of request.excludeIds.filter((id) => id.length <= MAX_KEY_HANDLE)) {
      if (
        await this.ctap1.isKeyHandleKnown({ application, keyHandle }, callOptions(operation, true))
      ) {
        await this.dummyTouch(operation)
        throw new FidoError('FIDO_CREDENTIAL_EXCLUDED', 'this security key is already registered')
      }
    }
    const registration = await untilTouched(
      (call) => this.ctap1.register(clientDataHash, application, call),
      touchPolling(operation),
    )
    return toRegistrationResponseJSON({
      clientDataJSON: request.clientDataJSON,
      ...u2fRegistrationToAttestation({ registration, rpIdHash: application }),
    })
  }

  /** CTAP 2.1 §10.2.2. */
  /** U2F keys hold no discoverable credential: the one assertion of the allow list. */
  async getAssertions(
    request: GetAssertionRequest,
    operation: Operation,
  ): Promise<AuthenticationResponseJSON[]> {
    return [await this.getAssertion(request, operation)]
  }

  async getAssertion(
    request: GetAssertionRequest,
    operation: Operation,
  ): Promise<AuthenticationResponseJSON> {
    if (request.userVerification)
      throw new FidoError('FIDO_DEVICE_ERROR', 'this U2F key cannot verify the user')
    if (request.allowIds.length === 0) {
      throw new FidoError('FIDO_NO_CREDENTIALS', 'a U2F key holds no discoverable credentials')
    }
    const clientDataHash = sha256(request.clientDataJSON)
    const application = sha256(new TextEncoder().encode(request.rpId))
    for (const keyHandle of request.allowIds.filter((id) => id.length <= MAX_KEY_HANDLE)) {
      const known = await this.ctap1.isKeyHandleKnown(
        { application, keyHandle },
        callOptions(operation, true),
      )
      if (!known) continue
      const signature = await untilTouched(
        (call) =>
          this.ctap1.authenticate(
            {
              challenge: clientDataHash,
              application,
              keyHandle,
              control: U2F_AUTH.ENFORCE_USER_PRESENCE_AND_SIGN,
            },
            call,
          ),
        touchPolling(operation),
      )
      return toAuthenticationResponseJSON({
        credentialId: keyHandle,
        clientDataJSON: request.clientDataJSON,
        authData: u2fSignatureToAuthData({ signature, rpIdHash: application }),
        signature: signature.signature,
      })
    }
    await this.dummyTouch(operation)
    throw new FidoError('FIDO_NO_CREDENTIALS', 'this security key holds none of the credentials')
  }

  /** A touch that leads nowhere, so that "excluded" and "no credentials" are not revealed silently (CTAP 2.1 §10.2). */
  private async dummyTouch(operation: Operation): Promise<void> {
    await untilTouched(
      (call) => this.ctap1.register(new Uint8Array(32), new Uint8Array(32).fill(0x41), call),
      touchPolling(operation),
    )
  }
}
