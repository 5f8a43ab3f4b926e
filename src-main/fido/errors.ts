/**
 * Errors of the FIDO stack.
 *
 * Lower layers throw precise errors (CtapHidError for the CTAPHID layer, CtapStatusError for a
 * CTAP2 status byte, ApduStatusError for a CTAP1/U2F status word). The client translates them
 * once, at its boundary, into FidoError with a closed set of codes (as python-fido2's
 * `_ctap2client_err` does), which is all the engine and the screens ever see.
 */

export type FidoErrorCode =
  | 'FIDO_NO_DEVICE'
  | 'FIDO_PIN_REQUIRED'
  | 'FIDO_PIN_NOT_SET'
  | 'FIDO_PIN_INVALID'
  | 'FIDO_PIN_BLOCKED'
  | 'FIDO_PIN_AUTH_BLOCKED'
  | 'FIDO_CREDENTIAL_EXCLUDED'
  | 'FIDO_NO_CREDENTIALS'
  | 'FIDO_TIMEOUT'
  | 'FIDO_CANCELLED'
  | 'FIDO_DEVICE_ERROR'

export const FIDO_ERROR_CODES: readonly FidoErrorCode[] = [
  'FIDO_NO_DEVICE',
  'FIDO_PIN_REQUIRED',
  'FIDO_PIN_NOT_SET',
  'FIDO_PIN_INVALID',
  'FIDO_PIN_BLOCKED',
  'FIDO_PIN_AUTH_BLOCKED',
  'FIDO_CREDENTIAL_EXCLUDED',
  'FIDO_NO_CREDENTIALS',
  'FIDO_TIMEOUT',
  'FIDO_CANCELLED',
  'FIDO_DEVICE_ERROR',
]

export class FidoError extends Error {
  readonly code: FidoErrorCode
  readonly attemptsLeft?: number

  constructor(
    code: FidoErrorCode,
    message: string,
    options: { attemptsLeft?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'FidoError'
    this.code = code
    if (options.attemptsLeft !== undefined) this.attemptsLeft = options.attemptsLeft
  }
}

/** What went wrong below CTAP2: the transport or the CTAPHID framing (CTAP 2.1 §11.2). */
export type CtapHidFailure =
  | 'timeout' // nothing (or nothing valid) arrived before the deadline
  | 'cancelled' // the caller's AbortSignal fired
  | 'disconnected' // the device went away (read/write failed, transport closed)
  | 'protocol' // malformed frames, wrong sequence, oversized length, unexpected command
  | 'device-error' // the device answered CTAPHID_ERROR

export class CtapHidError extends Error {
  readonly failure: CtapHidFailure
  /** The CTAPHID_ERROR code, for failure === 'device-error' (CTAP 2.1 §11.2.9.1.6). */
  readonly hidError?: number

  constructor(
    failure: CtapHidFailure,
    message: string,
    options: { hidError?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CtapHidError'
    this.failure = failure
    if (options.hidError !== undefined) this.hidError = options.hidError
  }
}

/** A CTAP2 response whose status byte is not CTAP2_OK (CTAP 2.1 §8.2), or a malformed body. */
export class CtapStatusError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.name = 'CtapStatusError'
    this.status = status
  }
}

/** A CTAP1/U2F response whose status word is not SW_NO_ERROR (CTAP 2.1 §11.2.x / U2F raw messages). */
export class ApduStatusError extends Error {
  readonly sw: number

  constructor(sw: number, message: string) {
    super(message)
    this.name = 'ApduStatusError'
    this.sw = sw
  }
}

/** Malformed data from the authenticator above the framing (CBOR, authenticator data, APDU body). */
export class FidoProtocolError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'FidoProtocolError'
  }
}
