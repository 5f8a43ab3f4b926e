/**
 * The security-key client: what the engine calls. It finds the key (select-device.ts), builds
 * clientDataJSON with main's origin (never the renderer's), runs CTAP2 (with a PIN/UV auth
 * token when user verification is wanted) or, for U2F-only keys, CTAP1, and returns the WebAuthn
 * JSON that @simplewebauthn/server verifies. Errors leave as FidoError with a closed code set.
 * The connection to the key is kept between operations (connection-cache.ts).
 *
 * KeyClient is also the seam for Windows, where webauthn.dll owns FIDO devices: a second
 * implementation of KeyClient over the platform API plugs in here, and the engine, the store and
 * the screens do not change.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { fromBase64Url } from './bytes'
import { ClientPin, choosePinProtocol, supportsPermissions } from './client-pin'
import { toFidoError } from './client-errors'
import { ConnectionCache, DEFAULT_KEEP_CONNECTED_MS, isStaleFailure } from './connection-cache'
import type { KeyLease } from './connection-cache'
import { U2F_AUTH, untilTouched } from './ctap1'
import type { Ctap2CallOptions } from './ctap2'
import { COSE, PERMISSION, STATUS } from './ctap2-constants'
import type { DeviceSource } from './device-source'
import { CtapStatusError, FidoError } from './errors'
import { keyStatusOfKeepalive } from './select-device'
import type { ConnectedKey, KeyStatus } from './select-device'
import {
  buildClientDataJSON,
  sha256,
  toAuthenticationResponseJSON,
  toRegistrationResponseJSON,
  u2fRegistrationToAttestation,
  u2fSignatureToAuthData,
} from './webauthn-json'

export type { KeyStatus } from './select-device'
export type { FidoErrorCode } from './errors'
export { FidoError } from './errors'
export type { DeviceSource } from './device-source'

export interface MakeCredentialOptions {
  /** 32 bytes from the engine. */
  challenge: Uint8Array
  rp: { id: string; name: string }
  user: { id: Uint8Array; name: string; displayName: string }
  /** base64url credential ids the user already has. */
  excludeCredentialIDs: string[]
  /** A discoverable credential (for passwordless sign-in). */
  residentKey: boolean
  /** PIN required. */
  userVerification: boolean
  pin?: string
  /** Default 30000. */
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}

export interface GetAssertionOptions {
  challenge: Uint8Array
  rpId: string
  /** base64url; empty = discoverable credentials (passwordless). */
  allowCredentialIDs: string[]
  userVerification: boolean
  pin?: string
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}

export interface KeyClient {
  /** Registration: returns WebAuthn RegistrationResponseJSON. */
  makeCredential(options: MakeCredentialOptions): Promise<RegistrationResponseJSON>
  /** Sign-in: response.userHandle is set for discoverable credentials. */
  getAssertion(options: GetAssertionOptions): Promise<AuthenticationResponseJSON>
  /**
   * Releases what is kept between operations (the connection to the key): for the owner's
   * shutdown. The client stays usable; a later operation connects again.
   */
  close?(): Promise<void>
}

export interface KeyClientOptions {
  /** main's origin, for clientDataJSON (never the renderer's). */
  origin: string
  transport: DeviceSource
  /**
   * How long the connection to the key (its CTAPHID channel and getInfo answer) is kept after a
   * successful operation, for the next one (connection-cache.ts). 0 = a new connection for every
   * operation. Default 60 s.
   */
  keepConnectedMs?: number
}

export const DEFAULT_TIMEOUT_MS = 30_000
/** Commands that need no touch (getInfo, clientPIN, silent pre-flight) get at most this long. */
const SHORT_COMMAND_MS = 5_000
/** Algorithms offered, preferred first: ES256, EdDSA, RS256 (COSE ids). */
const ALGORITHMS = [COSE.ALG_ES256, -8, -257]

interface Operation {
  deadline: number
  signal?: AbortSignal
  onStatus: (status: KeyStatus) => void
}

function callOptions(operation: Operation, short: boolean): Ctap2CallOptions {
  const left = Math.max(0, operation.deadline - Date.now())
  return {
    timeoutMs: short ? Math.min(left, SHORT_COMMAND_MS) : left,
    ...(operation.signal ? { signal: operation.signal } : {}),
    onKeepalive: (status: number) => operation.onStatus(keyStatusOfKeepalive(status)),
  }
}

