/**
 * authenticatorClientPIN from the platform side (CTAP 2.1 §6.5.5): key agreement, PIN retries,
 * getPinToken (protocol 1 era) and getPinUvAuthTokenUsingPinWithPermissions, setPIN, changePIN.
 */
import type { ECDH } from 'node:crypto'
import type { Ctap2, Ctap2CallOptions, AuthenticatorInfo } from './ctap2'
import { CP_SUBCMD } from './ctap2-constants'
import { FidoProtocolError } from './errors'
import {
  createKeyAgreementKey,
  createPinUvAuthProtocol,
  keyAgreementToCose,
  paddedPin,
  pinHash,
  sharedSecret,
} from './pin-protocol'
import type { PinUvAuthProtocol, PinUvAuthProtocolVersion } from './pin-protocol'
import type { CborKey, CborValue } from './cbor'

export interface ClientPinOptions {
  /** The platform's key-agreement key pair, fresh for every exchange by default (tests fix it). */
  platformKey?: () => ECDH
}

interface Agreement {
  platformKey: Map<CborKey, CborValue>
  shared: Uint8Array
}

/** Picks the PIN/UV auth protocol: 2 when offered, else 1 (§6.5.4: platform's preference order). */
export function choosePinProtocol(info: AuthenticatorInfo): PinUvAuthProtocolVersion {
  return info.pinUvAuthProtocols.includes(2) ? 2 : 1
}

/** Whether the authenticator takes getPinUvAuthTokenUsingPinWithPermissions (§6.4 option pinUvAuthToken). */
export function supportsPermissions(info: AuthenticatorInfo): boolean {
  return info.options['pinUvAuthToken'] === true
}

export class ClientPin {
  readonly protocol: PinUvAuthProtocol
  private readonly ctap2: Ctap2
  private readonly platformKey: () => ECDH

  constructor(ctap2: Ctap2, protocol: PinUvAuthProtocol, options: ClientPinOptions = {}) {
    this.ctap2 = ctap2
    this.protocol = protocol
    this.platformKey = options.platformKey ?? ((): ECDH => createKeyAgreementKey())
  }

  static forVersion(
    ctap2: Ctap2,
    version: PinUvAuthProtocolVersion,
    options: ClientPinOptions = {},
  ): ClientPin {
    return new ClientPin(ctap2, createPinUvAuthProtocol(version), options)
  }

  /** getPINRetries (§6.5.5.2). */
  async getRetries(
    options: Ctap2CallOptions,
  ): Promise<{ retries: number; powerCycleState?: boolean }> {
    const response = await this.ctap2.clientPin(
      { pinUvAuthProtocol: this.protocol.version, subCommand: CP_SUBCMD.GET_PIN_RETRIES },
      options,
    )
    if (response.pinRetries === undefined)
      throw new FidoProtocolError('getPINRetries: no pinRetries')
    return response.powerCycleState === undefined
      ? { retries: response.pinRetries }
      : { retries: response.pinRetries, powerCycleState: response.powerCycleState }
  }

  /** getKeyAgreement (§6.5.5.3), then ECDH with a platform key pair (§6.5.6 encapsulate). */
  private async agree(options: Ctap2CallOptions): Promise<Agreement> {
    const response = await this.ctap2.clientPin(
      { pinUvAuthProtocol: this.protocol.version, subCommand: CP_SUBCMD.GET_KEY_AGREEMENT },
      options,
    )
    if (!response.keyAgreement) throw new FidoProtocolError('getKeyAgreement: no keyAgreement')
    const own = this.platformKey()
    return {
      platformKey: keyAgreementToCose(own),
      shared: sharedSecret(this.protocol, own, response.keyAgreement),
    }
  }

  private decryptToken(shared: Uint8Array, encrypted: Uint8Array | undefined): Uint8Array {
    if (!encrypted) throw new FidoProtocolError('clientPIN: no pinUvAuthToken')
    const token = this.protocol.decrypt(shared, encrypted)
    if (token.length === 0 || token.length % 16 !== 0) {
      throw new FidoProtocolError('clientPIN: pinUvAuthToken of invalid length')
    }
    return token
  }

  /** getPinToken (§6.5.5.7.1, superseded but the only way on CTAP 2.0 keys). */
  async getPinToken(pin: string, options: Ctap2CallOptions): Promise<Uint8Array> {
    const { platformKey, shared } = await this.agree(options)
    const response = await this.ctap2.clientPin(
      {
        pinUvAuthProtocol: this.protocol.version,
        subCommand: CP_SUBCMD.GET_PIN_TOKEN,
        keyAgreement: platformKey,
        pinHashEnc: this.protocol.encrypt(shared, pinHash(pin)),
      },
      options,
    )
    return this.decryptToken(shared, response.pinUvAuthToken)
  }

  /** getPinUvAuthTokenUsingPinWithPermissions (§6.5.5.7.2). */
  async getPinUvAuthTokenUsingPinWithPermissions(
    pin: string,
    permissions: { permissions: number; rpId?: string },
    options: Ctap2CallOptions,
  ): Promise<Uint8Array> {
    const { platformKey, shared } = await this.agree(options)
    const request = {
      pinUvAuthProtocol: this.protocol.version,
      subCommand: CP_SUBCMD.GET_PIN_UV_AUTH_TOKEN_USING_PIN_WITH_PERMISSIONS,
      keyAgreement: platformKey,
      pinHashEnc: this.protocol.encrypt(shared, pinHash(pin)),
      permissions: permissions.permissions,
    }
    const response = await this.ctap2.clientPin(
      permissions.rpId === undefined ? request : { ...request, rpId: permissions.rpId },
      options,
    )
    return this.decryptToken(shared, response.pinUvAuthToken)
  }

  /** setPIN (§6.5.5.5). */
  async setPin(pin: string, options: Ctap2CallOptions): Promise<void> {
    const { platformKey, shared } = await this.agree(options)
    const newPinEnc = this.protocol.encrypt(shared, paddedPin(pin))
    await this.ctap2.clientPin(
      {
        pinUvAuthProtocol: this.protocol.version,
        subCommand: CP_SUBCMD.SET_PIN,
        keyAgreement: platformKey,
        newPinEnc,
        pinUvAuthParam: this.protocol.authenticate(shared, newPinEnc),
      },
      options,
    )
  }

  /** changePIN (§6.5.5.6). */
  async changePin(currentPin: string, newPin: string, options: Ctap2CallOptions): Promise<void> {
    const { platformKey, shared } = await this.agree(options)
    const newPinEnc = this.protocol.encrypt(shared, paddedPin(newPin))
    const pinHashEnc = this.protocol.encrypt(shared, pinHash(currentPin))
    const message = new Uint8Array(newPinEnc.length + pinHashEnc.length)
    message.set(newPinEnc)
    message.set(pinHashEnc, newPinEnc.length)
    await this.ctap2.clientPin(
      {
        pinUvAuthProtocol: this.protocol.version,
        subCommand: CP_SUBCMD.CHANGE_PIN,
        keyAgreement: platformKey,
        newPinEnc,
        pinHashEnc,
        pinUvAuthParam: this.protocol.authenticate(shared, message),
      },
      options,
    )
  }
}
