/**
 * CTAP2 authenticator API over a CTAPHID channel (CTAP 2.1 §6): request encoding, response
 * parsing and status checking. Encoders are pure functions, so tests assert request bytes.
 */
import {
  asMap,
  decodeAuthenticatorCbor,
  encodeCbor,
  getBytes,
  getOptionalArray,
  getOptionalBool,
  getOptionalBytes,
  getOptionalInt,
  getOptionalMap,
  getOptionalText,
  getText,
  CborError,
} from './cbor'
import type { CborKey, CborValue } from './cbor'
import { concatBytes } from './bytes'
import { CTAPHID } from './ctaphid-frames'
import type { CtapHidConnection } from './ctaphid'
import {
  CP,
  CP_RESPONSE,
  CTAP2_CMD,
  GA,
  GA_RESPONSE,
  INFO,
  MC,
  MC_RESPONSE,
  STATUS,
  statusName,
} from './ctap2-constants'
import { CtapStatusError } from './errors'

export interface AuthenticatorInfo {
  versions: string[]
  extensions: string[]
  aaguid: Uint8Array
  options: Record<string, boolean>
  maxMsgSize: number
  pinUvAuthProtocols: number[]
  maxCredentialCountInList?: number
  maxCredentialIdLength?: number
  transports: string[]
  minPinLength?: number
}

export interface PublicKeyCredentialDescriptor {
  id: Uint8Array
}

export interface MakeCredentialRequest {
  clientDataHash: Uint8Array
  rp: { id: string; name: string }
  user: { id: Uint8Array; name: string; displayName: string }
  /** COSE algorithm identifiers, most preferred first. */
  algorithms: number[]
  excludeList?: PublicKeyCredentialDescriptor[]
  /** Extension inputs by identifier, e.g. credProtect (CTAP 2.1 §12.1). */
  extensions?: Map<CborKey, CborValue>
  options?: { rk?: boolean; uv?: boolean }
  pinUvAuthParam?: Uint8Array
  pinUvAuthProtocol?: number
}

export interface MakeCredentialResponse {
  fmt: string
  authData: Uint8Array
  attStmt: Map<CborKey, CborValue>
}

export interface GetAssertionRequest {
  rpId: string
  clientDataHash: Uint8Array
  allowList?: PublicKeyCredentialDescriptor[]
  options?: { up?: boolean; uv?: boolean }
  pinUvAuthParam?: Uint8Array
  pinUvAuthProtocol?: number
}

export interface GetAssertionResponse {
  credentialId?: Uint8Array
  authData: Uint8Array
  signature: Uint8Array
  user?: { id: Uint8Array; name?: string; displayName?: string }
  numberOfCredentials?: number
}

export interface ClientPinRequest {
  pinUvAuthProtocol?: number
  subCommand: number
  keyAgreement?: Map<CborKey, CborValue>
  pinUvAuthParam?: Uint8Array
  newPinEnc?: Uint8Array
  pinHashEnc?: Uint8Array
  permissions?: number
  rpId?: string
}

export interface ClientPinResponse {
  keyAgreement?: Map<CborKey, CborValue>
  pinUvAuthToken?: Uint8Array
  pinRetries?: number
  powerCycleState?: boolean
  uvRetries?: number
}

export interface Ctap2CallOptions {
  timeoutMs: number
  signal?: AbortSignal
  onKeepalive?: (status: number) => void
}

/** Default maxMsgSize when the authenticator does not say (CTAP 2.1 §6.4). */
export const DEFAULT_MAX_MSG_SIZE = 1024

function descriptor(credential: PublicKeyCredentialDescriptor): Map<CborKey, CborValue> {
  return new Map<CborKey, CborValue>([
    ['id', credential.id],
    ['type', 'public-key'],
  ])
}

function optionsMap(
  options: Record<string, boolean | undefined>,
): Map<CborKey, CborValue> | undefined {
  const map = new Map<CborKey, CborValue>()
  for (const [key, value] of Object.entries(options)) if (value !== undefined) map.set(key, value)
  return map.size > 0 ? map : undefined
}

