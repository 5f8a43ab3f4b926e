/**
 * The engine's numbers: how many tries, how long things live. One place, so a
 * reviewer reads the policy without reading the code that applies it.
 */

import { LIMITS } from '../contract/methods'
import type { ThrottlePolicy } from '../store/types'

/** 5 failures free, then 30 s doubling up to 15 min; forgotten after a quiet day. */
export const THROTTLE_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseWaitMs: 30_000,
  maxWaitMs: 15 * 60_000,
  forgetAfterMs: 24 * 3600_000,
}
export const EMAIL_CODE_MAX_TRIES = LIMITS.emailCodeMaxTries
export const EMAIL_CODES_PER_HOUR = 5
export const ENROLLMENT_TTL_MS = 10 * 60_000
export const ENROLLMENT_MAX_TRIES = LIMITS.enrollmentMaxTries
/** A key challenge is single use and lives 2 minutes. */
export const KEY_CHALLENGE_TTL_MS = 2 * 60_000
/** Clock readings this far apart are the same moment (NTP slews, not jumps). */
export const CLOCK_TOLERANCE_MS = 5_000
/** Sensitive changes need a second factor checked within this window (step-up). */
export const STEP_UP_WINDOW_MS = LIMITS.stepUpWindowSeconds * 1000
/** The « Toujours là ? » warning after idleLockSeconds; the engine waits it out too. */
export const IDLE_WARNING_MS = 30_000
/** How often the engine looks for a session past its lifetime, with no call from the page. */
export const SESSION_SWEEP_MS = 5_000
/**
 * After an e-mailed code expires, the sign-in waits this long for « Renvoyer
 * un code » (the code itself no longer works); then the password again.
 */
export const RESEND_GRACE_MS = 2 * 60_000
/** How long a key operation waits for the clerk's touch. */
export const KEY_TOUCH_TIMEOUT_MS = 30_000
