/**
 * KeyClient over the Windows WebAuthn API (webauthn.dll), through koffi.
 *
 * Since Windows 10 1903 a process that is not elevated cannot open FIDO keys over raw HID: the
 * FIDO usage page belongs to webauthn.dll. On a Windows kiosk the key is therefore driven by the
 * system, which shows its own dialogs for the touch and the PIN; this client hands it the request
 * and turns its answer into the same WebAuthn JSON the HID client returns, so the engine checks
 * it the same way (attestation, AAGUID, counter, user verification).
 *
 * - The client data JSON is built here, with main's origin (webauthn-json.ts), and given to the
 *   DLL as WEBAUTHN_CLIENT_DATA: the key signs our origin and our challenge.
 * - Option structs are sent in the version that matches WebAuthNGetApiVersionNumber()
 *   (webauthn-h.ts): exclude/allow lists as WEBAUTHN_CREDENTIAL_LIST, credProtect for passkeys
 *   from API version 2, a cancellation GUID so that « Annuler » (the AbortSignal) ends the
 *   Windows dialog through WebAuthNCancelCurrentOperation.
 * - Only security keys are asked for (cross-platform attachment), with direct attestation, so
 *   the model rules (allowedAaguids) apply as with HID.
 * - The PIN is typed in the Windows dialog: `pin` in the options is not used here.
 * - Every input struct lives in memory allocated here (Arena) until the call returns; the
 *   DLL's answer is copied out and freed with its free function, exactly once.
 * - The blocking calls run on koffi's worker threads (`.async`); one operation at a time.
 */
import type { TypeObject } from 'koffi'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { fromBase64Url } from '../protocol/bytes'
import { asMap, decodeAuthenticatorCbor, getBytes, getText } from '../protocol/cbor'
import type { CborKey, CborValue } from '../protocol/cbor'
import type {
  GetAssertionOptions,
  KeyClient,
  KeyStatus,
  MakeCredentialOptions,
} from '../client/client'
import { DEFAULT_TIMEOUT_MS } from '../client/client'
import { COSE } from '../protocol/ctap2-constants'
import { FidoError } from '../client/errors'
import {
  buildClientDataJSON,
  toAuthenticationResponseJSON,
  toRegistrationResponseJSON,
} from '../client/webauthn-json'
import type { Logger } from '../../log'
import { fidoErrorOfHresult, HRESULT, hresultHex } from './hresult'
import type { WindowsOperation } from './hresult'
import {
  FUNCTIONS,
  GUID_SIZE,
  WEBAUTHN_ATTESTATION_CONVEYANCE_PREFERENCE_DIRECT,
  WEBAUTHN_AUTHENTICATOR_ATTACHMENT_CROSS_PLATFORM,
  WEBAUTHN_CLIENT_DATA_CURRENT_VERSION,
  WEBAUTHN_COSE_CREDENTIAL_PARAMETER_CURRENT_VERSION,
  WEBAUTHN_CREDENTIAL_EX_CURRENT_VERSION,
  WEBAUTHN_CREDENTIAL_TYPE_PUBLIC_KEY,
  WEBAUTHN_CTAP_TRANSPORT,
  WEBAUTHN_EXTENSIONS_IDENTIFIER_CRED_PROTECT,
  WEBAUTHN_HASH_ALGORITHM_SHA_256,
  WEBAUTHN_RP_ENTITY_INFORMATION_CURRENT_VERSION,
  WEBAUTHN_USER_ENTITY_INFORMATION_CURRENT_VERSION,
  WEBAUTHN_USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST,
  WEBAUTHN_USER_VERIFICATION_REQUIREMENT,
  structVersionsFor,
  webauthnTypes,
} from './webauthn-h'
import type { Koffi, WebAuthnTypes } from './webauthn-h'

type AuthenticatorTransportFuture = NonNullable<
  RegistrationResponseJSON['response']['transports']
>[number]

