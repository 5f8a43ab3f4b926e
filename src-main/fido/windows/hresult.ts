/**
 * HRESULTs of webauthn.dll → the client's closed FidoErrorCode set, so that the kiosk shows the
 * same French messages as with the HID back end (client-errors.ts does the same for CTAP2
 * statuses). The names and their W3C DOMException classes are those webauthn.h lists above
 * WebAuthNGetErrorName.
 */
import { FidoError } from '../client/errors'
import type { FidoErrorCode } from '../client/errors'

/** HRESULT_FROM_WIN32(code) for a Win32 error code. */
function fromWin32(code: number): number {
  return (0x80070000 | code) >>> 0
}

export const HRESULT = {
  S_OK: 0,
  E_INVALIDARG: 0x80070057,
  /** InvalidStateError: the key already holds one of the excluded credentials. */
  NTE_EXISTS: 0x8009000f,
  /** NotAllowedError: no credential (of the allow list, or discoverable) on the key. */
  NTE_NOT_FOUND: 0x80090011,
  NTE_TOKEN_KEYSET_STORAGE_FULL: 0x80090023,
  /** NotSupportedError. */
  NTE_INVALID_PARAMETER: 0x80090027,
  NTE_NOT_SUPPORTED: 0x80090029,
  NTE_DEVICE_NOT_FOUND: 0x80090035,
  /** NotAllowedError: the user closed the Windows dialog, or the operation was cancelled. */
  NTE_USER_CANCELLED: 0x80090036,
  ERROR_NOT_SUPPORTED: fromWin32(50),
  ERROR_CANCELLED: fromWin32(1223),
  ERROR_TIMEOUT: fromWin32(1460),
} as const

export function hresultHex(hr: number): string {
  return `0x${(hr >>> 0).toString(16).padStart(8, '0')}`
}

export type WindowsOperation = 'makeCredential' | 'getAssertion'

/**
 * The client error code for a failed call. `cancelledBy` says who cancelled the operation, if we
 * did (WebAuthNCancelCurrentOperation): the clerk's « Annuler » or our own deadline.
 */
export function fidoErrorCodeForHresult(
  hr: number,
  cancelledBy?: 'caller' | 'deadline',
): FidoErrorCode {
  const code = hr >>> 0
  switch (code) {
    case HRESULT.NTE_EXISTS:
      return 'FIDO_CREDENTIAL_EXCLUDED'
    case HRESULT.NTE_NOT_FOUND:
      return 'FIDO_NO_CREDENTIALS'
    case HRESULT.NTE_DEVICE_NOT_FOUND:
      return 'FIDO_NO_DEVICE'
    case HRESULT.ERROR_TIMEOUT:
      return 'FIDO_TIMEOUT'
    case HRESULT.NTE_USER_CANCELLED:
    case HRESULT.ERROR_CANCELLED:
      return cancelledBy === 'deadline' ? 'FIDO_TIMEOUT' : 'FIDO_CANCELLED'
    default:
      // NotSupportedError / ConstraintError (NTE_INVALID_PARAMETER, NTE_NOT_SUPPORTED,
      // ERROR_NOT_SUPPORTED, NTE_TOKEN_KEYSET_STORAGE_FULL), E_INVALIDARG and UnknownError:
      // the key or Windows refused the request itself.
      return 'FIDO_DEVICE_ERROR'
  }
}

export function fidoErrorOfHresult(options: {
  hr: number
  operation: WindowsOperation
  errorName?: string | undefined
  cancelledBy?: 'caller' | 'deadline' | undefined
}): FidoError {
  const name = options.errorName ? ` ${options.errorName}` : ''
  return new FidoError(
    fidoErrorCodeForHresult(options.hr, options.cancelledBy),
    `webauthn.dll ${options.operation}: ${hresultHex(options.hr)}${name}`,
  )
}