/** A CTAP2 command: the command byte followed by its CBOR parameters, if any (§8.1). */
export function encodeCommand(cmd: number, params?: Map<CborKey, CborValue>): Uint8Array {
  return params ? concatBytes(Uint8Array.of(cmd), encodeCbor(params)) : Uint8Array.of(cmd)
}

/** authenticatorMakeCredential request (§6.1). */
export function encodeMakeCredential(request: MakeCredentialRequest): Uint8Array {
  const params = new Map<CborKey, CborValue>([
    [MC.CLIENT_DATA_HASH, request.clientDataHash],
    [
      MC.RP,
      new Map<CborKey, CborValue>([
        ['id', request.rp.id],
        ['name', request.rp.name],
      ]),
    ],
    [
      MC.USER,
      new Map<CborKey, CborValue>([
        ['id', request.user.id],
        ['name', request.user.name],
        ['displayName', request.user.displayName],
      ]),
    ],
    [
      MC.PUB_KEY_CRED_PARAMS,
      request.algorithms.map(
        (alg) =>
          new Map<CborKey, CborValue>([
            ['alg', alg],
            ['type', 'public-key'],
          ]),
      ),
    ],
  ])
  if (request.excludeList && request.excludeList.length > 0) {
    params.set(MC.EXCLUDE_LIST, request.excludeList.map(descriptor))
  }
  if (request.extensions && request.extensions.size > 0) {
    params.set(MC.EXTENSIONS, request.extensions)
  }
  const options = optionsMap({ rk: request.options?.rk, uv: request.options?.uv })
  if (options) params.set(MC.OPTIONS, options)
  if (request.pinUvAuthParam) params.set(MC.PIN_UV_AUTH_PARAM, request.pinUvAuthParam)
  if (request.pinUvAuthProtocol !== undefined)
    params.set(MC.PIN_UV_AUTH_PROTOCOL, request.pinUvAuthProtocol)
  return encodeCommand(CTAP2_CMD.MAKE_CREDENTIAL, params)
}

/** authenticatorGetAssertion request (§6.2). */
export function encodeGetAssertion(request: GetAssertionRequest): Uint8Array {
  const params = new Map<CborKey, CborValue>([
    [GA.RP_ID, request.rpId],
    [GA.CLIENT_DATA_HASH, request.clientDataHash],
  ])
  if (request.allowList && request.allowList.length > 0) {
    params.set(GA.ALLOW_LIST, request.allowList.map(descriptor))
  }
  const options = optionsMap({ up: request.options?.up, uv: request.options?.uv })
  if (options) params.set(GA.OPTIONS, options)
  if (request.pinUvAuthParam) params.set(GA.PIN_UV_AUTH_PARAM, request.pinUvAuthParam)
  if (request.pinUvAuthProtocol !== undefined)
    params.set(GA.PIN_UV_AUTH_PROTOCOL, request.pinUvAuthProtocol)
  return encodeCommand(CTAP2_CMD.GET_ASSERTION, params)
}

/** authenticatorClientPIN request (§6.5.5). */
export function encodeClientPin(request: ClientPinRequest): Uint8Array {
  const params = new Map<CborKey, CborValue>()
  if (request.pinUvAuthProtocol !== undefined)
    params.set(CP.PIN_UV_AUTH_PROTOCOL, request.pinUvAuthProtocol)
  params.set(CP.SUB_COMMAND, request.subCommand)
  if (request.keyAgreement) params.set(CP.KEY_AGREEMENT, request.keyAgreement)
  if (request.pinUvAuthParam) params.set(CP.PIN_UV_AUTH_PARAM, request.pinUvAuthParam)
  if (request.newPinEnc) params.set(CP.NEW_PIN_ENC, request.newPinEnc)
  if (request.pinHashEnc) params.set(CP.PIN_HASH_ENC, request.pinHashEnc)
  if (request.permissions !== undefined) params.set(CP.PERMISSIONS, request.permissions)
  if (request.rpId !== undefined) params.set(CP.RP_ID, request.rpId)
  return encodeCommand(CTAP2_CMD.CLIENT_PIN, params)
}

function stringList(value: CborValue[] | undefined, what: string): string[] {
  return (value ?? []).map((item) => {
    if (typeof item !== 'string') throw new CborError(`${what}: expected text strings`)
    return item
  })
}

