/**
 * The security-key client: what the engine calls. It finds the key (select-device.ts), builds
 * clientDataJSON with main's origin (never the renderer's), hands the operation to the key's back
 * end (backend.ts: CTAP2, or CTAP1 for U2F-only keys, chosen once per key) and returns the
 * WebAuthn JSON that @simplewebauthn/server verifies. Errors leave as FidoError with a closed
 * code set. The connection to the key is kept between operations (connection-cache.ts).
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { fromBase64Url } from '../protocol/bytes'
import { backendFor } from './backend'
import type { KeyBackend } from './backend'
import { ConnectionCache, DEFAULT_KEEP_CONNECTED_MS, isStaleFailure } from './connection-cache'
import type { KeyLease } from './connection-cache'
import { CtapHidError } from '../protocol/errors'
import { FidoError, toFidoError } from './errors'
import { startOperation } from './operation'
import type { Operation } from './operation'
import { changePin, pinInfoOf, setPin } from './pin-management'
import type { ConnectedKey } from './select-device'
import { buildClientDataJSON } from './webauthn-json'
import type {
  GetAssertionOptions,
  KeyClient,
  KeyClientOptions,
  KeyOperationOptions,
  KeyPinInfo,
  KeyStatus,
  MakeCredentialOptions,
} from './types'

export type {
  GetAssertionOptions,
  KeyClient,
  KeyClientOptions,
  KeyPinEntry,
  KeyOperationOptions,
  KeyPinInfo,
  KeyStatus,
  MakeCredentialOptions,
} from './types'
export type { FidoErrorCode } from './errors'
export { FidoError } from './errors'
export type { DeviceSource } from '../transport/device-source'
export { DEFAULT_TIMEOUT_MS } from './operation'

function decodeIds(ids: readonly string[], what: string): Uint8Array[] {
  return ids.map((id) => {
    try {
      return fromBase64Url(id)
    } catch {
      throw new TypeError(`${what}: "${id}" is not base64url`)
    }
  })
}

function isLostRequest(error: unknown): boolean {
  return error instanceof CtapHidError && error.failure === 'no-response'
}

/**
 * The retry after a lost request failed too. A key that said nothing, then could not be found
 * again, "does not answer" (unplug and replug it); it is not "no key", nor "not touched".
 */
function afterLostRequest(error: unknown): FidoError {
  const failure = toFidoError(error)
  if (failure.code !== 'FIDO_NO_DEVICE' && failure.code !== 'FIDO_NO_RESPONSE') return failure
  return new FidoError('FIDO_NO_RESPONSE', 'the security key does not answer', { cause: error })
}

function checkChallenge(challenge: Uint8Array): void {
  if (!(challenge instanceof Uint8Array) || challenge.length < 16) {
    throw new TypeError('challenge must be at least 16 random bytes')
  }
}

export function createKeyClient(options: KeyClientOptions): KeyClient & {
  getAssertions(options: GetAssertionOptions): Promise<AuthenticationResponseJSON[]>
  readPinInfo(options: KeyOperationOptions): Promise<KeyPinInfo>
  setPin(options: KeyOperationOptions & { pin: string }): Promise<void>
  changePin(options: KeyOperationOptions & { currentPin: string; newPin: string }): Promise<void>
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

  /**
   * One operation on the key. `reconnect`: the operation changed what the connection read at
   * connect time (getInfo's clientPin after setPIN), so it is not kept for the next one.
   */
  async function run<T>(
    common: { timeoutMs?: number; signal?: AbortSignal; onStatus?: (status: KeyStatus) => void },
    body: (backend: KeyBackend, operation: Operation, key: ConnectedKey) => Promise<T>,
    reconnect = false,
  ): Promise<T> {
    const operation = startOperation(common)
    let lost = false
    for (let attempt = 1; ; attempt++) {
      let lease: KeyLease | undefined
      try {
        lease = await connections.acquire({
          deadline: operation.deadline,
          ...(operation.signal ? { signal: operation.signal } : {}),
          onStatus: operation.onStatus,
          ...(lost ? { silenceIsFinal: true } : {}),
        })
        const result = await body(backendFor(lease.key), operation, lease.key)
        if (reconnect) await connections.discard(lease)
        else await connections.release(lease)
        return result
      } catch (error) {
        if (lease) await connections.discard(lease)
        // « Annuler » pressed while a request was under way: cancelled, whatever the key did
        if (operation.signal?.aborted === true)
          throw new FidoError('FIDO_CANCELLED', 'cancelled by the caller', { cause: error })
        if (lost) throw afterLostRequest(error)
        // A kept channel that turned out stale (the key was replugged, the UDP authenticator
        // restarted), or a request that got no answer at all on a lossy transport (a UDP
        // datagram lost): connect again on a new channel and retry once, within the same deadline.
        lost = lease !== undefined && isLostRequest(error)
        const retry =
          attempt === 1 &&
          lease !== undefined &&
          (lost || isStaleFailure(lease, error)) &&
          Date.now() < operation.deadline
        if (!retry) throw toFidoError(error)
      }
    }
  }

  async function assertions(
    request: GetAssertionOptions,
    all: boolean,
  ): Promise<AuthenticationResponseJSON[]> {
    checkChallenge(request.challenge)
    const allowIds = decodeIds(request.allowCredentialIDs, 'allowCredentialIDs')
    const clientDataJSON = buildClientDataJSON({
      type: 'webauthn.get',
      challenge: request.challenge,
      origin,
    })
    const assertion = {
      clientDataJSON,
      rpId: request.rpId,
      allowIds,
      userVerification: request.userVerification,
      pin: request.pin,
    }
    return run(request, async (backend, operation) =>
      all
        ? backend.getAssertions(assertion, operation)
        : [await backend.getAssertion(assertion, operation)],
    )
  }

  return {
    async makeCredential(request: MakeCredentialOptions): Promise<RegistrationResponseJSON> {
      checkChallenge(request.challenge)
      const excludeIds = decodeIds(request.excludeCredentialIDs, 'excludeCredentialIDs')
      const clientDataJSON = buildClientDataJSON({
        type: 'webauthn.create',
        challenge: request.challenge,
        origin,
      })
      return run(request, (backend, operation) =>
        backend.makeCredential(
          {
            clientDataJSON,
            rp: request.rp,
            user: request.user,
            excludeIds,
            residentKey: request.residentKey,
            userVerification: request.userVerification,
            pin: request.pin,
          },
          operation,
        ),
      )
    },
    async getAssertion(request: GetAssertionOptions): Promise<AuthenticationResponseJSON> {
      const [first] = await assertions(request, false)
      return first!
    },
    getAssertions: (request: GetAssertionOptions) => assertions(request, true),
    readPinInfo: (request: KeyOperationOptions) =>
      run(request, async (_backend, _operation, key) => pinInfoOf(key)),
    setPin: (request: KeyOperationOptions & { pin: string }) =>
      run(request, (_backend, operation, key) => setPin(key, request.pin, operation), true),
    changePin: (request: KeyOperationOptions & { currentPin: string; newPin: string }) =>
      run(
        request,
        (_backend, operation, key) => changePin(key, request.currentPin, request.newPin, operation),
        true,
      ),
    close: () => connections.close(),
  }
}
