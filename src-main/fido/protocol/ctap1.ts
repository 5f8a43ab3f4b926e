/**
 * CTAP1/U2F raw messages over CTAPHID_MSG (CTAP 2.1 §11.2.9.1.1, FIDO U2F Raw Message Formats),
 * for keys that speak only U2F. APDUs use ISO 7816-4 extended length encoding (CTAP 2.1 §10.2
 * "Using CTAP1/U2F authenticators from CTAP2 platforms").
 */
import { concatBytes, readUint32BE } from './bytes'
import { CTAPHID } from './ctaphid-frames'
import type { CtapHidConnection } from './ctaphid'
import { sleep } from './ctaphid'
import { ApduStatusError, CtapHidError, FidoProtocolError } from './errors'

/** U2F instruction bytes. */
export const U2F_INS = { REGISTER: 0x01, AUTHENTICATE: 0x02, VERSION: 0x03 } as const

/** U2F_AUTHENTICATE control byte (P1). */
export const U2F_AUTH = {
  ENFORCE_USER_PRESENCE_AND_SIGN: 0x03,
  CHECK_ONLY: 0x07,
  DONT_ENFORCE_USER_PRESENCE_AND_SIGN: 0x08,
} as const

/** ISO 7816-4 status words that U2F uses. */
export const SW = {
  NO_ERROR: 0x9000,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  WRONG_LENGTH: 0x6700,
  CLA_NOT_SUPPORTED: 0x6e00,
  INS_NOT_SUPPORTED: 0x6d00,
  /** ISO 7816-4 "no precise diagnosis": the key failed inside (its storage, for the software key). */
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const

/** First byte of a registration response ("reserved byte [1 byte], which for legacy reasons has the value 0x05"). */
export const U2F_REGISTER_ID = 0x05

export interface Apdu {
  cla: number
  ins: number
  p1: number
  p2: number
  data: Uint8Array
}

/** Extended-length command APDU: CLA INS P1 P2 00 Lc1 Lc2 data Le1 Le2 (Le = 0 means 65536). */
export function encodeApdu(apdu: Apdu): Uint8Array {
  const header = Uint8Array.of(apdu.cla, apdu.ins, apdu.p1, apdu.p2)
  if (apdu.data.length === 0) return concatBytes(header, Uint8Array.of(0x00, 0x00, 0x00))
  if (apdu.data.length > 0xffff) throw new Error('APDU data too long')
  return concatBytes(
    header,
    Uint8Array.of(0x00, (apdu.data.length >>> 8) & 0xff, apdu.data.length & 0xff),
    apdu.data,
    Uint8Array.of(0x00, 0x00),
  )
}

/** Parses a command APDU (extended or short length); used by the virtual key. */
export function decodeApdu(bytes: Uint8Array): Apdu {
  if (bytes.length < 4) throw new ApduStatusError(SW.WRONG_LENGTH, 'APDU shorter than its header')
  const [cla = 0, ins = 0, p1 = 0, p2 = 0] = bytes
  const body = bytes.subarray(4)
  if (body.length === 0) return { cla, ins, p1, p2, data: new Uint8Array(0) }
  if (body[0] === 0x00 && body.length >= 3) {
    const lc = ((body[1] ?? 0) << 8) | (body[2] ?? 0)
    if (lc === 0 && (body.length === 3 || body.length === 5))
      return { cla, ins, p1, p2, data: new Uint8Array(0) }
    if (body.length === 3 + lc || body.length === 5 + lc) {
      return { cla, ins, p1, p2, data: body.subarray(3, 3 + lc) }
    }
  }
  const lc = body[0] ?? 0
  if (body.length === 1 + lc || body.length === 2 + lc)
    return { cla, ins, p1, p2, data: body.subarray(1, 1 + lc) }
  throw new ApduStatusError(SW.WRONG_LENGTH, 'APDU length does not match its Lc')
}

export interface U2fRegistration {
  /** Uncompressed P-256 point (65 bytes). */
  publicKey: Uint8Array
  keyHandle: Uint8Array
  /** DER X.509 attestation certificate. */
  certificate: Uint8Array
  /** DER ECDSA signature over 0x00 || application || challenge || keyHandle || publicKey. */
  signature: Uint8Array
}

export interface U2fSignature {
  userPresence: number
  counter: number
  signature: Uint8Array
}

/** Length of the DER element at the start of bytes (tag, length, value). */
export function derElementLength(bytes: Uint8Array): number {
  if (bytes.length < 2) throw new FidoProtocolError('DER: truncated')
  const first = bytes[1] ?? 0
  if (first < 0x80) return 2 + first
  const count = first & 0x7f
  if (count === 0 || count > 3 || bytes.length < 2 + count)
    throw new FidoProtocolError('DER: bad length')
  let length = 0
  for (let i = 0; i < count; i++) length = (length << 8) | (bytes[2 + i] ?? 0)
  return 2 + count + length
}

/** U2F registration response message. */
export function parseRegistration(data: Uint8Array): U2fRegistration {
  if (data[0] !== U2F_REGISTER_ID || data.length < 67)
    throw new FidoProtocolError('U2F register: bad response')
  const publicKey = data.subarray(1, 66)
  const handleLength = data[66] ?? 0
  const keyHandle = data.subarray(67, 67 + handleLength)
  const rest = data.subarray(67 + handleLength)
  if (keyHandle.length !== handleLength || rest[0] !== 0x30) {
    throw new FidoProtocolError('U2F register: truncated response')
  }
  const certLength = derElementLength(rest)
  if (certLength >= rest.length) throw new FidoProtocolError('U2F register: truncated certificate')
  if (publicKey[0] !== 0x04)
    throw new FidoProtocolError('U2F register: public key is not an uncompressed point')
  return {
    publicKey,
    keyHandle,
    certificate: rest.subarray(0, certLength),
    signature: rest.subarray(certLength),
  }
}

/** U2F authentication response message. */
export function parseSignature(data: Uint8Array): U2fSignature {
  if (data.length < 6) throw new FidoProtocolError('U2F authenticate: truncated response')
  return { userPresence: data[0] ?? 0, counter: readUint32BE(data, 1), signature: data.subarray(5) }
}

export interface Ctap1CallOptions {
  timeoutMs: number
  signal?: AbortSignal
}

export class Ctap1 {
  private readonly connection: CtapHidConnection

  constructor(connection: CtapHidConnection) {
    this.connection = connection
  }

  /** Sends one APDU; returns the response data, or throws ApduStatusError for any SW but 0x9000. */
  async send(apdu: Apdu, options: Ctap1CallOptions): Promise<Uint8Array> {
    const response = await this.connection.call(CTAPHID.MSG, encodeApdu(apdu), options)
    if (response.length < 2) throw new FidoProtocolError('U2F response shorter than a status word')
    const sw = ((response[response.length - 2] ?? 0) << 8) | (response[response.length - 1] ?? 0)
    if (sw !== SW.NO_ERROR) throw new ApduStatusError(sw, `U2F status word 0x${sw.toString(16)}`)
    return response.subarray(0, response.length - 2)
  }

  async version(options: Ctap1CallOptions): Promise<string> {
    const data = await this.send(
      { cla: 0, ins: U2F_INS.VERSION, p1: 0, p2: 0, data: new Uint8Array(0) },
      options,
    )
    return new TextDecoder().decode(data)
  }

  async register(
    challenge: Uint8Array,
    application: Uint8Array,
    options: Ctap1CallOptions,
  ): Promise<U2fRegistration> {
    const data = await this.send(
      { cla: 0, ins: U2F_INS.REGISTER, p1: 0, p2: 0, data: concatBytes(challenge, application) },
      options,
    )
    return parseRegistration(data)
  }

  async authenticate(
    request: {
      challenge: Uint8Array
      application: Uint8Array
      keyHandle: Uint8Array
      control: number
    },
    options: Ctap1CallOptions,
  ): Promise<U2fSignature> {
    const data = await this.send(
      {
        cla: 0,
        ins: U2F_INS.AUTHENTICATE,
        p1: request.control,
        p2: 0,
        data: concatBytes(
          request.challenge,
          request.application,
          Uint8Array.of(request.keyHandle.length),
          request.keyHandle,
        ),
      },
      options,
    )
    return parseSignature(data)
  }

  /** Whether the key handle belongs to this key for this application (check-only answers 0x6985). */
  async isKeyHandleKnown(
    request: { application: Uint8Array; keyHandle: Uint8Array },
    options: Ctap1CallOptions,
  ): Promise<boolean> {
    try {
      await this.authenticate(
        { ...request, challenge: new Uint8Array(32), control: U2F_AUTH.CHECK_ONLY },
        options,
      )
      return true
    } catch (error) {
      if (error instanceof ApduStatusError && error.sw === SW.CONDITIONS_NOT_SATISFIED) return true
      if (error instanceof ApduStatusError && error.sw === SW.WRONG_DATA) return false
      throw error
    }
  }
}

/** How often a U2F request is repeated while the key waits for a touch. */
export const U2F_POLL_MS = 100

export interface UntilTouchedOptions {
  deadline: number
  signal?: AbortSignal
  onTouchNeeded?: () => void
}

/**
 * Repeats a U2F request while the key answers SW_CONDITIONS_NOT_SATISFIED (no touch yet), as U2F
 * keys expect, until it succeeds, the deadline passes or the signal fires.
 */
export async function untilTouched<T>(
  attempt: (options: Ctap1CallOptions) => Promise<T>,
  options: UntilTouchedOptions,
): Promise<T> {
  let announced = false
  for (;;) {
    if (options.signal?.aborted) throw new CtapHidError('cancelled', 'cancelled by the caller')
    const remaining = options.deadline - Date.now()
    if (remaining <= 0)
      throw new CtapHidError('timeout', 'the security key was not touched in time')
    try {
      const callOptions: Ctap1CallOptions = options.signal
        ? { timeoutMs: remaining, signal: options.signal }
        : { timeoutMs: remaining }
      return await attempt(callOptions)
    } catch (error) {
      if (!(error instanceof ApduStatusError) || error.sw !== SW.CONDITIONS_NOT_SATISFIED)
        throw error
      if (!announced) {
        announced = true
        options.onTouchNeeded?.()
      }
      await sleep(Math.min(U2F_POLL_MS, Math.max(0, options.deadline - Date.now())))
    }
  }
}
