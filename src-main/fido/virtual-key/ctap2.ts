/**
 * The virtual key's CTAP2 authenticator (CTAP 2.1 §6): getInfo, makeCredential (packed
 * self-attestation, ES256, credProtect), getAssertion / getNextAssertion, clientPIN with PIN/UV
 * auth protocols 1 and 2 and token permissions, credential management (credential-management.ts),
 * selection and reset. With `ctap20` it behaves as a CTAP 2.0 key instead: FIDO_2_0 only, PIN
 * protocol 1, getPinToken only, no permissions, no selection, no credential management, no
 * extensions. It receives a decoded command and returns the status byte and the response map;
 * the CTAPHID side lives in key.ts.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual } from 'node:crypto'
import type { ECDH, KeyObject } from 'node:crypto'
import { concatBytes } from '../protocol/bytes'
import { CborError, decodeCbor, encodeCbor } from '../protocol/cbor'
import type { CborKey, CborValue } from '../protocol/cbor'
import { encodeAuthenticatorData, es256CoseKey } from '../protocol/authenticator-data'
import {
  AUTH_DATA_FLAG,
  COSE,
  CP,
  CP_RESPONSE,
  CP_SUBCMD,
  CRED_PROTECT,
  CTAP2_CMD,
  GA,
  GA_RESPONSE,
  INFO,
  MC,
  MC_RESPONSE,
  PERMISSION,
  STATUS,
} from '../protocol/ctap2-constants'
import {
  createKeyAgreementKey,
  createPinUvAuthProtocol,
  keyAgreementToCose,
  sharedSecret,
} from '../protocol/pin-protocol'
import type { PinUvAuthProtocol, PinUvAuthProtocolVersion } from '../protocol/pin-protocol'
import { CommandError, fail } from './command-error'
import { VirtualCredentialManagement } from './credential-management'
import { PIN_RETRIES_MAX, StateWriteError } from './state'
import type { StoredCredential, VirtualKeyState } from './state'

export type PresenceOutcome = 'approved' | 'denied' | 'timeout' | 'cancelled'

export interface AuthenticatorContext {
  /** Asks the user to touch the key; the CTAPHID side sends KEEPALIVE(UPNEEDED) meanwhile. */
  requestUserPresence(request: { rpId?: string }): Promise<PresenceOutcome>
}

export interface VirtualCtap2Options {
  state: VirtualKeyState
  /** Called after every change of durable state. */
  persist: () => void
  pinUvAuthProtocols: PinUvAuthProtocolVersion[]
  maxMsgSize: number
  /** Key-agreement key pairs, fresh at each power-up and after a wrong PIN (tests fix them). */
  keyAgreementKey?: (version: PinUvAuthProtocolVersion) => ECDH
  /** Random bytes for pinUvAuthTokens and protocol 2 IVs (tests fix them). */
  random?: (length: number) => Uint8Array
  /** Basic attestation with a vendor's key and certificate chain (leaf first); absent: self attestation. */
  attestation?: VirtualAttestation
  /** Behave as a CTAP 2.0 key (see the file header). */
  ctap20?: boolean
  /** The clock, in milliseconds (tests move it). Default Date.now. */
  now?: () => number
  /**
   * The shortest PIN this key accepts, in code points (CTAP 2.1 §6.4 minPINLength; default 4,
   * the §6.5.1 floor). A CTAP 2.0 key does not report it but applies it all the same.
   */
  minPinLength?: number
}

export interface VirtualAttestation {
  privateKey: KeyObject
  /** DER certificates, the attestation certificate first (WebAuthn §8.2.1). */
  chain: Uint8Array[]
}

export interface Ctap2Reply {
  status: number
  body?: Map<CborKey, CborValue>
}

/** Maximum credentials accepted in a list, and maximum credential id length (§6.4). */
const MAX_CREDENTIAL_COUNT_IN_LIST = 8
const MAX_CREDENTIAL_ID_LENGTH = 128
const CREDENTIAL_ID_LENGTH = 32
/** The shortest PIN of §6.5.1 (code points); a key may ship with a longer minimum. */
const MIN_PIN_LENGTH = 4
/** A PIN is at most 63 bytes of UTF-8 (§6.5.1): paddedNewPin keeps a terminating 0x00. */
const MAX_PIN_BYTES = 63
/** authenticatorGetNextAssertion is valid for 30 s after the previous (Next)Assertion (§6.3). */
const NEXT_ASSERTION_WINDOW_MS = 30_000
/** authenticatorReset is accepted within 10 s of power-up only (§6.6). */
export const RESET_WINDOW_MS = 10_000
/** Discoverable credentials the key can hold (getCredsMetadata, §6.8.2). */
const MAX_DISCOVERABLE = 50
/** The permissions this key grants; be, lbw and acfg are not implemented (§6.5.5.7.2). */
const SUPPORTED_PERMISSIONS =
  PERMISSION.MAKE_CREDENTIAL | PERMISSION.GET_ASSERTION | PERMISSION.CREDENTIAL_MANAGEMENT