/** A native pointer as koffi 3 gives it (null or 0n for NULL). */
type Pointer = bigint | null

/** The kiosk window's HWND: BrowserWindow.getNativeWindowHandle() (a Buffer) or a number. */
export type WindowHandle = Uint8Array | bigint | null | undefined

export interface WindowsKeyClientOptions {
  /** main's origin, for clientDataJSON (never the renderer's). */
  origin: string
  /** The window the Windows dialogs belong to, asked for at each operation. */
  windowHandle?: () => WindowHandle
  /** Default "webauthn.dll" (found in System32); tests give the stand-in library. */
  libraryPath?: string
  log?: Logger
  /**
   * How long after the operation's own timeout (given to Windows as dwTimeoutMilliseconds) the
   * client cancels it itself, should Windows not have ended it. Default 2 s.
   */
  deadlineGraceMs?: number
}

/** How soon a cancel the DLL did not take (the operation was not started yet) is tried again. */
const CANCEL_RETRY_MS = 50

/** Algorithms offered, preferred first, as the HID client: ES256, EdDSA, RS256 (COSE ids). */
const ALGORITHMS = [COSE.ALG_ES256, -8, -257]

function isNull(pointer: unknown): boolean {
  return pointer === null || pointer === undefined || pointer === 0n || pointer === 0
}

/** Memory for one call's input structs: stable addresses, freed together after the call. */
class Arena {
  private readonly blocks: bigint[] = []
  private readonly k: Koffi

  constructor(k: Koffi) {
    this.k = k
  }

  private alloc(type: string | TypeObject, count: number): bigint {
    const pointer = this.k.alloc(type, Math.max(1, count)) as unknown as bigint
    this.blocks.push(pointer)
    return pointer
  }

  bytes(data: Uint8Array): bigint {
    const pointer = this.alloc('uint8_t', data.length)
    if (data.length > 0) this.k.encode(pointer, 'uint8_t', Array.from(data), data.length)
    return pointer
  }

  /** A NUL-terminated UTF-16 string (PCWSTR). */
  wstr(text: string): bigint {
    const units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i))
    units.push(0)
    const pointer = this.alloc('uint16_t', units.length)
    this.k.encode(pointer, 'uint16_t', units, units.length)
    return pointer
  }

  struct(type: TypeObject, value: Record<string, unknown>): bigint {
    const pointer = this.alloc(type, 1)
    this.k.encode(pointer, type, value)
    return pointer
  }

  structs(type: TypeObject, values: Record<string, unknown>[]): bigint {
    const pointer = this.alloc(type, values.length)
    if (values.length > 0) this.k.encode(pointer, type, values, values.length)
    return pointer
  }

  pointers(values: bigint[]): bigint {
    const pointer = this.alloc('void *', values.length)
    if (values.length > 0) this.k.encode(pointer, 'void *', values, values.length)
    return pointer
  }

  zeroed(size: number): bigint {
    return this.bytes(new Uint8Array(size))
  }

  free(): void {
    for (const pointer of this.blocks.splice(0)) this.k.free(pointer)
  }
}

function readBytes(k: Koffi, pointer: unknown, length: number): Uint8Array {
  if (length === 0 || isNull(pointer)) return new Uint8Array(0)
  return new Uint8Array(k.decode(pointer, 'uint8_t', length) as ArrayLike<number>)
}

function readWstr(k: Koffi, pointer: unknown): string | undefined {
  if (isNull(pointer)) return undefined
  return k.decode(pointer, 'char16_t', -1) as string
}

type Callback = (error: unknown, result: unknown) => void
interface AsyncFunction {
  (...args: unknown[]): unknown
  async: (...args: unknown[]) => void
}

interface WebAuthnLibrary {
  k: Koffi
  t: WebAuthnTypes
  apiVersion: number
  makeCredential: AsyncFunction
  getAssertion: AsyncFunction
  freeCredentialAttestation: AsyncFunction
  freeAssertion: AsyncFunction
  getCancellationId: AsyncFunction
  cancelCurrentOperation: AsyncFunction
  getErrorName: AsyncFunction
  unload(): void
}

