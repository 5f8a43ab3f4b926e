/**
 * The virtual key's CTAP1/U2F side (FIDO U2F Raw Message Formats; CTAP 2.1 §11.2.9.1.1):
 * U2F_REGISTER with the key's self-signed attestation certificate, U2F_AUTHENTICATE with the
 * three control bytes, U2F_VERSION. Answers an APDU with response data and a status word.
 */
import { generateKeyPairSync, randomBytes, sign, timingSafeEqual } from 'node:crypto'
import { concatBytes, uint16BE, uint32BE } from '../protocol/bytes'
import { SW, U2F_AUTH, U2F_INS, U2F_REGISTER_ID, decodeApdu } from '../protocol/ctap1'
import { ApduStatusError } from '../protocol/errors'
import { StateWriteError } from './state'
import type { VirtualKeyState } from './state'

export interface VirtualU2fOptions {
  state: VirtualKeyState
  persist: () => void
  /** Whether the user has touched the key (U2F keys latch a touch, the host polls). */
  consumeUserPresence: () => boolean
}

const KEY_HANDLE_LENGTH = 64

function status(sw: number): Uint8Array {
  return uint16BE(sw)
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

export class VirtualU2f {
  private readonly options: VirtualU2fOptions

  constructor(options: VirtualU2fOptions) {
    this.options = options
  }

  handle(request: Uint8Array): Uint8Array {
    try {
      const apdu = decodeApdu(request)
      if (apdu.cla !== 0) return status(SW.CLA_NOT_SUPPORTED)
      switch (apdu.ins) {
        case U2F_INS.VERSION:
          if (apdu.data.length !== 0) return status(SW.WRONG_LENGTH)
          return concatBytes(new TextEncoder().encode('U2F_V2'), status(SW.NO_ERROR))
        case U2F_INS.REGISTER:
          return this.register(apdu.data)
        case U2F_INS.AUTHENTICATE:
          return this.authenticate(apdu.p1, apdu.data)
        default:
          return status(SW.INS_NOT_SUPPORTED)
      }
    } catch (error) {
      if (error instanceof ApduStatusError) return status(error.sw)
      // The state file could not be written: an error status, and the key stays up.
      if (error instanceof StateWriteError) return status(SW.NO_PRECISE_DIAGNOSIS)
      throw error
    }
  }

  /** U2F_REGISTER: challenge (32) | application (32). */
  private register(data: Uint8Array): Uint8Array {
    if (data.length !== 64) return status(SW.WRONG_LENGTH)
    if (!this.options.consumeUserPresence()) return status(SW.CONDITIONS_NOT_SATISFIED)
    const challenge = data.subarray(0, 32)
    const application = data.slice(32, 64)
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const point = concatBytes(
      Uint8Array.of(0x04),
      new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url')),
      new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url')),
    )
    const keyHandle = new Uint8Array(randomBytes(KEY_HANDLE_LENGTH))
    const state = this.options.state
    const credential = {
      id: keyHandle,
      rpIdHash: application,
      privateKey,
      discoverable: false,
      created: state.nextCreated++,
    }
    state.credentials.push(credential)
    try {
      this.options.persist()
    } catch (error) {
      state.credentials = state.credentials.filter((other) => other !== credential)
      throw error
    }
    const signed = concatBytes(Uint8Array.of(0x00), application, challenge, keyHandle, point)
    const signature = new Uint8Array(sign('sha256', signed, state.attestation.privateKey))
    return concatBytes(
      Uint8Array.of(U2F_REGISTER_ID),
      point,
      Uint8Array.of(keyHandle.length),
      keyHandle,
      state.attestation.certificate,
      signature,
      status(SW.NO_ERROR),
    )
  }

  /** U2F_AUTHENTICATE: challenge (32) | application (32) | L | key handle (L). */
  private authenticate(control: number, data: Uint8Array): Uint8Array {
    if (data.length < 65 || data.length !== 65 + (data[64] ?? 0)) return status(SW.WRONG_LENGTH)
    const challenge = data.subarray(0, 32)
    const application = data.subarray(32, 64)
    const keyHandle = data.subarray(65)
    const state = this.options.state
    const credential = state.credentials.find(
      (c) => equalBytes(c.id, keyHandle) && equalBytes(c.rpIdHash, application),
    )
    if (!credential) return status(SW.WRONG_DATA)
    let userPresence: number
    switch (control) {
      case U2F_AUTH.CHECK_ONLY:
        return status(SW.CONDITIONS_NOT_SATISFIED)
      case U2F_AUTH.ENFORCE_USER_PRESENCE_AND_SIGN:
        if (!this.options.consumeUserPresence()) return status(SW.CONDITIONS_NOT_SATISFIED)
        userPresence = 0x01
        break
      case U2F_AUTH.DONT_ENFORCE_USER_PRESENCE_AND_SIGN:
        userPresence = 0x00
        break
      default:
        return status(SW.WRONG_DATA)
    }
    state.signCount += 1
    this.options.persist()
    const counter = uint32BE(state.signCount)
    const signed = concatBytes(application, Uint8Array.of(userPresence), counter, challenge)
    const signature = new Uint8Array(sign('sha256', signed, credential.privateKey))
    return concatBytes(Uint8Array.of(userPresence), counter, signature, status(SW.NO_ERROR))
  }
}
