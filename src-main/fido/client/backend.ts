/**
 * The two ways of talking to a key behind one interface, as python-fido2's Fido2Client picks
 * `_Ctap2ClientBackend` or `_Ctap1ClientBackend`: chosen once per connected key (CTAP2 when the
 * key announced CBOR and answered getInfo, CTAP1/U2F otherwise), never per operation.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { Ctap2Backend } from './ctap2-backend'
import type { Operation } from './operation'
import type { ConnectedKey } from './select-device'
import { U2fBackend } from './u2f-backend'

/** makeCredential as the back ends receive it: ids decoded, client data built. */
export interface MakeCredentialRequest {
  clientDataJSON: Uint8Array
  rp: { id: string; name: string }
  user: { id: Uint8Array; name: string; displayName: string }
  excludeIds: Uint8Array[]
  residentKey: boolean
  userVerification: boolean
  pin?: string | undefined
}

/** getAssertion as the back ends receive it. */
export interface GetAssertionRequest {
  clientDataJSON: Uint8Array
  rpId: string
  allowIds: Uint8Array[]
  userVerification: boolean
  pin?: string | undefined
}

export interface KeyBackend {
  makeCredential(
    request: MakeCredentialRequest,
    operation: Operation,
  ): Promise<RegistrationResponseJSON>
  getAssertion(
    request: GetAssertionRequest,
    operation: Operation,
  ): Promise<AuthenticationResponseJSON>
  /**
   * Every discoverable credential the key holds for the RP, one assertion each over the same
   * client data (CTAP 2.1 §6.3 authenticatorGetNextAssertion), most recent first.
   */
  getAssertions(
    request: GetAssertionRequest,
    operation: Operation,
  ): Promise<AuthenticationResponseJSON[]>
}

const chosen = new WeakMap<ConnectedKey, KeyBackend>()

/** The key's back end, chosen on first use and kept with the connection. */
export function backendFor(key: ConnectedKey): KeyBackend {
  let backend = chosen.get(key)
  if (!backend) {
    backend = key.ctap2 ? new Ctap2Backend(key.ctap2) : new U2fBackend(key.ctap1)
    chosen.set(key, backend)
  }
  return backend
}