function intList(value: CborValue[] | undefined, what: string): number[] {
  return (value ?? []).map((item) => {
    if (typeof item !== 'number' || !Number.isInteger(item))
      throw new CborError(`${what}: expected integers`)
    return item
  })
}

/** authenticatorGetInfo response (§6.4). */
export function parseGetInfo(body: Map<CborKey, CborValue>): AuthenticatorInfo {
  const options: Record<string, boolean> = {}
  for (const [key, value] of getOptionalMap(body, INFO.OPTIONS, 'getInfo options') ?? new Map()) {
    if (typeof key === 'string' && typeof value === 'boolean') options[key] = value
  }
  const info: AuthenticatorInfo = {
    versions: stringList(getOptionalArray(body, INFO.VERSIONS, 'getInfo versions'), 'versions'),
    extensions: stringList(
      getOptionalArray(body, INFO.EXTENSIONS, 'getInfo extensions'),
      'extensions',
    ),
    aaguid: getBytes(body, INFO.AAGUID, 'getInfo aaguid'),
    options,
    maxMsgSize:
      getOptionalInt(body, INFO.MAX_MSG_SIZE, 'getInfo maxMsgSize') ?? DEFAULT_MAX_MSG_SIZE,
    pinUvAuthProtocols: intList(
      getOptionalArray(body, INFO.PIN_UV_AUTH_PROTOCOLS, 'getInfo pinUvAuthProtocols'),
      'pinUvAuthProtocols',
    ),
    transports: stringList(
      getOptionalArray(body, INFO.TRANSPORTS, 'getInfo transports'),
      'transports',
    ),
  }
  const maxCount = getOptionalInt(
    body,
    INFO.MAX_CREDENTIAL_COUNT_IN_LIST,
    'maxCredentialCountInList',
  )
  if (maxCount !== undefined) info.maxCredentialCountInList = maxCount
  const maxIdLength = getOptionalInt(body, INFO.MAX_CREDENTIAL_ID_LENGTH, 'maxCredentialIdLength')
  if (maxIdLength !== undefined) info.maxCredentialIdLength = maxIdLength
  const minPinLength = getOptionalInt(body, INFO.MIN_PIN_LENGTH, 'minPINLength')
  if (minPinLength !== undefined) info.minPinLength = minPinLength
  if (info.versions.length === 0) throw new CborError('getInfo: no versions')
  if (info.aaguid.length !== 16) throw new CborError('getInfo: aaguid is not 16 bytes')
  return info
}

/** authenticatorMakeCredential response (§6.1.2). */
export function parseMakeCredential(body: Map<CborKey, CborValue>): MakeCredentialResponse {
  return {
    fmt: getText(body, MC_RESPONSE.FMT, 'makeCredential fmt'),
    authData: getBytes(body, MC_RESPONSE.AUTH_DATA, 'makeCredential authData'),
    attStmt: asMap(body.get(MC_RESPONSE.ATT_STMT), 'makeCredential attStmt'),
  }
}

/** authenticatorGetAssertion / authenticatorGetNextAssertion response (§6.2.2). */
export function parseGetAssertion(body: Map<CborKey, CborValue>): GetAssertionResponse {
  const response: GetAssertionResponse = {
    authData: getBytes(body, GA_RESPONSE.AUTH_DATA, 'getAssertion authData'),
    signature: getBytes(body, GA_RESPONSE.SIGNATURE, 'getAssertion signature'),
  }
  const credential = getOptionalMap(body, GA_RESPONSE.CREDENTIAL, 'getAssertion credential')
  if (credential) response.credentialId = getBytes(credential, 'id', 'getAssertion credential id')
  const user = getOptionalMap(body, GA_RESPONSE.USER, 'getAssertion user')
  if (user) {
    const entity: NonNullable<GetAssertionResponse['user']> = {
      id: getBytes(user, 'id', 'user id'),
    }
    const name = getOptionalText(user, 'name', 'user name')
    if (name !== undefined) entity.name = name
    const displayName = getOptionalText(user, 'displayName', 'user displayName')
    if (displayName !== undefined) entity.displayName = displayName
    response.user = entity
  }
  const count = getOptionalInt(body, GA_RESPONSE.NUMBER_OF_CREDENTIALS, 'numberOfCredentials')
  if (count !== undefined) response.numberOfCredentials = count
  return response
}