let koffiModule: Promise<Koffi> | undefined

/** koffi on first use (its native part is an optional dependency per platform). */
function loadKoffi(): Promise<Koffi> {
  koffiModule ??= import('koffi').then(
    (module) => ((module as unknown as { default?: Koffi }).default ?? module) as Koffi,
  )
  return koffiModule
}

function loadLibrary(k: Koffi, path: string): WebAuthnLibrary {
  const lib = k.load(path)
  try {
    const bind = (signature: string): AsyncFunction => lib.func(signature) as AsyncFunction
    const getApiVersionNumber = bind(FUNCTIONS.getApiVersionNumber)
    const apiVersion = Number(getApiVersionNumber())
    return {
      k,
      t: webauthnTypes(k),
      apiVersion,
      makeCredential: bind(FUNCTIONS.makeCredential),
      getAssertion: bind(FUNCTIONS.getAssertion),
      freeCredentialAttestation: bind(FUNCTIONS.freeCredentialAttestation),
      freeAssertion: bind(FUNCTIONS.freeAssertion),
      getCancellationId: bind(FUNCTIONS.getCancellationId),
      cancelCurrentOperation: bind(FUNCTIONS.cancelCurrentOperation),
      getErrorName: bind(FUNCTIONS.getErrorName),
      unload: () => lib.unload(),
    }
  } catch (error) {
    lib.unload()
    throw error
  }
}

function callAsync(fn: AsyncFunction, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback: Callback = (error, result) => (error ? reject(error) : resolve(result))
    fn.async(...args, callback)
  })
}

function windowPointer(handle: WindowHandle): Pointer {
  if (handle === null || handle === undefined) return null
  if (typeof handle === 'bigint') return handle
  const view = new DataView(handle.buffer, handle.byteOffset, handle.byteLength)
  if (handle.byteLength >= 8) return view.getBigUint64(0, true)
  if (handle.byteLength >= 4) return BigInt(view.getUint32(0, true))
  throw new TypeError('the window handle must hold 4 or 8 bytes')
}

