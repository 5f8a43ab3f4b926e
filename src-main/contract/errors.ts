/**
 * The closed set of error codes that cross the boundary between main and the
 * renderer. The renderer turns each code (and its parameters) into a French or
 * English sentence; the message files are typed against this list, so a code
 * without a translation fails the type check.
 */

export const ERROR_CODES = [
  // input and protocol
  'VALIDATION', // the payload does not match the method's schema
  'UNKNOWN_METHOD',
  'FORBIDDEN', // web host: wrong Host, Origin or per-launch secret
  'INTERNAL', // unexpected failure in main; details are logged, never sent
  'SERVICE_UNAVAILABLE', // the account store cannot be reached
  // password stage
  'INVALID_CREDENTIALS', // unknown address or wrong password: one answer for both
  'ACCOUNT_LOCKED', // params.retryAfterSeconds
  'ACCOUNT_DISABLED',
  'PASSWORD_REJECTED', // params.reason: PasswordRejection
  'TEMP_PASSWORD_EXPIRED', // IT's temporary password is older than 24 h: ask IT for a new one
  'PASSWORD_CHANGE_REQUIRED', // signed in with a temporary password: choose one first
  'EMAIL_TAKEN',
  // second factor
  'CODE_INVALID', // params.attemptsLeft (e-mailed codes: tries of this code; app codes: tries before a wait)
  'CODE_EXPIRED',
  'CODE_REPLAYED', // an authenticator-app code whose time step was already used
  'CODE_REPLACED', // an e-mailed code of this sign-in that « Renvoyer un code » replaced
  'CODE_ATTEMPTS_EXHAUSTED', // 5 wrong tries on one e-mailed code: ask for a new one
  'CODE_QUOTA_EXCEEDED', // params.retryAfterSeconds: 5 e-mailed codes an hour
  'EMAIL_CODE_NOT_ALLOWED', // an app is enrolled: e-mailed codes are refused
  'MAIL_UNAVAILABLE', // the mail server is down or refused the message
  // state
  'NO_PENDING_SIGN_IN', // the sign-in was not started or has expired
  'NOT_SIGNED_IN',
  'ENROLLMENT_REQUIRED', // policy first-sign-in-only: enroll a factor first
  'NO_PENDING_ENROLLMENT', // confirm without begin, or the QR code expired
  'SETUP_ALREADY_DONE', // first-start screen after an account exists
  'APP_NOT_ENROLLED',
  'STEP_UP_REQUIRED', // the second factor was checked more than 5 minutes ago: check it again
  'RECOVERY_CODE_INVALID', // wrong, used or voided recovery code
  'NO_RECOVERY_CODES',
  'NO_PENDING_ADDRESS_CHANGE',
  // security keys
  'FIDO_NO_DEVICE',
  'FIDO_PIN_REQUIRED',
  'FIDO_PIN_NOT_SET',
  'FIDO_PIN_INVALID', // params.attemptsLeft
  'FIDO_PIN_BLOCKED',
  'FIDO_PIN_AUTH_BLOCKED', // 3 wrong PINs in a row: unplug and replug the key
  'FIDO_PIN_POLICY', // the key refused the new PIN by its own rules (CTAP2_ERR_PIN_POLICY_VIOLATION)
  'FIDO_PIN_ALREADY_SET', // « Choisir un code PIN » on a key that has one (another key was plugged)
  'FIDO_PIN_UNSUPPORTED', // the key cannot have a PIN (U2F only)
  'FIDO_CREDENTIAL_EXCLUDED', // this key is already registered
  'FIDO_NO_CREDENTIALS', // the key holds no credential for this account/terminal
  'FIDO_KEY_NOT_ALLOWED', // the model is not on IT's allow-list
  'FIDO_KEY_REFUSED', // signature counter went backwards, or verification failed
  'FIDO_TIMEOUT', // the key was not touched in time
  'FIDO_NO_RESPONSE', // the key stopped answering (no answer at all, even after one retry)
  'FIDO_CANCELLED',
  'FIDO_DEVICE_ERROR',
  'KEY_NOT_FOUND',
  'KEY_PIN_REJECTED', // a new key PIN: params.reason too-short (params.minLength) or too-long
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export const PASSWORD_REJECTIONS = [
  'too-short',
  'too-long',
  'too-common',
  'contains-email',
  'contains-product',
] as const
export type PasswordRejection = (typeof PASSWORD_REJECTIONS)[number]

export interface ErrorParams {
  retryAfterSeconds?: number
  attemptsLeft?: number
  reason?: PasswordRejection
  /** For KEY_PIN_REJECTED too-short: the key's shortest PIN, in characters. */
  minLength?: number
  /** For VALIDATION: the path of the first offending field, e.g. "email". */
  field?: string
}

export interface ContractError {
  code: ErrorCode
  params?: ErrorParams
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError }

export function ok<T>(value: T): Result<T> {
  return { ok: true, value }
}

export function fail<T = never>(code: ErrorCode, params?: ErrorParams): Result<T> {
  return params ? { ok: false, error: { code, params } } : { ok: false, error: { code } }
}

/** Makes a switch exhaustive: the compiler refuses a call with a value that is not `never`. */
export function missingCaseError(x: never): Error {
  return new TypeError(`Unhandled case: ${String(x)}`)
}
