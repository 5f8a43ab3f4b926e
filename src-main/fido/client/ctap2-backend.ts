/**
 * The CTAP2 back end (CTAP 2.1 §6): makeCredential and getAssertion with a PIN/UV auth token when
 * user verification is wanted (permissions on 2.1 keys, getPinToken on 2.0 keys), and credential
 * lists fitted to the key's limits.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { ClientPin, choosePinProtocol, supportsPermissions } from '../protocol/client-pin'
import type { AuthenticatorInfo, Ctap2 } from '../protocol/ctap2'
import { parseAuthenticatorData } from '../protocol/authenticator-data'
import type { CborKey, CborValue } from '../protocol/cbor'
import { COSE, CRED_PROTECT, PERMISSION, STATUS } from '../protocol/ctap2-constants'
import { CtapStatusError } from '../protocol/errors'
import type { GetAssertionRequest, KeyBackend, MakeCredentialRequest } from './backend'
import { FidoError } from './errors'
import { callOptions } from './operation'
import type { Operation } from './operation'
import { sha256, toAuthenticationResponseJSON, toRegistrationResponseJSON } from './webauthn-json'

/** Algorithms offered, preferred first: ES256, EdDSA, RS256 (COSE ids). */
const ALGORITHMS = [COSE.ALG_ES256, -8, -257]

/**
 * The credProtect level of a passkey (CTAP 2.1 §12.1): userVerificationOptionalWithCredentialIDList.
 * Without user verification the key then reveals the passkey only to a platform that names it in
 * allowList: a lost key tells nobody who it belongs to without its PIN (discovery with an empty
 * allowList finds nothing), while the kiosk, which knows the credential id, still signs its clerk
 * in with a touch after the password (DESIGN.md: "user presence is enough after a correct
 * password"). Level 3 (userVerificationRequired) would hide the passkey from that touch too.
 * The Windows back end asks for the same level (windows-client.ts).
 */
export const PASSKEY_CRED_PROTECT = CRED_PROTECT.USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST

type UserVerification =
  | { kind: 'none' }
  | { kind: 'builtin' }
  | { kind: 'pin'; pinUvAuthParam: Uint8Array; pinUvAuthProtocol: number }

function uvParameters(uv: UserVerification): {
  pinUvAuthParam?: Uint8Array
  pinUvAuthProtocol?: number
} {
  return uv.kind === 'pin'
    ? { pinUvAuthParam: uv.pinUvAuthParam, pinUvAuthProtocol: uv.pinUvAuthProtocol }
    : {}
}

export class Ctap2Backend implements KeyBackend {
  private readonly session: Ctap2
  private readonly info: AuthenticatorInfo

  constructor(ctap2: { session: Ctap2; info: AuthenticatorInfo }) {
    this.session = ctap2.session
    this.info = ctap2.info
  }

  async makeCredential(
    request: MakeCredentialRequest,
    operation: Operation,
  ): Promise<RegistrationResponseJSON> {
    const { info } = this
    const clientDataHash = sha256(request.clientDataJSON)
    if (request.residentKey && info.options['rk'] !== true) {
      throw new FidoError(
        'FIDO_DEVICE_ERROR',
        'this security key cannot store discoverable credentials',
      )
    }
    // CTAP 2.0 keys with a PIN want it for every registration; 2.1 keys with makeCredUvNotRqd
    // only for discoverable credentials (CTAP 2.1 §6.1.2 step 6).
    const pinNeeded =
      request.userVerification ||
      (info.options['clientPin'] === true &&
        (request.residentKey || info.options['makeCredUvNotRqd'] !== true))
    const uv = pinNeeded
      ? await this.verifyUser(
          {
            pin: request.pin,
            permission: PERMISSION.MAKE_CREDENTIAL,
            rpId: request.rp.id,
            clientDataHash,
          },
          operation,
        )
      : ({ kind: 'none' } as const)
    const excludeList = await this.fitCredentialList(request.rp.id, request.excludeIds, operation)
    // A passkey is made with credProtect where the key lists the extension (§6.4 extensions).
    const credProtect = request.residentKey && info.extensions.includes('credProtect')
    const response = await this.session.makeCredential(
      {
        clientDataHash,
        rp: request.rp,
        user: request.user,
        algorithms: ALGORITHMS,
        excludeList: excludeList.map((id) => ({ id })),
        ...(credProtect
          ? {
              extensions: new Map<CborKey, CborValue>([['credProtect', PASSKEY_CRED_PROTECT]]),
            }
          : {}),
        options: {
          ...(request.residentKey ? { rk: true } : {}),
          ...(uv.kind === 'builtin' ? { uv: true } : {}),
        },
        ...uvParameters(uv),
      },
      callOptions(operation, false),
    )
    if (credProtect) {
      // The key's extension output says the level it applied (§12.1): a passkey left readable
      // to anyone holding the key is not registered.
      const applied = parseAuthenticatorData(response.authData).extensions?.get('credProtect')
      if (applied !== PASSKEY_CRED_PROTECT) {
        throw new FidoError(
          'FIDO_DEVICE_ERROR',
          `the security key did not protect the passkey (credProtect ${String(applied)})`,
        )
      }
    }
    return toRegistrationResponseJSON({ clientDataJSON: request.clientDataJSON, ...response })
  }

  async getAssertion(
    request: GetAssertionRequest,
    operation: Operation,
  ): Promise<AuthenticationResponseJSON> {
    const [first] = await this.assert(request, operation, false)
    return first!
  }

