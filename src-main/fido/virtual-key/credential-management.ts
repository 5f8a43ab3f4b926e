/**
 * The software key's authenticatorCredentialManagement (CTAP 2.1 §6.8): credentials metadata,
 * enumeration of RPs and of an RP's discoverable credentials, deletion and user update, all under
 * a pinUvAuthToken with the `cm` permission (and, when the token is bound to an RP, that RP only).
 */
import { createHash, createPublicKey } from 'node:crypto'
import { concatBytes } from '../protocol/bytes'
import { encodeCbor } from '../protocol/cbor'
import type { CborKey, CborValue } from '../protocol/cbor'
import { es256CoseKey } from '../protocol/authenticator-data'
import {
  CM,
  CM_PARAM,
  CM_RESPONSE,
  CM_SUBCMD,
  PERMISSION,
  STATUS,
} from '../protocol/ctap2-constants'
import type { PinUvAuthProtocol } from '../protocol/pin-protocol'
import { fail } from './command-error'
import type { StoredCredential, VirtualKeyState } from './state'

/** What credential management needs from the authenticator. */
export interface CredentialManagementHost {
  readonly state: VirtualKeyState
  persist(): void
  /** The protocol named by pinUvAuthProtocol, or a CTAP2 error. */
  protocol(version: number | undefined): PinUvAuthProtocol
  /** The in-use pinUvAuthToken, if any. */
  token(): { token: Uint8Array; permissions: number; rpId?: string } | undefined
  maxDiscoverable: number
}

interface Enumeration<T> {
  items: T[]
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index])
}

function publicKeyOf(credential: StoredCredential): Map<CborKey, CborValue> {
  const jwk = createPublicKey(credential.privateKey).export({ format: 'jwk' })
  return es256CoseKey(
    concatBytes(
      Uint8Array.of(0x04),
      new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url')),
      new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url')),
    ),
  )
}

function userOf(credential: StoredCredential): Map<CborKey, CborValue> {
  const user = new Map<CborKey, CborValue>([['id', credential.userId ?? new Uint8Array(0)]])
  if (credential.userName !== undefined) user.set('name', credential.userName)
  if (credential.displayName !== undefined) user.set('displayName', credential.displayName)
  return user
}

export class VirtualCredentialManagement {
  private rps: Enumeration<Uint8Array> | undefined
  private credentials: Enumeration<StoredCredential> | undefined

  constructor(private readonly host: CredentialManagementHost) {}

  /** Power-up: enumerations in progress are forgotten. */
  reset(): void {
    this.rps = undefined
    this.credentials = undefined
  }

  private discoverable(): StoredCredential[] {
    return this.host.state.credentials.filter((c) => c.discoverable)
  }

