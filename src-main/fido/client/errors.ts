/**
 * Client errors: FidoError with its closed code set, and the one place where errors of the lower
 * layers become client errors, as python-fido2's `_ctap2client_err` does.
 */
import { STATUS, statusName } from '../protocol/ctap2-constants'
import {
  ApduStatusError,
  CtapHidError,
  CtapStatusError,
  FidoProtocolError,
} from '../protocol/errors'

/**
 * The closed set of client error codes: all the engine and the screens ever see of the FIDO
 * stack. The list is the source; the type is derived from it (as src-main/contract/errors.ts).
 */
export const FIDO_ERROR_CODES = [
  'FIDO_NO_DEVICE',
  'FIDO_PIN_REQUIRED',
  'FIDO_PIN_NOT_SET',
  'FIDO_PIN_INVALID',
  'FIDO_PIN_BLOCKED',
  'FIDO_PIN_AUTH_BLOCKED',
  /** The key refused a new PIN by its own rules (CTAP2_ERR_PIN_POLICY_VIOLATION, §6.5.5.5). */
  'FIDO_PIN_POLICY',
  /** setPIN on a key that already has a PIN (§6.5.5.5: the key answers PIN_AUTH_INVALID). */
  'FIDO_PIN_ALREADY_SET',
  /** The key cannot have a PIN (U2F only, or no clientPin option in getInfo, §6.4). */
  'FIDO_PIN_UNSUPPORTED',
  'FIDO_CREDENTIAL_EXCLUDED',
  'FIDO_NO_CREDENTIALS',
  'FIDO_TIMEOUT',
  'FIDO_NO_RESPONSE',
  'FIDO_CANCELLED',
  'FIDO_DEVICE_ERROR',
] as const

export type FidoErrorCode = (typeof FIDO_ERROR_CODES)[number]

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

/** CTAP2 status → client error code (CTAP 2.1 §8.2). */
export function fidoErrorCodeForStatus(status: number): FidoErrorCode {
  switch (status) {
    case STATUS.PIN_INVALID:
      return 'FIDO_PIN_INVALID'
    case STATUS.PIN_POLICY_VIOLATION:
      return 'FIDO_PIN_POLICY'
    case STATUS.PIN_BLOCKED:
      return 'FIDO_PIN_BLOCKED'
    case STATUS.PIN_AUTH_BLOCKED:
      return 'FIDO_PIN_AUTH_BLOCKED'
    case STATUS.PIN_NOT_SET:
      return 'FIDO_PIN_NOT_SET'
    case STATUS.PUAT_REQUIRED:
      return 'FIDO_PIN_REQUIRED'
    case STATUS.CREDENTIAL_EXCLUDED:
      return 'FIDO_CREDENTIAL_EXCLUDED'
    case STATUS.NO_CREDENTIALS:
      return 'FIDO_NO_CREDENTIALS'
    case STATUS.TIMEOUT:
    case STATUS.USER_ACTION_TIMEOUT:
    case STATUS.ACTION_TIMEOUT:
      return 'FIDO_TIMEOUT'
    case STATUS.KEEPALIVE_CANCEL:
    case STATUS.OPERATION_DENIED:
      return 'FIDO_CANCELLED'
    default:
      return 'FIDO_DEVICE_ERROR'
  }
}

export function toFidoError(error: unknown): FidoError {
  if (error instanceof FidoError) return error
  if (error instanceof CtapHidError) {
    switch (error.failure) {
      case 'timeout':
        return new FidoError('FIDO_TIMEOUT', error.message, { cause: error })
      case 'no-response':
        return new FidoError(
          'FIDO_NO_RESPONSE',
          `the security key does not answer: ${error.message}`,
          {
            cause: error,
          },
        )
      case 'cancelled':
        return new FidoError('FIDO_CANCELLED', error.message, { cause: error })
      case 'disconnected':
        return new FidoError('FIDO_NO_DEVICE', `the security key went away: ${error.message}`, {
          cause: error,
        })
      case 'protocol':
      case 'device-error':
        return new FidoError('FIDO_DEVICE_ERROR', error.message, { cause: error })
    }
  }
  if (error instanceof CtapStatusError) {
    return new FidoError(
      fidoErrorCodeForStatus(error.status),
      `authenticator: ${statusName(error.status)}`,
      {
        cause: error,
      },
    )
  }
  if (error instanceof ApduStatusError || error instanceof FidoProtocolError) {
    return new FidoError('FIDO_DEVICE_ERROR', error.message, { cause: error })
  }
  return new FidoError('FIDO_DEVICE_ERROR', 'unexpected error in the security key stack', {
    cause: error,
  })
}