  async getAssertions(
    request: GetAssertionRequest,
    operation: Operation,
  ): Promise<AuthenticationResponseJSON[]> {
    return this.assert(request, operation, true)
  }

  /**
   * getAssertion (§6.2), and with `all` and an empty allow list, authenticatorGetNextAssertion
   * for each further credential the key reports in numberOfCredentials (§6.3): the key answers
   * the most recent first, which need not be one this kiosk knows.
   */
  private async assert(
    request: GetAssertionRequest,
    operation: Operation,
    all: boolean,
  ): Promise<AuthenticationResponseJSON[]> {
    const clientDataHash = sha256(request.clientDataJSON)
    const uv = request.userVerification
      ? await this.verifyUser(
          {
            pin: request.pin,
            permission: PERMISSION.GET_ASSERTION,
            rpId: request.rpId,
            clientDataHash,
          },
          operation,
        )
      : ({ kind: 'none' } as const)
    const allowList = await this.fitCredentialList(request.rpId, request.allowIds, operation)
    if (request.allowIds.length > 0 && allowList.length === 0) {
      throw new FidoError('FIDO_NO_CREDENTIALS', 'this security key holds none of the credentials')
    }
    const first = await this.session.getAssertion(
      {
        rpId: request.rpId,
        clientDataHash,
        allowList: allowList.map((id) => ({ id })),
        ...(uv.kind === 'builtin' ? { options: { uv: true } } : {}),
        ...uvParameters(uv),
      },
      callOptions(operation, false),
    )
    const responses = [first]
    const count = all && allowList.length === 0 ? (first.numberOfCredentials ?? 1) : 1
    for (let i = 1; i < count; i++) {
      responses.push(await this.session.getNextAssertion(callOptions(operation, true)))
    }
    return responses.map((response) => {
      const credentialId =
        response.credentialId ?? (allowList.length === 1 ? allowList[0] : undefined)
      if (!credentialId)
        throw new FidoError('FIDO_DEVICE_ERROR', 'assertion without a credential id')
      return toAuthenticationResponseJSON({
        credentialId,
        clientDataJSON: request.clientDataJSON,
        authData: response.authData,
        signature: response.signature,
        ...(response.user ? { userHandle: response.user.id } : {}),
      })
    })
  }

  /**
   * A pinUvAuthParam for this request (CTAP 2.1 §6.5.5.7): PIN → pinUvAuthToken (with
   * permissions on 2.1 keys, getPinToken on 2.0 keys) → authenticate(token, clientDataHash).
   */
  private async verifyUser(
    request: {
      pin?: string | undefined
      permission: number
      rpId: string
      clientDataHash: Uint8Array
    },
    operation: Operation,
  ): Promise<UserVerification> {
    const { info, session } = this
    if (info.options['clientPin'] !== true) {
      if (info.options['uv'] === true) return { kind: 'builtin' }
      throw new FidoError('FIDO_PIN_NOT_SET', 'the security key has no PIN')
    }
    if (request.pin === undefined || request.pin.length === 0) {
      throw new FidoError('FIDO_PIN_REQUIRED', 'the security key PIN is needed')
    }
    const clientPin = ClientPin.forVersion(session, choosePinProtocol(info))
    let token: Uint8Array
    try {
      token = supportsPermissions(info)
        ? await clientPin.getPinUvAuthTokenUsingPinWithPermissions(
            request.pin,
            { permissions: request.permission, rpId: request.rpId },
            callOptions(operation, true),
          )
        : await clientPin.getPinToken(request.pin, callOptions(operation, true))
    } catch (error) {
      if (error instanceof CtapStatusError && error.status === STATUS.PIN_INVALID) {
        const retries = await clientPin
          .getRetries(callOptions(operation, true))
          .catch(() => undefined)
        throw new FidoError('FIDO_PIN_INVALID', 'wrong security key PIN', {
          cause: error,
          ...(retries ? { attemptsLeft: retries.retries } : {}),
        })
      }
      throw error
    }
    return {
      kind: 'pin',
      pinUvAuthParam: clientPin.protocol.authenticate(token, request.clientDataHash),
      pinUvAuthProtocol: clientPin.protocol.version,
    }
  }

  /**
   * Fits a credential list to the key's limits (CTAP 2.1 §6.4 maxCredentialCountInList,
   * maxCredentialIdLength): ids too long are dropped; a list too long is narrowed by silent
   * getAssertion (up = false) pre-flights, one chunk at a time.
   */
  private async fitCredentialList(
    rpId: string,
    ids: Uint8Array[],
    operation: Operation,
  ): Promise<Uint8Array[]> {
    const maxLength = this.info.maxCredentialIdLength
    const usable = maxLength === undefined ? ids : ids.filter((id) => id.length <= maxLength)
    const maxCount = Math.max(1, this.info.maxCredentialCountInList ?? 1)
    if (usable.length <= maxCount) return usable
    const found: Uint8Array[] = []
    for (let start = 0; start < usable.length; start += maxCount) {
      const chunk = usable.slice(start, start + maxCount)
      try {
        const response = await this.session.getAssertion(
          {
            rpId,
            clientDataHash: new Uint8Array(32),
            allowList: chunk.map((id) => ({ id })),
            options: { up: false },
          },
          callOptions(operation, true),
        )
        found.push(response.credentialId ?? chunk[0] ?? new Uint8Array(0))
      } catch (error) {
        if (!(error instanceof CtapStatusError && error.status === STATUS.NO_CREDENTIALS))
          throw error
      }
    }
    return found
  }
}