  handle(params: Map<CborKey, CborValue>): Map<CborKey, CborValue> {
    const { host } = this
    const subCommand = params.get(CM.SUB_COMMAND)
    if (typeof subCommand !== 'number') fail(STATUS.MISSING_PARAMETER)
    const subParams = params.get(CM.SUB_COMMAND_PARAMS)
    if (subParams !== undefined && !(subParams instanceof Map)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
    switch (subCommand) {
      case CM_SUBCMD.GET_CREDS_METADATA:
        this.authorize(params, subCommand, undefined, { allRps: true })
        return new Map<CborKey, CborValue>([
          [CM_RESPONSE.EXISTING_RESIDENT_CREDENTIALS_COUNT, this.discoverable().length],
          [
            CM_RESPONSE.MAX_POSSIBLE_REMAINING_RESIDENT_CREDENTIALS_COUNT,
            Math.max(0, host.maxDiscoverable - this.discoverable().length),
          ],
        ])
      case CM_SUBCMD.ENUMERATE_RPS_BEGIN: {
        this.authorize(params, subCommand, undefined, { allRps: true })
        const hashes: Uint8Array[] = []
        for (const credential of this.discoverable())
          if (!hashes.some((hash) => equalBytes(hash, credential.rpIdHash)))
            hashes.push(credential.rpIdHash)
        if (hashes.length === 0) fail(STATUS.NO_CREDENTIALS)
        this.rps = { items: hashes.slice(1) }
        return this.rpEntry(hashes[0] ?? new Uint8Array(0)).set(
          CM_RESPONSE.TOTAL_RPS,
          hashes.length,
        )
      }
      case CM_SUBCMD.ENUMERATE_RPS_GET_NEXT_RP: {
        const next = this.rps?.items.shift()
        if (!next) {
          this.rps = undefined
          fail(STATUS.NOT_ALLOWED)
        }
        return this.rpEntry(next)
      }
      case CM_SUBCMD.ENUMERATE_CREDENTIALS_BEGIN: {
        const map = subParams ?? fail(STATUS.MISSING_PARAMETER)
        const rpIdHash = map.get(CM_PARAM.RP_ID_HASH)
        if (!(rpIdHash instanceof Uint8Array)) fail(STATUS.MISSING_PARAMETER)
        this.authorize(params, subCommand, map, { rpIdHash })
        const found = this.discoverable()
          .filter((c) => equalBytes(c.rpIdHash, rpIdHash))
          .sort((a, b) => b.created - a.created)
        if (found.length === 0) fail(STATUS.NO_CREDENTIALS)
        this.credentials = { items: found.slice(1) }
        const [first] = found
        return this.credentialEntry(first ?? fail(STATUS.NO_CREDENTIALS)).set(
          CM_RESPONSE.TOTAL_CREDENTIALS,
          found.length,
        )
      }
      case CM_SUBCMD.ENUMERATE_CREDENTIALS_GET_NEXT_CREDENTIAL: {
        const next = this.credentials?.items.shift()
        if (!next) {
          this.credentials = undefined
          fail(STATUS.NOT_ALLOWED)
        }
        return this.credentialEntry(next)
      }
      case CM_SUBCMD.DELETE_CREDENTIAL:
      case CM_SUBCMD.UPDATE_USER_INFORMATION: {
        const map = subParams ?? fail(STATUS.MISSING_PARAMETER)
        const descriptor = map.get(CM_PARAM.CREDENTIAL_ID)
        if (!(descriptor instanceof Map)) fail(STATUS.MISSING_PARAMETER)
        const id = descriptor.get('id')
        if (!(id instanceof Uint8Array)) fail(STATUS.MISSING_PARAMETER)
        const credential = this.discoverable().find((c) => equalBytes(c.id, id))
        this.authorize(params, subCommand, map, credential ? { rpIdHash: credential.rpIdHash } : {})
        if (!credential) fail(STATUS.NO_CREDENTIALS)
        if (subCommand === CM_SUBCMD.DELETE_CREDENTIAL) {
          host.state.credentials = host.state.credentials.filter((c) => c !== credential)
        } else {
          const user = map.get(CM_PARAM.USER)
          if (!(user instanceof Map)) fail(STATUS.MISSING_PARAMETER)
          const userId = user.get('id')
          if (
            !(userId instanceof Uint8Array) ||
            !equalBytes(userId, credential.userId ?? new Uint8Array(0))
          )
            fail(STATUS.INVALID_PARAMETER)
          const name = user.get('name')
          const displayName = user.get('displayName')
          if (typeof name === 'string') credential.userName = name
          else delete credential.userName
          if (typeof displayName === 'string') credential.displayName = displayName
          else delete credential.displayName
        }
        host.persist()
        return new Map()
      }
      default:
        fail(STATUS.INVALID_SUBCOMMAND)
    }
  }

  /**
   * pinUvAuthParam = authenticate(token, subCommand || subCommandParams) with the cm permission;
   * a token bound to an RP serves that RP's credentials only (CTAP 2.1 §6.8.2 to §6.8.6).
   */
  private authorize(
    params: Map<CborKey, CborValue>,
    subCommand: number,
    subParams: Map<CborKey, CborValue> | undefined,
    scope: { allRps?: boolean; rpIdHash?: Uint8Array },
  ): void {
    const { host } = this
    const param = params.get(CM.PIN_UV_AUTH_PARAM)
    if (param === undefined) fail(STATUS.PUAT_REQUIRED)
    if (!(param instanceof Uint8Array)) fail(STATUS.CBOR_UNEXPECTED_TYPE)
    const version = params.get(CM.PIN_UV_AUTH_PROTOCOL)
    if (version === undefined) fail(STATUS.MISSING_PARAMETER)
    const protocol = host.protocol(typeof version === 'number' ? version : undefined)
    const token = host.token()
    const message = subParams
      ? concatBytes(Uint8Array.of(subCommand), encodeCbor(subParams))
      : Uint8Array.of(subCommand)
    if (!token || !protocol.verify(token.token, message, param)) fail(STATUS.PIN_AUTH_INVALID)
    if ((token.permissions & PERMISSION.CREDENTIAL_MANAGEMENT) === 0) fail(STATUS.PIN_AUTH_INVALID)
    if (token.rpId !== undefined) {
      if (scope.allRps) fail(STATUS.PIN_AUTH_INVALID)
      if (scope.rpIdHash && !equalBytes(sha256(token.rpId), scope.rpIdHash))
        fail(STATUS.PIN_AUTH_INVALID)
    }
  }

  private rpEntry(rpIdHash: Uint8Array): Map<CborKey, CborValue> {
    const credential = this.discoverable().find((c) => equalBytes(c.rpIdHash, rpIdHash))
    const rp = new Map<CborKey, CborValue>()
    if (credential?.rpId !== undefined) rp.set('id', credential.rpId)
    return new Map<CborKey, CborValue>([
      [CM_RESPONSE.RP, rp],
      [CM_RESPONSE.RP_ID_HASH, rpIdHash],
    ])
  }

  private credentialEntry(credential: StoredCredential): Map<CborKey, CborValue> {
    return new Map<CborKey, CborValue>([
      [CM_RESPONSE.USER, userOf(credential)],
      [
        CM_RESPONSE.CREDENTIAL_ID,
        new Map<CborKey, CborValue>([
          ['id', credential.id],
          ['type', 'public-key'],
        ]),
      ],
      [CM_RESPONSE.PUBLIC_KEY, publicKeyOf(credential)],
      [CM_RESPONSE.CRED_PROTECT, credential.credProtect ?? 1],
    ])
  }
}
