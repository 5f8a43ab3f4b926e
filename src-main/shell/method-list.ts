/**
 * The contract's method and event names as plain strings, for the preload.
 * The preload is sandboxed and must stay small: importing `METHOD_NAMES` from
 * the contract would bundle zod into it, so the names are listed here, in a
 * table the compiler checks against the contract's types (type-only imports):
 * a method missing from the table, or one the contract does not have, fails
 * `tsc`. test/unit/shell/contract.test.ts checks the same thing at run time.
 */

import type { EventName, MethodName } from '../contract/methods'

const METHOD_TABLE = {
  getStatus: true,
  beginSetup: true,
  confirmSetup: true,
  signIn: true,
  resendCode: true,
  verifyCode: true,
  cancelSignIn: true,
  signOut: true,
  stillHere: true,
  setLanguage: true,
  listFactors: true,
  beginAppEnrollment: true,
  confirmAppEnrollment: true,
  removeApp: true,
  registerKey: true,
  removeKey: true,
  signInWithKey: true,
  signInPasswordless: true,
  choosePasswordlessAccount: true,
  cancelKeyOperation: true,
  inspectKey: true,
  setKeyPin: true,
  changeKeyPin: true,
  useRecoveryCode: true,
  issueRecoveryCodes: true,
  changePassword: true,
  beginAddressChange: true,
  confirmAddressChange: true,
  beginStepUp: true,
  stepUp: true,
  stepUpWithKey: true,
} as const satisfies Record<MethodName, true>

const EVENT_TABLE = {
  keyStatus: true,
} as const satisfies Record<EventName, true>

/** Every contract method, in the contract's order. */
export const SHELL_METHOD_NAMES: readonly MethodName[] = Object.freeze(
  Object.keys(METHOD_TABLE) as MethodName[],
)

/** Every main → renderer event. */
export const SHELL_EVENT_NAMES: readonly EventName[] = Object.freeze(
  Object.keys(EVENT_TABLE) as EventName[],
)

export function isShellEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(EVENT_TABLE, name)
}