function checkChallenge(challenge: Uint8Array): void {
  if (!(challenge instanceof Uint8Array) || challenge.length < 16) {
    throw new TypeError('challenge must be at least 16 random bytes')
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

function transportsOf(used: number): AuthenticatorTransportFuture[] {
  const transports: AuthenticatorTransportFuture[] = []
  if (used & WEBAUTHN_CTAP_TRANSPORT.USB) transports.push('usb')
  if (used & WEBAUTHN_CTAP_TRANSPORT.NFC) transports.push('nfc')
  if (used & WEBAUTHN_CTAP_TRANSPORT.BLE) transports.push('ble')
  if (used & WEBAUTHN_CTAP_TRANSPORT.INTERNAL) transports.push('internal')
  return transports
}

/** WEBAUTHN_CREDENTIAL_LIST of public-key credentials (no transport restriction). */
function credentialList(t: WebAuthnTypes, arena: Arena, ids: Uint8Array[]): bigint {
  const type = arena.wstr(WEBAUTHN_CREDENTIAL_TYPE_PUBLIC_KEY)
  const entries = ids.map((id) =>
    arena.struct(t.CREDENTIAL_EX, {
      dwVersion: WEBAUTHN_CREDENTIAL_EX_CURRENT_VERSION,
      cbId: id.length,
      pbId: arena.bytes(id),
      pwszCredentialType: type,
      dwTransports: 0,
    }),
  )
  return arena.struct(t.CREDENTIAL_LIST, {
    cCredentials: entries.length,
    ppCredentials: entries.length > 0 ? arena.pointers(entries) : null,
  })
}

function clientData(t: WebAuthnTypes, arena: Arena, json: Uint8Array): bigint {
  return arena.struct(t.CLIENT_DATA, {
    dwVersion: WEBAUTHN_CLIENT_DATA_CURRENT_VERSION,
    cbClientDataJSON: json.length,
    pbClientDataJSON: arena.bytes(json),
    pwszHashAlgId: arena.wstr(WEBAUTHN_HASH_ALGORITHM_SHA_256),
  })
}

const NO_CREDENTIALS = { cCredentials: 0, pCredentials: null }
const NO_EXTENSIONS = { cExtensions: 0, pExtensions: null }

/** The attestation the DLL returned, copied out of its memory. */
function readAttestation(
  lib: WebAuthnLibrary,
  pointer: unknown,
): {
  fmt: string
  authData: Uint8Array
  attStmt: Map<CborKey, CborValue>
  transports: AuthenticatorTransportFuture[]
} {
  const { k, t } = lib
  const v1 = k.decode(pointer, t.CREDENTIAL_ATTESTATION_V1) as Record<string, unknown>
  const version = Number(v1['dwVersion'])
  const attestationObject = readBytes(
    k,
    v1['pbAttestationObject'],
    Number(v1['cbAttestationObject']),
  )
  if (attestationObject.length === 0) {
    throw new FidoError('FIDO_DEVICE_ERROR', 'webauthn.dll returned no attestation object')
  }
  // The attestation object (WebAuthn §6.5): { fmt, attStmt, authData }.
  const object = asMap(decodeAuthenticatorCbor(attestationObject), 'attestation object')
  const fmt = getText(object, 'fmt', 'attestation object')
  const authData = getBytes(object, 'authData', 'attestation object')
  const attStmt = asMap(object.get('attStmt'), 'attestation statement')
  let transports: AuthenticatorTransportFuture[] = ['usb']
  if (version >= 3) {
    const v3 = k.decode(pointer, t.CREDENTIAL_ATTESTATION_V3) as Record<string, unknown>
    const used = transportsOf(Number(v3['dwUsedTransport']))
    if (used.length > 0) transports = used
  }
  return { fmt, authData, attStmt, transports }
}

function readAssertion(
  lib: WebAuthnLibrary,
  pointer: unknown,
): {
  authData: Uint8Array
  signature: Uint8Array
  credentialId: Uint8Array
  userHandle: Uint8Array
} {
  const { k, t } = lib
  const value = k.decode(pointer, t.ASSERTION_V1) as Record<string, unknown>
  const credential = value['Credential'] as Record<string, unknown>
  return {
    authData: readBytes(k, value['pbAuthenticatorData'], Number(value['cbAuthenticatorData'])),
    signature: readBytes(k, value['pbSignature'], Number(value['cbSignature'])),
    credentialId: readBytes(k, credential['pbId'], Number(credential['cbId'])),
    userHandle: readBytes(k, value['pbUserId'], Number(value['cbUserId'])),
  }
}

export function createWindowsKeyClient(options: WindowsKeyClientOptions): KeyClient & {
  close(): Promise<void>
  /** WebAuthNGetApiVersionNumber() of the loaded DLL (loads it). */
  apiVersion(): Promise<number>
} {
  const { origin } = options
  if (typeof origin !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+$/i.test(origin)) {
    throw new TypeError(`origin must be a scheme://host constant, got "${String(origin)}"`)
  }
  const libraryPath = options.libraryPath ?? 'webauthn.dll'
  const graceMs = options.deadlineGraceMs ?? 2_000
  let library: WebAuthnLibrary | undefined
  let queue: Promise<unknown> = Promise.resolve()

  async function open(): Promise<WebAuthnLibrary> {
    if (library) return library
    let loaded: WebAuthnLibrary
    try {
      loaded = loadLibrary(await loadKoffi(), libraryPath)
    } catch (error) {
      throw new FidoError('FIDO_DEVICE_ERROR', `${libraryPath} could not be loaded`, {
        cause: error,
      })
    }
    try {
      structVersionsFor(loaded.apiVersion)
    } catch (error) {
      loaded.unload()
      throw new FidoError('FIDO_DEVICE_ERROR', (error as Error).message, { cause: error })
    }
    library = loaded
    return loaded
  }

  function errorName(lib: WebAuthnLibrary, hr: number): string | undefined {
    try {
      return readWstr(lib.k, lib.getErrorName(hr))
    } catch {
      return undefined
    }
  }

  /**
   * One call into the DLL: a cancellation GUID, the « Suivez les instructions de Windows »
   * status, cancel on abort or at the deadline, the HRESULT mapped, the answer read and freed.
   */
  async function run<T>(
    operation: WindowsOperation,
    common: { timeoutMs?: number; signal?: AbortSignal; onStatus?: (status: KeyStatus) => void },
    build: (
      lib: WebAuthnLibrary,
      arena: Arena,
      cancellationId: Pointer,
      timeoutMs: number,
    ) => { fn: AsyncFunction; args: unknown[]; free: AsyncFunction },
    read: (lib: WebAuthnLibrary, answer: unknown) => T,
  ): Promise<T> {
    const timeoutMs = common.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new RangeError('timeoutMs must be positive')
    const previous = queue
    let done!: () => void
    queue = new Promise<void>((resolve) => (done = resolve))
    await previous
    let arena: Arena | undefined
    let cancelledBy: 'caller' | 'deadline' | undefined
    let timer: NodeJS.Timeout | undefined
    let retry: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    try {
      if (common.signal?.aborted) throw new FidoError('FIDO_CANCELLED', 'cancelled by the caller')
      const lib = await open()
      arena = new Arena(lib.k)
      const guid = arena.zeroed(GUID_SIZE)
      const guidResult = Number(lib.getCancellationId(guid))
      const cancellationId = guidResult === HRESULT.S_OK ? guid : null
      if (!cancellationId) {
        options.log?.warn(
          'webauthn.dll gave no cancellation id; « Annuler » cannot end its dialog',
          {
            hr: hresultHex(guidResult),
          },
        )
      }
      let running = true
      // Called while the DLL call is in flight; should the DLL not know the operation yet
      // (« Annuler » right as it starts), asked again until the call returns.
      const tryCancel = (): void => {
        if (!running || !cancellationId) return
        const hr = Number(lib.cancelCurrentOperation(cancellationId))
        if (hr === HRESULT.S_OK) return
        options.log?.warn('WebAuthNCancelCurrentOperation failed; trying again', {
          hr: hresultHex(hr),
          name: errorName(lib, hr),
        })
        retry = setTimeout(tryCancel, CANCEL_RETRY_MS)
      }
      const cancel = (by: 'caller' | 'deadline'): void => {
        if (cancelledBy) return
        cancelledBy = by
        tryCancel()
      }
      const call = build(lib, arena, cancellationId, timeoutMs)
      if (common.signal?.aborted) throw new FidoError('FIDO_CANCELLED', 'cancelled by the caller')
      onAbort = (): void => cancel('caller')
      common.signal?.addEventListener('abort', onAbort, { once: true })
      timer = setTimeout(() => cancel('deadline'), timeoutMs + graceMs)
      common.onStatus?.('platform')
      const out: unknown[] = [null]
      const hr = Number(
        await callAsync(call.fn, [...call.args, out]).finally(() => {
          running = false
        }),
      )
      const answer = out[0]
      try {
        if (hr !== HRESULT.S_OK) {
          const name = errorName(lib, hr)
          options.log?.warn('webauthn.dll refused the operation', {
            operation,
            hr: hresultHex(hr),
            name,
          })
          throw fidoErrorOfHresult({ hr, operation, errorName: name, cancelledBy })
        }
        if (isNull(answer)) {
          throw new FidoError('FIDO_DEVICE_ERROR', `webauthn.dll ${operation}: no answer`)
        }
        return read(lib, answer)
      } finally {
        if (!isNull(answer)) call.free(answer)
      }
    } catch (error) {
      if (error instanceof FidoError || error instanceof RangeError) throw error
      throw new FidoError('FIDO_DEVICE_ERROR', `webauthn.dll ${operation} failed`, {
        cause: error,
      })
    } finally {
      clearTimeout(timer)
      clearTimeout(retry)
      if (onAbort) common.signal?.removeEventListener('abort', onAbort)
      arena?.free()
      done()
    }
  }

  return {
    // Windows asks for the PIN in its own dialog.
    pinEntry: 'platform',

    async makeCredential(request: MakeCredentialOptions): Promise<RegistrationResponseJSON> {
      checkChallenge(request.challenge)
      const excludeIds = decodeIds(request.excludeCredentialIDs, 'excludeCredentialIDs')
      const clientDataJSON = buildClientDataJSON({
        type: 'webauthn.create',
        challenge: request.challenge,
        origin,
      })
      return run(
        'makeCredential',
        request,
        (lib, arena, cancellationId, timeoutMs) => {
          const versions = structVersionsFor(lib.apiVersion)
          const publicKey = arena.wstr(WEBAUTHN_CREDENTIAL_TYPE_PUBLIC_KEY)
          const rp = arena.struct(lib.t.RP_ENTITY_INFORMATION, {
            dwVersion: WEBAUTHN_RP_ENTITY_INFORMATION_CURRENT_VERSION,
            pwszId: arena.wstr(request.rp.id),
            pwszName: arena.wstr(request.rp.name),
            pwszIcon: null,
          })
          const user = arena.struct(lib.t.USER_ENTITY_INFORMATION, {
            dwVersion: WEBAUTHN_USER_ENTITY_INFORMATION_CURRENT_VERSION,
            cbId: request.user.id.length,
            pbId: arena.bytes(request.user.id),
            pwszName: arena.wstr(request.user.name),
            pwszIcon: null,
            pwszDisplayName: arena.wstr(request.user.displayName),
          })
          const parameters = arena.struct(lib.t.COSE_CREDENTIAL_PARAMETERS, {
            cCredentialParameters: ALGORITHMS.length,
            pCredentialParameters: arena.structs(
              lib.t.COSE_CREDENTIAL_PARAMETER,
              ALGORITHMS.map((alg) => ({
                dwVersion: WEBAUTHN_COSE_CREDENTIAL_PARAMETER_CURRENT_VERSION,
                pwszCredentialType: publicKey,
                lAlg: alg,
              })),
            ),
          })
          // Passkeys: credProtect "user verification optional with credential id list" (CTAP
          // 2.1 §12.1), so the key does not name its credentials to whoever touches it; not
          // required, so keys without the extension still register.
          const extensions =
            request.residentKey && versions.credProtect
              ? {
                  cExtensions: 1,
                  pExtensions: arena.structs(lib.t.EXTENSION, [
                    {
                      pwszExtensionIdentifier: arena.wstr(
                        WEBAUTHN_EXTENSIONS_IDENTIFIER_CRED_PROTECT,
                      ),
                      cbExtension: lib.k.sizeof(lib.t.CRED_PROTECT_EXTENSION_IN),
                      pvExtension: arena.struct(lib.t.CRED_PROTECT_EXTENSION_IN, {
                        dwCredProtect: WEBAUTHN_USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST,
                        bRequireCredProtect: 0,
                      }),
                    },
                  ]),
                }
              : NO_EXTENSIONS
          const makeOptions = arena.struct(lib.t.MAKE_CREDENTIAL_OPTIONS, {
            dwVersion: versions.makeCredentialOptions,
            dwTimeoutMilliseconds: timeoutMs,
            CredentialList: NO_CREDENTIALS,
            Extensions: extensions,
            dwAuthenticatorAttachment: WEBAUTHN_AUTHENTICATOR_ATTACHMENT_CROSS_PLATFORM,
            bRequireResidentKey: request.residentKey ? 1 : 0,
            dwUserVerificationRequirement: request.userVerification
              ? WEBAUTHN_USER_VERIFICATION_REQUIREMENT.REQUIRED
              : WEBAUTHN_USER_VERIFICATION_REQUIREMENT.DISCOURAGED,
            dwAttestationConveyancePreference: WEBAUTHN_ATTESTATION_CONVEYANCE_PREFERENCE_DIRECT,
            dwFlags: 0,
            pCancellationId: cancellationId,
            pExcludeCredentialList: credentialList(lib.t, arena, excludeIds),
            dwEnterpriseAttestation: 0,
            dwLargeBlobSupport: 0,
            bPreferResidentKey: 0,
            bBrowserInPrivateMode: 0,
          })
          return {
            fn: lib.makeCredential,
            args: [
              windowPointer(options.windowHandle?.()),
              rp,
              user,
              parameters,
              clientData(lib.t, arena, clientDataJSON),
              makeOptions,
            ],
            free: lib.freeCredentialAttestation,
          }
        },
        (lib, answer) => {
          const attestation = readAttestation(lib, answer)
          const json = toRegistrationResponseJSON({ clientDataJSON, ...attestation })
          return { ...json, response: { ...json.response, transports: attestation.transports } }
        },
      )
    },

    async getAssertion(request: GetAssertionOptions): Promise<AuthenticationResponseJSON> {
      checkChallenge(request.challenge)
      const allowIds = decodeIds(request.allowCredentialIDs, 'allowCredentialIDs')
      const clientDataJSON = buildClientDataJSON({
        type: 'webauthn.get',
        challenge: request.challenge,
        origin,
      })
      return run(
        'getAssertion',
        request,
        (lib, arena, cancellationId, timeoutMs) => {
          const versions = structVersionsFor(lib.apiVersion)
          const getOptions = arena.struct(lib.t.GET_ASSERTION_OPTIONS, {
            dwVersion: versions.getAssertionOptions,
            dwTimeoutMilliseconds: timeoutMs,
            CredentialList: NO_CREDENTIALS,
            Extensions: NO_EXTENSIONS,
            dwAuthenticatorAttachment: WEBAUTHN_AUTHENTICATOR_ATTACHMENT_CROSS_PLATFORM,
            dwUserVerificationRequirement: request.userVerification
              ? WEBAUTHN_USER_VERIFICATION_REQUIREMENT.REQUIRED
              : WEBAUTHN_USER_VERIFICATION_REQUIREMENT.DISCOURAGED,
            dwFlags: 0,
            pwszU2fAppId: null,
            pbU2fAppId: null,
            pCancellationId: cancellationId,
            // An empty list: discoverable credentials (passwordless).
            pAllowCredentialList: credentialList(lib.t, arena, allowIds),
            dwCredLargeBlobOperation: 0,
            cbCredLargeBlob: 0,
            pbCredLargeBlob: null,
            pHmacSecretSaltValues: null,
            bBrowserInPrivateMode: 0,
          })
          return {
            fn: lib.getAssertion,
            args: [
              windowPointer(options.windowHandle?.()),
              arena.wstr(request.rpId),
              clientData(lib.t, arena, clientDataJSON),
              getOptions,
            ],
            free: lib.freeAssertion,
          }
        },
        (lib, answer) => {
          const assertion = readAssertion(lib, answer)
          if (assertion.credentialId.length === 0) {
            throw new FidoError('FIDO_DEVICE_ERROR', 'assertion without a credential id')
          }
          return toAuthenticationResponseJSON({
            clientDataJSON,
            ...assertion,
            ...(assertion.userHandle.length > 0 ? { userHandle: assertion.userHandle } : {}),
          })
        },
      )
    },

    apiVersion: async () => (await open()).apiVersion,

    async close(): Promise<void> {
      await queue
      library?.unload()
      library = undefined
    },
  }
}