/** authenticatorClientPIN response (§6.5.5). */
export function parseClientPin(body: Map<CborKey, CborValue>): ClientPinResponse {
  const response: ClientPinResponse = {}
  const keyAgreement = getOptionalMap(body, CP_RESPONSE.KEY_AGREEMENT, 'keyAgreement')
  if (keyAgreement) response.keyAgreement = keyAgreement
  const token = getOptionalBytes(body, CP_RESPONSE.PIN_UV_AUTH_TOKEN, 'pinUvAuthToken')
  if (token) response.pinUvAuthToken = token
  const retries = getOptionalInt(body, CP_RESPONSE.PIN_RETRIES, 'pinRetries')
  if (retries !== undefined) response.pinRetries = retries
  const powerCycle = getOptionalBool(body, CP_RESPONSE.POWER_CYCLE_STATE, 'powerCycleState')
  if (powerCycle !== undefined) response.powerCycleState = powerCycle
  const uvRetries = getOptionalInt(body, CP_RESPONSE.UV_RETRIES, 'uvRetries')
  if (uvRetries !== undefined) response.uvRetries = uvRetries
  return response
}

/**
 * Splits a CTAP2 response into status and body; throws CtapStatusError unless CTAP2_OK (§8.2).
 * The body is read as an authenticator's CBOR (cbor.ts: longer-than-needed lengths accepted).
 */
export function decodeResponse(response: Uint8Array): Map<CborKey, CborValue> {
  const status = response[0]
  if (status === undefined) throw new CtapStatusError(STATUS.OTHER, 'empty CTAP2 response')
  if (status !== STATUS.SUCCESS) {
    throw new CtapStatusError(status, `authenticator answered ${statusName(status)}`)
  }
  if (response.length === 1) return new Map()
  return asMap(decodeAuthenticatorCbor(response.subarray(1)), 'CTAP2 response')
}

/** One CTAP2 session on a CTAPHID channel. */
export class Ctap2 {
  private readonly connection: CtapHidConnection
  private maxMsgSize = DEFAULT_MAX_MSG_SIZE

  constructor(connection: CtapHidConnection) {
    this.connection = connection
  }

  /** Sends an encoded command over CTAPHID_CBOR and returns the decoded response body. */
  async send(request: Uint8Array, options: Ctap2CallOptions): Promise<Map<CborKey, CborValue>> {
    if (request.length > this.maxMsgSize) {
      throw new CtapStatusError(
        STATUS.REQUEST_TOO_LARGE,
        `request of ${request.length} bytes exceeds maxMsgSize`,
      )
    }
    return decodeResponse(await this.connection.call(CTAPHID.CBOR, request, options))
  }

  async getInfo(options: Ctap2CallOptions): Promise<AuthenticatorInfo> {
    const info = parseGetInfo(await this.send(encodeCommand(CTAP2_CMD.GET_INFO), options))
    this.maxMsgSize = info.maxMsgSize
    return info
  }

  async makeCredential(
    request: MakeCredentialRequest,
    options: Ctap2CallOptions,
  ): Promise<MakeCredentialResponse> {
    return parseMakeCredential(await this.send(encodeMakeCredential(request), options))
  }

  async getAssertion(
    request: GetAssertionRequest,
    options: Ctap2CallOptions,
  ): Promise<GetAssertionResponse> {
    return parseGetAssertion(await this.send(encodeGetAssertion(request), options))
  }

  async getNextAssertion(options: Ctap2CallOptions): Promise<GetAssertionResponse> {
    return parseGetAssertion(await this.send(encodeCommand(CTAP2_CMD.GET_NEXT_ASSERTION), options))
  }

  async clientPin(
    request: ClientPinRequest,
    options: Ctap2CallOptions,
  ): Promise<ClientPinResponse> {
    return parseClientPin(await this.send(encodeClientPin(request), options))
  }

  /** authenticatorSelection (§6.9): resolves once the user touches this key. */
  async selection(options: Ctap2CallOptions): Promise<void> {
    await this.send(encodeCommand(CTAP2_CMD.SELECTION), options)
  }
}
