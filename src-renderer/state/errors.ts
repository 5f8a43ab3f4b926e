// Turns a contract error into the keys of its sentence: the message itself, the
// extras built from its parameters (attempts left, the password rule, the field to
// check), and whether it holds a `{wait}` countdown. Never the code, never a stack.

import type { ContractError } from '../../src-main/contract/errors'

export type CodeSource = 'email' | 'app'
/** Where a security-key operation happens: the same code may need another next step. */
export type KeyContext = 'register' | 'keySignIn' | 'passwordless' | 'stepUp' | 'changeKeyPin'
/** Where any error happens, when the same code needs another sentence there. */
export type ErrorContext = KeyContext | 'changePassword' | 'choosePassword' | 'addressChange'

/** Codes whose sentence holds `{wait}`, filled from `retryAfterSeconds`. */
const WAIT_CODES: ReadonlySet<string> = new Set(['ACCOUNT_LOCKED', 'CODE_QUOTA_EXCEEDED'])
/** Codes with an app-specific next step. */
const APP_CODES: ReadonlySet<string> = new Set(['CODE_INVALID', 'CODE_EXPIRED'])
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'email',
  'password',
  'name',
  'code',
  'deviceName',
  'pin',
  'current',
  'next',
])
/** Fewer PIN retries than this left: warn that the key's PIN is about to block. */
const PIN_WARNING_ATTEMPTS = 3

export interface ErrorDescription {
  /** The sentence's message key. */
  key: string
  /** The sentence holds `{wait}`: fill it with a countdown from `retryAfterSeconds`. */
  hasWait: boolean
  /** Further sentences, already translated. */
  extras: string[]
}

export interface DescribeOptions {
  t: (key: string, params?: Record<string, unknown>) => string
  has: (key: string) => boolean
  /** Where the code being checked comes from, when it matters for the next step. */
  source?: CodeSource
  /** Where the error happened, when it changes the sentence or the next step. */
  context?: ErrorContext
  /** The kiosk's configured name (Status.issuer), named by the password rule it breaks. */
  issuer?: string
}

export function describeError(error: ContractError, options: DescribeOptions): ErrorDescription {
  const { t, has, source, context, issuer } = options
  // An unknown code (a newer main process) still reads as a sentence.
  const code = has(`errors.${error.code}`) ? error.code : 'INTERNAL'
  const key =
    context && has(`errorsKey.${context}.${code}`)
      ? `errorsKey.${context}.${code}`
      : context && has(`errorsAt.${context}.${code}`)
        ? `errorsAt.${context}.${code}`
        : source === 'app' && APP_CODES.has(code)
          ? `errorsApp.${code}`
          : `errors.${code}`
  const params = error.params ?? {}
  const extras: string[] = []
  if (code === 'PASSWORD_REJECTED' && params.reason && has(`passwordRejection.${params.reason}`)) {
    extras.push(t(`passwordRejection.${params.reason}`, { issuer: issuer ?? '' }))
  }
  if (code === 'KEY_PIN_REJECTED' && params.reason && has(`keyPinRejection.${params.reason}`)) {
    extras.push(t(`keyPinRejection.${params.reason}`, { minLength: params.minLength ?? 4 }))
  }
  if (typeof params.attemptsLeft === 'number' && code !== 'INTERNAL') {
    extras.push(t('errorExtra.attemptsLeft', { attemptsLeft: params.attemptsLeft }))
    if (code === 'FIDO_PIN_INVALID' && params.attemptsLeft <= PIN_WARNING_ATTEMPTS) {
      extras.push(t('errorExtra.pinLastAttempts'))
    }
  }
  if (code === 'VALIDATION' && params.field) {
    const field = params.field.split('.')[0] ?? ''
    if (KNOWN_FIELDS.has(field)) {
      // A key's name is « Nom de la clé », not the clerk's name; the address being
      // changed to is the new one.
      const label =
        context === 'register' && field === 'name'
          ? 'keyName'
          : context === 'addressChange' && field === 'email'
            ? 'newEmail'
            : field
      extras.push(t('errorExtra.field', { field: t(`fields.${label}`) }))
    }
  }
  return { key, hasWait: WAIT_CODES.has(code), extras }
}