function startOperation(options: {
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}): Operation {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError('timeoutMs must be positive')
  let last: KeyStatus | undefined
  return {
    deadline: Date.now() + timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onStatus: (status: KeyStatus): void => {
      if (status === last) return
      last = status
      options.onStatus?.(status)
    },
  }
}

function decodeIds(ids: readonly string[], what: string): Uint8Array[] {
  return ids.map((id) => {
    try {
      return fromBase64Url(id)
    } catch {
      throw new TypeError(`${what}: "${id}" is not base64url`)
    }
  })
}

function checkChallenge(challenge: Uint8Array): void {
  if (!(challenge instanceof Uint8Array) || challenge.length < 16) {
    throw new TypeError('challenge must be at least 16 random bytes')
  }
}

type UserVerification =
  | { kind: 'none' }
  | { kind: 'builtin' }
  | { kind: 'pin'; pinUvAuthParam: Uint8Array; pinUvAuthProtocol: number }

/**
 * A pinUvAuthParam for this request (CTAP 2.1 §6.5.5.7): PIN → pinUvAuthToken (with
 * permissions on 2.1 keys, getPinToken on 2.0 keys) → authenticate(token, clientDataHash).
 */
async function verifyUser(
  key: ConnectedKey,
  request: {
    pin?: string | undefined
    permission: number
    rpId: string
    clientDataHash: Uint8Array
  },
  operation: Operation,
): Promise<UserVerification> {
  const ctap2 = key.ctap2
  if (!ctap2)
    throw new FidoError('FIDO_DEVICE_ERROR', 'this security key cannot verify the user (U2F only)')
  const { info, session } = ctap2
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
async function fitCredentialList(
  key: ConnectedKey,
  rpId: string,
  ids: Uint8Array[],
  operation: Operation,
): Promise<Uint8Array[]> {
  const ctap2 = key.ctap2
  if (!ctap2) return ids
  const maxLength = ctap2.info.maxCredentialIdLength
  const usable = maxLength === undefined ? ids : ids.filter((id) => id.length <= maxLength)
  const maxCount = Math.max(1, ctap2.info.maxCredentialCountInList ?? 1)
  if (usable.length <= maxCount) return usable
  const found: Uint8Array[] = []
  for (let start = 0; start < usable.length; start += maxCount) {
    const chunk = usable.slice(start, start + maxCount)
    try {
      const response = await ctap2.session.getAssertion(
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
      if (!(error instanceof CtapStatusError && error.status === STATUS.NO_CREDENTIALS)) throw error
    }
  }
  return found
}

/** A touch that leads nowhere, so that "excluded" and "no credentials" are not revealed silently (CTAP 2.1 §10.2). */
async function u2fDummyTouch(key: ConnectedKey, operation: Operation): Promise<void> {
  await untilTouched(
    (call) => key.ctap1.register(new Uint8Array(32), new Uint8Array(32).fill(0x41), call),
    {
      deadline: operation.deadline,
      ...(operation.signal ? { signal: operation.signal } : {}),
      onTouchNeeded: () => operation.onStatus('touch'),
    },
  )
}

function u2fPoll(operation: Operation): {
  deadline: number
  signal?: AbortSignal
  onTouchNeeded: () => void
} {
  return {
    deadline: operation.deadline,
    ...(operation.signal ? { signal: operation.signal } : {}),
    onTouchNeeded: () => operation.onStatus('touch'),
  }
}

async function makeCredentialWith(
  key: ConnectedKey,
  options: MakeCredentialOptions,
  clientDataJSON: Uint8Array,
  operation: Operation,
): Promise<RegistrationResponseJSON> {
  const clientDataHash = sha256(clientDataJSON)
  const excludeIds = decodeIds(options.excludeCredentialIDs, 'excludeCredentialIDs')
  const ctap2 = key.ctap2
  if (ctap2) {
    const { info, session } = ctap2
    if (options.residentKey && info.options['rk'] !== true) {
      throw new FidoError(
        'FIDO_DEVICE_ERROR',
        'this security key cannot store discoverable credentials',
      )
    }
    // CTAP 2.0 keys with a PIN want it for every registration; 2.1 keys with makeCredUvNotRqd
    // only for discoverable credentials (CTAP 2.1 §6.1.2 step 6).
    const pinNeeded =
      options.userVerification ||
      (info.options['clientPin'] === true &&
        (options.residentKey || info.options['makeCredUvNotRqd'] !== true))
    const uv = pinNeeded
      ? await verifyUser(
          key,
          {
            pin: options.pin,
            permission: PERMISSION.MAKE_CREDENTIAL,
            rpId: options.rp.id,
            clientDataHash,
          },
          operation,
        )
      : ({ kind: 'none' } as const)
    const excludeList = await fitCredentialList(key, options.rp.id, excludeIds, operation)
    const response = await session.makeCredential(
      {
        clientDataHash,
        rp: options.rp,
        user: options.user,
        algorithms: ALGORITHMS,
        excludeList: excludeList.map((id) => ({ id })),
        options: {
          ...(options.residentKey ? { rk: true } : {}),
          ...(uv.kind === 'builtin' ? { uv: true } : {}),
        },
        ...(uv.kind === 'pin'
          ? { pinUvAuthParam: uv.pinUvAuthParam, pinUvAuthProtocol: uv.pinUvAuthProtocol }
          : {}),
      },
      callOptions(operation, false),
    )
    return toRegistrationResponseJSON({ clientDataJSON, ...response })
  }
  // CTAP1/U2F (CTAP 2.1 §10.2.1).
  if (options.residentKey) {
    throw new FidoError('FIDO_DEVICE_ERROR', 'this U2F key cannot store discoverable credentials')
  }
  if (options.userVerification) {
    throw new FidoError('FIDO_DEVICE_ERROR', 'this U2F key cannot verify the user')
  }
  const application = sha256(new TextEncoder().encode(options.rp.id))
  for (const keyHandle of excludeIds.filter((id) => id.length <= 255)) {
    if (
      await key.ctap1.isKeyHandleKnown({ application, keyHandle }, callOptions(operation, true))
    ) {
      await u2fDummyTouch(key, operation)
      throw new FidoError('FIDO_CREDENTIAL_EXCLUDED', 'this security key is already registered')
    }
  }
  const registration = await untilTouched(
    (call) => key.ctap1.register(clientDataHash, application, call),
    u2fPoll(operation),
  )
  return toRegistrationResponseJSON({
    clientDataJSON,
    ...u2fRegistrationToAttestation({ registration, rpIdHash: application }),
  })
}

async function getAssertionWith(
  key: ConnectedKey,
  options: GetAssertionOptions,
  clientDataJSON: Uint8Array,
  operation: Operation,
): Promise<AuthenticationResponseJSON> {
  const clientDataHash = sha256(clientDataJSON)
  const allowIds = decodeIds(options.allowCredentialIDs, 'allowCredentialIDs')
  const ctap2 = key.ctap2
  if (ctap2) {
    const uv = options.userVerification
      ? await verifyUser(
          key,
          {
            pin: options.pin,
            permission: PERMISSION.GET_ASSERTION,
            rpId: options.rpId,
            clientDataHash,
          },
          operation,
        )
      : ({ kind: 'none' } as const)
    const allowList = await fitCredentialList(key, options.rpId, allowIds, operation)
    if (allowIds.length > 0 && allowList.length === 0) {
      throw new FidoError('FIDO_NO_CREDENTIALS', 'this security key holds none of the credentials')
    }
    const response = await ctap2.session.getAssertion(
      {
        rpId: options.rpId,
        clientDataHash,
        allowList: allowList.map((id) => ({ id })),
        ...(uv.kind === 'builtin' ? { options: { uv: true } } : {}),
        ...(uv.kind === 'pin'
          ? { pinUvAuthParam: uv.pinUvAuthParam, pinUvAuthProtocol: uv.pinUvAuthProtocol }
          : {}),
      },
      callOptions(operation, false),
    )
    // With several discoverable credentials the key answers the most recent first (§6.2.2);
    // the others would come from authenticatorGetNextAssertion.
    const credentialId =
      response.credentialId ?? (allowList.length === 1 ? allowList[0] : undefined)
    if (!credentialId) throw new FidoError('FIDO_DEVICE_ERROR', 'assertion without a credential id')
    return toAuthenticationResponseJSON({
      credentialId,
      clientDataJSON,
      authData: response.authData,
      signature: response.signature,
      ...(response.user ? { userHandle: response.user.id } : {}),
    })
  }
  // CTAP1/U2F (CTAP 2.1 §10.2.2).
  if (options.userVerification)
    throw new FidoError('FIDO_DEVICE_ERROR', 'this U2F key cannot verify the user')
  if (allowIds.length === 0) {
    throw new FidoError('FIDO_NO_CREDENTIALS', 'a U2F key holds no discoverable credentials')
  }
  const application = sha256(new TextEncoder().encode(options.rpId))
  for (const keyHandle of allowIds.filter((id) => id.length <= 255)) {
    if (
      !(await key.ctap1.isKeyHandleKnown({ application, keyHandle }, callOptions(operation, true)))
    )
      continue
    const signature = await untilTouched(
      (call) =>
        key.ctap1.authenticate(
          {
            challenge: clientDataHash,
            application,
            keyHandle,
            control: U2F_AUTH.ENFORCE_USER_PRESENCE_AND_SIGN,
          },
          call,
        ),
      u2fPoll(operation),
    )
    return toAuthenticationResponseJSON({
      credentialId: keyHandle,
      clientDataJSON,
      authData: u2fSignatureToAuthData({ signature, rpIdHash: application }),
      signature: signature.signature,
    })
  }
  await u2fDummyTouch(key, operation)
  throw new FidoError('FIDO_NO_CREDENTIALS', 'this security key holds none of the credentials')
}

export function createKeyClient(options: KeyClientOptions): KeyClient & {
  close(): Promise<void>
} {
  const { origin, transport } = options
  if (typeof origin !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+$/i.test(origin)) {
    throw new TypeError(`origin must be a scheme://host constant, got "${String(origin)}"`)
  }
  const keepConnectedMs = options.keepConnectedMs ?? DEFAULT_KEEP_CONNECTED_MS
  if (!Number.isFinite(keepConnectedMs) || keepConnectedMs < 0) {
    throw new RangeError('keepConnectedMs must be 0 or more')
  }
  const connections = new ConnectionCache(transport, keepConnectedMs)

  async function run<T>(
    common: { timeoutMs?: number; signal?: AbortSignal; onStatus?: (status: KeyStatus) => void },
    body: (key: ConnectedKey, operation: Operation) => Promise<T>,
  ): Promise<T> {
    const operation = startOperation(common)
    for (let attempt = 1; ; attempt++) {
      let lease: KeyLease | undefined
      try {
        lease = await connections.acquire({
          deadline: operation.deadline,
          ...(operation.signal ? { signal: operation.signal } : {}),
          onStatus: operation.onStatus,
        })
        const result = await body(lease.key, operation)
        await connections.release(lease)
        return result
      } catch (error) {
        if (lease) await connections.discard(lease)
        // A kept channel that turned out stale (the key was replugged, the UDP authenticator
        // restarted): connect again and retry once, within the same deadline.
        const retry =
          attempt === 1 &&
          lease !== undefined &&
          isStaleFailure(lease, error) &&
          operation.signal?.aborted !== true &&
          Date.now() < operation.deadline
        if (!retry) throw toFidoError(error)
      }
    }
  }

  return {
    async makeCredential(request: MakeCredentialOptions): Promise<RegistrationResponseJSON> {
      checkChallenge(request.challenge)
      decodeIds(request.excludeCredentialIDs, 'excludeCredentialIDs')
      const clientDataJSON = buildClientDataJSON({
        type: 'webauthn.create',
        challenge: request.challenge,
        origin,
      })
      return run(request, (key, operation) =>
        makeCredentialWith(key, request, clientDataJSON, operation),
      )
    },
    async getAssertion(request: GetAssertionOptions): Promise<AuthenticationResponseJSON> {
      checkChallenge(request.challenge)
      decodeIds(request.allowCredentialIDs, 'allowCredentialIDs')
      const clientDataJSON = buildClientDataJSON({
        type: 'webauthn.get',
        challenge: request.challenge,
        origin,
      })
      return run(request, (key, operation) =>
        getAssertionWith(key, request, clientDataJSON, operation),
      )
    },
    close: () => connections.close(),
  }
}