interface PinUvAuthTokenState {
  token: Uint8Array
  permissions: number
  rpId?: string
}

interface NextAssertionState {
  rpIdHash: Uint8Array
  clientDataHash: Uint8Array
  flags: number
  remaining: StoredCredential[]
  expires: number
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

// Parameter readers: a wrong type is CTAP2_ERR_CBOR_UNEXPECTED_TYPE, a missing one MISSING_PARAMETER.

function need<T>(value: T | undefined): T {
  if (value === undefined) fail(STATUS.MISSING_PARAMETER)
  return value
}

function bytesParam(map: Map<CborKey, CborValue>, key: CborKey): Uint8Array | undefined {
  const value = map.get(key)
  if (value === undefined) return undefined
  if (!(value instanceof Uint8Array)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return value
}

function textParam(map: Map<CborKey, CborValue>, key: CborKey): string | undefined {
  const value = map.get(key)
  if (value === undefined) return undefined
  if (typeof value !== 'string') fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return value
}

function intParam(map: Map<CborKey, CborValue>, key: CborKey): number | undefined {
  const value = map.get(key)
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return value
}

function mapParam(map: Map<CborKey, CborValue>, key: CborKey): Map<CborKey, CborValue> | undefined {
  const value = map.get(key)
  if (value === undefined) return undefined
  if (!(value instanceof Map)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return value
}

function arrayParam(map: Map<CborKey, CborValue>, key: CborKey): CborValue[] | undefined {
  const value = map.get(key)
  if (value === undefined) return undefined
  if (!Array.isArray(value)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return value
}

function boolOption(
  options: Map<CborKey, CborValue> | undefined,
  key: string,
): boolean | undefined {
  const value = options?.get(key)
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return value
}

function descriptorIds(list: CborValue[] | undefined): Uint8Array[] {
  return (list ?? []).map((item) => {
    if (!(item instanceof Map)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
    const type = textParam(item, 'type')
    const id = need(bytesParam(item, 'id'))
    need(type)
    return id
  })
}

function presenceStatus(outcome: PresenceOutcome): number | undefined {
  switch (outcome) {
    case 'approved':
      return undefined
    case 'denied':
      return STATUS.OPERATION_DENIED
    case 'timeout':
      return STATUS.USER_ACTION_TIMEOUT
    case 'cancelled':
      return STATUS.KEEPALIVE_CANCEL
  }
}

export class VirtualCtap2 {
  private readonly options: VirtualCtap2Options
  private readonly random: (length: number) => Uint8Array
  private readonly protocols = new Map<PinUvAuthProtocolVersion, PinUvAuthProtocol>()
  private readonly keyAgreementKeys = new Map<PinUvAuthProtocolVersion, ECDH>()
  private token: PinUvAuthTokenState | undefined
  private consecutiveMismatches = 0
  private nextAssertion: NextAssertionState | undefined
  private poweredUpAt = 0
  private readonly now: () => number
  private readonly ctap20: boolean
  private readonly minPinLength: number
  private readonly credentialManagement: VirtualCredentialManagement

  constructor(options: VirtualCtap2Options) {
    this.options = options
    this.now = options.now ?? Date.now
    this.ctap20 = options.ctap20 ?? false
    const minPinLength = options.minPinLength ?? MIN_PIN_LENGTH
    if (!Number.isInteger(minPinLength) || minPinLength < MIN_PIN_LENGTH || minPinLength > 63)
      throw new RangeError(`minPinLength must be ${MIN_PIN_LENGTH} to 63`)
    this.minPinLength = minPinLength
    this.credentialManagement = new VirtualCredentialManagement({
      state: options.state,
      persist: () => options.persist(),
      protocol: (version) =>
        this.protocols.get(version as PinUvAuthProtocolVersion) ?? fail(STATUS.INVALID_PARAMETER),
      token: () => this.token,
      maxDiscoverable: MAX_DISCOVERABLE,
    })
    this.random =
      options.random ?? ((length: number): Uint8Array => new Uint8Array(randomBytes(length)))
    for (const version of options.pinUvAuthProtocols) {
      this.protocols.set(version, createPinUvAuthProtocol(version, { random: this.random }))
    }
    this.powerUp()
  }

  private get state(): VirtualKeyState {
    return this.options.state
  }

  /** Power-up / replug: fresh key-agreement keys and token, PIN mismatch counter cleared (§6.5.5.1). */
  powerUp(): void {
    for (const version of this.protocols.keys()) this.regenerateKeyAgreement(version)
    this.token = undefined
    this.consecutiveMismatches = 0
    this.nextAssertion = undefined
    this.credentialManagement?.reset()
    this.poweredUpAt = this.now()
  }

  private regenerateKeyAgreement(version: PinUvAuthProtocolVersion): void {
    this.keyAgreementKeys.set(
      version,
      this.options.keyAgreementKey
        ? this.options.keyAgreementKey(version)
        : createKeyAgreementKey(),
    )
  }

  async handle(request: Uint8Array, context: AuthenticatorContext): Promise<Ctap2Reply> {
    const cmd = request[0]
    if (cmd === undefined) return { status: STATUS.INVALID_LENGTH }
    if (request.length > this.options.maxMsgSize) return { status: STATUS.REQUEST_TOO_LARGE }
    let params = new Map<CborKey, CborValue>()
    if (request.length > 1) {
      let decoded: CborValue
      try {
        decoded = decodeCbor(request.subarray(1))
      } catch (error) {
        if (error instanceof CborError) return { status: STATUS.INVALID_CBOR }
        throw error
      }
      if (!(decoded instanceof Map)) return { status: STATUS.CBOR_UNEXPECTED_TYPE }
      params = decoded
    }
    try {
      switch (cmd) {
        case CTAP2_CMD.GET_INFO:
          return { status: STATUS.SUCCESS, body: this.getInfo() }
        case CTAP2_CMD.MAKE_CREDENTIAL:
          return { status: STATUS.SUCCESS, body: await this.makeCredential(params, context) }
        case CTAP2_CMD.GET_ASSERTION:
          return { status: STATUS.SUCCESS, body: await this.getAssertion(params, context) }
        case CTAP2_CMD.GET_NEXT_ASSERTION:
          return { status: STATUS.SUCCESS, body: this.getNextAssertion() }
        case CTAP2_CMD.CLIENT_PIN:
          return { status: STATUS.SUCCESS, body: this.clientPin(params) }
        case CTAP2_CMD.SELECTION:
          if (this.ctap20) return { status: STATUS.INVALID_COMMAND } // new in CTAP 2.1 (§6.9)
          return { status: presenceStatus(await context.requestUserPresence({})) ?? STATUS.SUCCESS }
        case CTAP2_CMD.CREDENTIAL_MANAGEMENT:
          if (this.ctap20) return { status: STATUS.INVALID_COMMAND }
          return { status: STATUS.SUCCESS, body: this.credentialManagement.handle(params) }
        case CTAP2_CMD.RESET:
          return { status: await this.reset(context) }
        default:
          return { status: STATUS.INVALID_COMMAND }
      }
    } catch (error) {
      if (error instanceof CommandError) return { status: error.status }
      // The state file could not be written: an error status, and the key stays up.
      if (error instanceof StateWriteError) return { status: STATUS.OTHER }
      throw error
    }
  }

  /** authenticatorGetInfo (§6.4; a CTAP 2.0 key answers members 0x01 to 0x06 only). */
  getInfo(): Map<CborKey, CborValue> {
    const clientPin = this.state.pin !== undefined
    if (this.ctap20) {
      return new Map<CborKey, CborValue>([
        [INFO.VERSIONS, ['U2F_V2', 'FIDO_2_0']],
        [INFO.AAGUID, this.state.aaguid],
        [
          INFO.OPTIONS,
          new Map<CborKey, CborValue>([
            ['rk', true],
            ['up', true],
            ['plat', false],
            ['clientPin', clientPin],
          ]),
        ],
        [INFO.MAX_MSG_SIZE, this.options.maxMsgSize],
        [INFO.PIN_UV_AUTH_PROTOCOLS, [...this.protocols.keys()]],
      ])
    }
    return new Map<CborKey, CborValue>([
      [INFO.VERSIONS, ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1']],
      [INFO.EXTENSIONS, ['credProtect']],
      [INFO.AAGUID, this.state.aaguid],
      [
        INFO.OPTIONS,
        new Map<CborKey, CborValue>([
          ['rk', true],
          ['up', true],
          ['plat', false],
          ['credMgmt', true],
          ['clientPin', clientPin],
          ['pinUvAuthToken', true],
          ['makeCredUvNotRqd', true],
        ]),
      ],
      [INFO.MAX_MSG_SIZE, this.options.maxMsgSize],
      [INFO.PIN_UV_AUTH_PROTOCOLS, [...this.protocols.keys()]],
      [INFO.MAX_CREDENTIAL_COUNT_IN_LIST, MAX_CREDENTIAL_COUNT_IN_LIST],
      [INFO.MAX_CREDENTIAL_ID_LENGTH, MAX_CREDENTIAL_ID_LENGTH],
      [INFO.TRANSPORTS, ['usb']],
      [
        INFO.ALGORITHMS,
        [
          new Map<CborKey, CborValue>([
            ['alg', COSE.ALG_ES256],
            ['type', 'public-key'],
          ]),
        ],
      ],
      [INFO.MIN_PIN_LENGTH, this.minPinLength],
      [INFO.FIRMWARE_VERSION, 1],
    ])
  }

  private protocolParam(params: Map<CborKey, CborValue>, key: CborKey): PinUvAuthProtocol {
    const version = need(intParam(params, key))
    const protocol = this.protocols.get(version as PinUvAuthProtocolVersion)
    if (!protocol) fail(STATUS.INVALID_PARAMETER)
    return protocol
  }

  /**
   * Zero-length pinUvAuthParam: the platform's "which key?" probe for CTAP 2.0 keys
   * (§6.1.2 step 1, §6.2.2 step 1): wait for a touch, then PIN_NOT_SET or PIN_INVALID.
   */
  private async probe(context: AuthenticatorContext): Promise<never> {
    const status = presenceStatus(await context.requestUserPresence({}))
    if (status !== undefined) fail(status)
    fail(this.state.pin ? STATUS.PIN_INVALID : STATUS.PIN_NOT_SET)
  }

  /** Verifies pinUvAuthParam = authenticate(pinUvAuthToken, clientDataHash) and its permission (§6.1.2 step 11). */
  private verifyPinUvAuthParam(
    protocol: PinUvAuthProtocol,
    param: Uint8Array,
    clientDataHash: Uint8Array,
    permission: number,
    rpId: string,
  ): void {
    const token = this.token
    if (!token || !protocol.verify(token.token, clientDataHash, param))
      fail(STATUS.PIN_AUTH_INVALID)
    if ((token.permissions & permission) === 0) fail(STATUS.PIN_AUTH_INVALID)
    if (this.ctap20) return // a CTAP 2.0 pinToken serves any RP until power-down
    if (token.rpId !== undefined && token.rpId !== rpId) fail(STATUS.PIN_AUTH_INVALID)
    token.rpId = rpId
  }

  /**
   * After a makeCredential or getAssertion with up = true, the token's permissions are spent
   * (CTAP 2.1 §6.1.2 step 14 and §6.2.2 step 9: clearPinUvAuthTokenPermissionsExceptLbw()).
   * CTAP 2.0 knew no permissions: its pinToken stays usable until power-down.
   */
  private spendTokenPermissions(): void {
    if (this.token && !this.ctap20) this.token.permissions &= PERMISSION.LARGE_BLOB_WRITE
  }

  private nextSignCount(): number {
    this.state.signCount += 1
    return this.state.signCount
  }

  /** authenticatorMakeCredential (§6.1.2). */
  private async makeCredential(
    params: Map<CborKey, CborValue>,
    context: AuthenticatorContext,
  ): Promise<Map<CborKey, CborValue>> {
    const clientDataHash = need(bytesParam(params, MC.CLIENT_DATA_HASH))
    const rp = need(mapParam(params, MC.RP))
    const user = need(mapParam(params, MC.USER))
    const credParams = need(arrayParam(params, MC.PUB_KEY_CRED_PARAMS))
    const excludeList = descriptorIds(arrayParam(params, MC.EXCLUDE_LIST))
    const options = mapParam(params, MC.OPTIONS)
    const extensions = mapParam(params, MC.EXTENSIONS)
    const pinUvAuthParam = bytesParam(params, MC.PIN_UV_AUTH_PARAM)
    const rpId = need(textParam(rp, 'id'))
    const userId = need(bytesParam(user, 'id'))
    if (userId.length > 64) fail(STATUS.INVALID_LENGTH)

    if (pinUvAuthParam !== undefined && pinUvAuthParam.length === 0) await this.probe(context)
    const protocol = pinUvAuthParam
      ? this.protocolParam(params, MC.PIN_UV_AUTH_PROTOCOL)
      : undefined

    const es256 = credParams.some((item) => {
      if (!(item instanceof Map)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
      return intParam(item, 'alg') === COSE.ALG_ES256 && textParam(item, 'type') === 'public-key'
    })
    if (!es256) fail(STATUS.UNSUPPORTED_ALGORITHM)

    const rk = boolOption(options, 'rk') ?? false
    if (boolOption(options, 'uv') === true) fail(STATUS.INVALID_OPTION) // no built-in UV
    if (boolOption(options, 'up') === false) fail(STATUS.INVALID_OPTION)

    let flags = AUTH_DATA_FLAG.UP | AUTH_DATA_FLAG.AT
    if (protocol && pinUvAuthParam) {
      this.verifyPinUvAuthParam(
        protocol,
        pinUvAuthParam,
        clientDataHash,
        PERMISSION.MAKE_CREDENTIAL,
        rpId,
      )
      flags |= AUTH_DATA_FLAG.UV
    } else if (this.state.pin && (rk || this.ctap20)) {
      // makeCredUvNotRqd covers non-discoverable credentials only (§6.1.2 step 6); a CTAP 2.0
      // key with a PIN wants it for every registration (CTAP 2.0 §5.1 step 6: PIN_REQUIRED).
      fail(STATUS.PUAT_REQUIRED)
    }
    const credProtect = this.ctap20 ? undefined : credProtectLevel(extensions)

    const rpIdHash = sha256(rpId)
    const excluded = excludeList.some((id) => this.findCredential(rpIdHash, id) !== undefined)
    const presence = presenceStatus(await context.requestUserPresence({ rpId }))
    if (excluded) fail(presence ?? STATUS.CREDENTIAL_EXCLUDED)
    if (presence !== undefined) fail(presence)

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const point = concatBytes(
      Uint8Array.of(0x04),
      new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url')),
      new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url')),
    )
    const credential: StoredCredential = {
      id: this.random(CREDENTIAL_ID_LENGTH),
      rpIdHash,
      rpId,
      userId,
      privateKey,
      discoverable: rk,
      created: this.state.nextCreated++,
    }
    if (credProtect !== undefined) credential.credProtect = credProtect
    const userName = textParam(user, 'name')
    if (userName !== undefined) credential.userName = userName
    const displayName = textParam(user, 'displayName')
    if (displayName !== undefined) credential.displayName = displayName
    if (rk) {
      // A new discoverable credential replaces one for the same RP and user (§6.1.2 step 17).
      this.state.credentials = this.state.credentials.filter(
        (other) =>
          !(
            other.discoverable &&
            equalBytes(other.rpIdHash, rpIdHash) &&
            equalBytes(other.userId ?? new Uint8Array(0), userId)
          ),
      )
    }
    this.state.credentials.push(credential)
    const authData = encodeAuthenticatorData({
      rpIdHash,
      flags: flags | (credProtect !== undefined ? AUTH_DATA_FLAG.ED : 0),
      signCount: this.nextSignCount(),
      attestedCredentialData: {
        aaguid: this.state.aaguid,
        credentialId: credential.id,
        credentialPublicKey: es256CoseKey(point),
      },
      ...(credProtect !== undefined
        ? { extensions: new Map<CborKey, CborValue>([['credProtect', credProtect]]) }
        : {}),
    })
    try {
      this.options.persist()
    } catch (error) {
      this.state.credentials = this.state.credentials.filter((other) => other !== credential)
      throw error
    }
    this.spendTokenPermissions()
    // Packed attestation: sig over authData || clientDataHash (WebAuthn §8.2), with the
    // vendor's attestation key and its x5c chain, or self attestation with the credential key.
    const basic = this.options.attestation
    const signed = concatBytes(authData, clientDataHash)
    const sig = new Uint8Array(sign('sha256', signed, basic?.privateKey ?? privateKey))
    const attStmt = new Map<CborKey, CborValue>([
      ['alg', COSE.ALG_ES256],
      ['sig', sig],
    ])
    if (basic) attStmt.set('x5c', basic.chain)
    return new Map<CborKey, CborValue>([
      [MC_RESPONSE.FMT, 'packed'],
      [MC_RESPONSE.AUTH_DATA, authData],
      [MC_RESPONSE.ATT_STMT, attStmt],
    ])
  }

  findCredential(rpIdHash: Uint8Array, id: Uint8Array): StoredCredential | undefined {
    return this.state.credentials.find(
      (c) => equalBytes(c.id, id) && equalBytes(c.rpIdHash, rpIdHash),
    )
  }

  /** authenticatorGetAssertion (§6.2.2). */
  private async getAssertion(
    params: Map<CborKey, CborValue>,
    context: AuthenticatorContext,
  ): Promise<Map<CborKey, CborValue>> {
    const rpId = need(textParam(params, GA.RP_ID))
    const clientDataHash = need(bytesParam(params, GA.CLIENT_DATA_HASH))
    const allowList = descriptorIds(arrayParam(params, GA.ALLOW_LIST))
    const options = mapParam(params, GA.OPTIONS)
    const pinUvAuthParam = bytesParam(params, GA.PIN_UV_AUTH_PARAM)
    if (pinUvAuthParam !== undefined && pinUvAuthParam.length === 0) await this.probe(context)
    const protocol = pinUvAuthParam
      ? this.protocolParam(params, GA.PIN_UV_AUTH_PROTOCOL)
      : undefined
    if (boolOption(options, 'uv') === true) fail(STATUS.INVALID_OPTION)
    const up = boolOption(options, 'up') ?? true

    let flags = 0
    if (protocol && pinUvAuthParam) {
      this.verifyPinUvAuthParam(
        protocol,
        pinUvAuthParam,
        clientDataHash,
        PERMISSION.GET_ASSERTION,
        rpId,
      )
      flags |= AUTH_DATA_FLAG.UV
    }
    const rpIdHash = sha256(rpId)
    const verified = (flags & AUTH_DATA_FLAG.UV) !== 0
    // credProtect (CTAP 2.1 §12.1): level 3 needs user verification; level 2 too, unless the
    // platform names the credential in allowList.
    const visible = (c: StoredCredential): boolean =>
      verified ||
      (c.credProtect ?? CRED_PROTECT.USER_VERIFICATION_OPTIONAL) ===
        CRED_PROTECT.USER_VERIFICATION_OPTIONAL ||
      (c.credProtect === CRED_PROTECT.USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST &&
        allowList.length > 0)
    const found = (
      allowList.length > 0
        ? allowList.flatMap((id) => this.findCredential(rpIdHash, id) ?? [])
        : this.state.credentials
            .filter((c) => c.discoverable && equalBytes(c.rpIdHash, rpIdHash))
            .sort((a, b) => b.created - a.created)
    ).filter(visible)
    if (up) {
      // User presence is collected before "no credentials" is revealed (§6.2.2 steps 9 and 12).
      const presence = presenceStatus(await context.requestUserPresence({ rpId }))
      if (presence !== undefined) fail(presence)
      flags |= AUTH_DATA_FLAG.UP
      this.spendTokenPermissions()
    }
    const [first, ...rest] = found
    if (!first) fail(STATUS.NO_CREDENTIALS)
    const response = this.assertion(first, rpIdHash, clientDataHash, flags, allowList.length === 0)
    if (allowList.length === 0 && found.length > 1) {
      response.set(GA_RESPONSE.NUMBER_OF_CREDENTIALS, found.length)
      this.nextAssertion = {
        rpIdHash,
        clientDataHash,
        flags,
        remaining: rest,
        expires: this.now() + NEXT_ASSERTION_WINDOW_MS,
      }
    } else {
      this.nextAssertion = undefined
    }
    return response
  }

  /** authenticatorGetNextAssertion (§6.3). */
  private getNextAssertion(): Map<CborKey, CborValue> {
    const next = this.nextAssertion
    if (!next || this.now() > next.expires) {
      this.nextAssertion = undefined
      fail(STATUS.NOT_ALLOWED)
    }
    const credential = next.remaining.shift()
    if (!credential) {
      this.nextAssertion = undefined
      fail(STATUS.NOT_ALLOWED)
    }
    // "Reset the timer" at each call: 30 s from this one (§6.3).
    next.expires = this.now() + NEXT_ASSERTION_WINDOW_MS
    return this.assertion(credential, next.rpIdHash, next.clientDataHash, next.flags, true)
  }

  private assertion(
    credential: StoredCredential,
    rpIdHash: Uint8Array,
    clientDataHash: Uint8Array,
    flags: number,
    withUser: boolean,
  ): Map<CborKey, CborValue> {
    const authData = encodeAuthenticatorData({ rpIdHash, flags, signCount: this.nextSignCount() })
    this.options.persist()
    const signature = new Uint8Array(
      sign('sha256', concatBytes(authData, clientDataHash), credential.privateKey),
    )
    const response = new Map<CborKey, CborValue>([
      [
        GA_RESPONSE.CREDENTIAL,
        new Map<CborKey, CborValue>([
          ['id', credential.id],
          ['type', 'public-key'],
        ]),
      ],
      [GA_RESPONSE.AUTH_DATA, authData],
      [GA_RESPONSE.SIGNATURE, signature],
    ])
    if (withUser && credential.userId) {
      const user = new Map<CborKey, CborValue>([['id', credential.userId]])
      // User identifiable information only after user verification (§6.2.2 step 12).
      if ((flags & AUTH_DATA_FLAG.UV) !== 0) {
        if (credential.userName !== undefined) user.set('name', credential.userName)
        if (credential.displayName !== undefined) user.set('displayName', credential.displayName)
      }
      response.set(GA_RESPONSE.USER, user)
    }
    return response
  }

  /** authenticatorClientPIN (§6.5.5). */
  private clientPin(params: Map<CborKey, CborValue>): Map<CborKey, CborValue> {
    const subCommand = need(intParam(params, CP.SUB_COMMAND))
    switch (subCommand) {
      case CP_SUBCMD.GET_PIN_RETRIES:
        return new Map<CborKey, CborValue>([
          [CP_RESPONSE.PIN_RETRIES, this.state.pinRetries],
          [CP_RESPONSE.POWER_CYCLE_STATE, this.consecutiveMismatches >= 3],
        ])
      case CP_SUBCMD.GET_KEY_AGREEMENT: {
        const protocol = this.protocolParam(params, CP.PIN_UV_AUTH_PROTOCOL)
        const key = this.keyAgreementKeys.get(protocol.version)
        if (!key) fail(STATUS.INVALID_PARAMETER)
        return new Map<CborKey, CborValue>([[CP_RESPONSE.KEY_AGREEMENT, keyAgreementToCose(key)]])
      }
      case CP_SUBCMD.SET_PIN:
        this.setPin(params)
        return new Map()
      case CP_SUBCMD.CHANGE_PIN:
        this.changePin(params)
        return new Map()
      case CP_SUBCMD.GET_PIN_TOKEN:
        return this.getPinToken(
          params,
          PERMISSION.MAKE_CREDENTIAL | PERMISSION.GET_ASSERTION,
          undefined,
        )
      case CP_SUBCMD.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS: {
        if (this.ctap20) fail(STATUS.INVALID_SUBCOMMAND) // new in CTAP 2.1
        const permissions = need(intParam(params, CP.PERMISSIONS))
        if (permissions === 0) fail(STATUS.INVALID_PARAMETER)
        // Permissions this key does not implement (be, lbw, acfg) are refused before the PIN is
        // looked at (§6.5.5.7.2 step 4).
        if ((permissions & ~SUPPORTED_PERMISSIONS) !== 0) fail(STATUS.UNAUTHORIZED_PERMISSION)
        const rpId = textParam(params, CP.RP_ID)
        if (
          (permissions & (PERMISSION.MAKE_CREDENTIAL | PERMISSION.GET_ASSERTION)) !== 0 &&
          rpId === undefined
        ) {
          fail(STATUS.MISSING_PARAMETER)
        }
        return this.getPinToken(params, permissions, rpId)
      }
      default:
        fail(STATUS.INVALID_SUBCOMMAND)
    }
  }

  private shared(params: Map<CborKey, CborValue>, protocol: PinUvAuthProtocol): Uint8Array {
    const peer = need(mapParam(params, CP.KEY_AGREEMENT))
    const own = this.keyAgreementKeys.get(protocol.version)
    if (!own) fail(STATUS.INVALID_PARAMETER)
    try {
      return sharedSecret(protocol, own, peer)
    } catch {
      fail(STATUS.INVALID_PARAMETER)
    }
  }

  private decryptPin(
    protocol: PinUvAuthProtocol,
    shared: Uint8Array,
    newPinEnc: Uint8Array,
  ): string {
    let padded: Uint8Array
    try {
      padded = protocol.decrypt(shared, newPinEnc)
    } catch {
      fail(STATUS.INVALID_PARAMETER)
    }
    if (padded.length !== 64) fail(STATUS.INVALID_PARAMETER)
    const end = padded.indexOf(0)
    // §6.5.5.5 / §6.5.5.6: a PIN longer than 63 bytes (no terminating 0x00), or shorter than
    // minPINLength code points, is CTAP2_ERR_PIN_POLICY_VIOLATION.
    if (end < 0 || end > MAX_PIN_BYTES) fail(STATUS.PIN_POLICY_VIOLATION)
    const pin = new TextDecoder('utf-8', { fatal: false }).decode(padded.subarray(0, end))
    if ([...pin].length < this.minPinLength) fail(STATUS.PIN_POLICY_VIOLATION)
    return pin
  }

  private storePin(pin: string): void {
    this.state.pin = { hash: sha256(pin).subarray(0, 16), length: [...pin].length }
    this.state.pinRetries = PIN_RETRIES_MAX
    this.options.persist()
  }

  /** setPIN (§6.5.5.5). */
  private setPin(params: Map<CborKey, CborValue>): void {
    const protocol = this.protocolParam(params, CP.PIN_UV_AUTH_PROTOCOL)
    const newPinEnc = need(bytesParam(params, CP.NEW_PIN_ENC))
    const param = need(bytesParam(params, CP.PIN_UV_AUTH_PARAM))
    // "If a PIN has already been set, authenticator returns CTAP2_ERR_PIN_AUTH_INVALID" (§6.5.5.5).
    if (this.state.pin) fail(STATUS.PIN_AUTH_INVALID)
    const shared = this.shared(params, protocol)
    if (!protocol.verify(shared, newPinEnc, param)) fail(STATUS.PIN_AUTH_INVALID)
    this.storePin(this.decryptPin(protocol, shared, newPinEnc))
  }

  /** changePIN (§6.5.5.6). */
  private changePin(params: Map<CborKey, CborValue>): void {
    const protocol = this.protocolParam(params, CP.PIN_UV_AUTH_PROTOCOL)
    const newPinEnc = need(bytesParam(params, CP.NEW_PIN_ENC))
    const pinHashEnc = need(bytesParam(params, CP.PIN_HASH_ENC))
    const param = need(bytesParam(params, CP.PIN_UV_AUTH_PARAM))
    if (!this.state.pin) fail(STATUS.PIN_NOT_SET)
    if (this.state.pinRetries === 0) fail(STATUS.PIN_BLOCKED)
    // After 3 wrong PINs in a row, no PIN is looked at (not even the right one) until the key is
    // power-cycled (§6.5.5.6, as for the token subcommands).
    if (this.consecutiveMismatches >= 3) fail(STATUS.PIN_AUTH_BLOCKED)
    const shared = this.shared(params, protocol)
    if (!protocol.verify(shared, concatBytes(newPinEnc, pinHashEnc), param))
      fail(STATUS.PIN_AUTH_INVALID)
    this.checkPinHash(protocol, shared, pinHashEnc)
    this.storePin(this.decryptPin(protocol, shared, newPinEnc))
    this.token = undefined
  }

  /** The PIN check shared by changePIN and the token subcommands (§6.5.5.7.2 steps 4 to 7). */
  private checkPinHash(
    protocol: PinUvAuthProtocol,
    shared: Uint8Array,
    pinHashEnc: Uint8Array,
  ): void {
    const pin = this.state.pin
    if (!pin) fail(STATUS.PIN_NOT_SET)
    this.state.pinRetries -= 1
    this.options.persist()
    let hash: Uint8Array | undefined
    try {
      hash = protocol.decrypt(shared, pinHashEnc)
    } catch {
      hash = undefined
    }
    if (!hash || !equalBytes(hash, pin.hash)) {
      this.regenerateKeyAgreement(protocol.version)
      this.consecutiveMismatches += 1
      if (this.state.pinRetries === 0) fail(STATUS.PIN_BLOCKED)
      if (this.consecutiveMismatches >= 3) fail(STATUS.PIN_AUTH_BLOCKED)
      fail(STATUS.PIN_INVALID)
    }
    this.state.pinRetries = PIN_RETRIES_MAX
    this.consecutiveMismatches = 0
    this.options.persist()
  }

  /** getPinToken (§6.5.5.7.1) and getPinUvAuthTokenUsingPinWithPermissions (§6.5.5.7.2). */
  private getPinToken(
    params: Map<CborKey, CborValue>,
    permissions: number,
    rpId: string | undefined,
  ): Map<CborKey, CborValue> {
    const protocol = this.protocolParam(params, CP.PIN_UV_AUTH_PROTOCOL)
    need(mapParam(params, CP.KEY_AGREEMENT))
    const pinHashEnc = need(bytesParam(params, CP.PIN_HASH_ENC))
    if (!this.state.pin) fail(STATUS.PIN_NOT_SET)
    if (this.state.pinRetries === 0) fail(STATUS.PIN_BLOCKED)
    if (this.consecutiveMismatches >= 3) fail(STATUS.PIN_AUTH_BLOCKED)
    const shared = this.shared(params, protocol)
    this.checkPinHash(protocol, shared, pinHashEnc)
    const token: PinUvAuthTokenState = { token: this.random(32), permissions }
    if (rpId !== undefined) token.rpId = rpId
    this.token = token
    return new Map<CborKey, CborValue>([
      [CP_RESPONSE.PIN_UV_AUTH_TOKEN, protocol.encrypt(shared, token.token)],
    ])
  }

  /** authenticatorReset (§6.6): after a touch, forget every credential and the PIN. */
  private async reset(context: AuthenticatorContext): Promise<number> {
    // "If the request comes after 10 seconds of powering up, the authenticator returns
    // CTAP2_ERR_NOT_ALLOWED" (§6.6).
    if (this.now() - this.poweredUpAt > RESET_WINDOW_MS) return STATUS.NOT_ALLOWED
    const presence = presenceStatus(await context.requestUserPresence({}))
    if (presence !== undefined) return presence
    this.state.credentials = []
    delete this.state.pin
    this.state.pinRetries = PIN_RETRIES_MAX
    this.token = undefined
    this.options.persist()
    return STATUS.SUCCESS
  }

  /** Sets the PIN directly (the CLI's --pin, tests). */
  setPinDirectly(pin: string): void {
    if ([...pin].length < this.minPinLength)
      throw new Error(`PIN must have at least ${this.minPinLength} characters`)
    this.storePin(pin.normalize('NFC'))
  }
}

/** The credProtect level a makeCredential asks for (CTAP 2.1 §12.1), if any and valid. */
function credProtectLevel(extensions: Map<CborKey, CborValue> | undefined): number | undefined {
  const level = extensions?.get('credProtect')
  if (level === undefined) return undefined
  if (typeof level !== 'number' || !Number.isInteger(level)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
  return level >= 1 && level <= 3 ? level : undefined
}

export function encodeCtap2Reply(reply: Ctap2Reply): Uint8Array {
  return reply.body && reply.body.size > 0
    ? concatBytes(Uint8Array.of(reply.status), encodeCbor(reply.body))
    : Uint8Array.of(reply.status)
}
