/**
 * The terminal's one session: nobody, a sign-in waiting for its second step,
 * or a signed-in clerk. Ending it (sign-out, idle lock, the next person's
 * sign-in) also drops a pending enrollment and aborts a key operation, so
 * nothing of one clerk is left for the next.
 *
 * The engine owns the session's lifetime, not the page: a signed-in session
 * ends after idleLockSeconds + the 30 s warning without a call from the page
 * (any contract call but getStatus, or `stillHere` from the idle dialog), and
 * after sessionMaxMinutes whatever happens; a sign-in waiting for its second
 * step ends with its code's lifetime. `expireSession` applies this at every
 * call and, with no call at all (a closed page), on a timer; each expiry is
 * audited as `session-expired`. A new page never inherits a session: the web
 * host and the Electron shell call `pageAttached` (engine.reset) first.
 */

import { fail, ok, type Result } from '../contract/errors'
import type { Factor, SessionView } from '../contract/methods'
import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { KeyRecord, UserRecord } from '../store/types'
import type { EngineContext } from './context'
import { CLOCK_TOLERANCE_MS, IDLE_WARNING_MS, STEP_UP_WINDOW_MS } from './policy'

export interface PendingSignIn {
  kind: 'pending'
  userId: number
  email: string
  attemptId: string
  factor: 'email' | 'app' | 'key'
  sentAt: number | null
  expiresAt: number | null
  /** The pending sign-in is dropped after this (epoch ms), or if the clock goes back before `startedAt`. */
  validUntil: number
  startedAt: number
  /** The MACs of this attempt's e-mailed codes that « Renvoyer un code » replaced. */
  replacedMacs?: Uint8Array[]
}

export interface SignedIn {
  kind: 'signed-in'
  userId: number
  factor: Factor
  /** When the second factor was last checked (step-up uses it). */
  secondFactorAt: number
  /** When the sign-in completed (sessionMaxMinutes counts from here). */
  startedAt: number
  /** The page's last call (idleLockSeconds + the warning count from here). */
  lastActivityAt: number
  mustEnroll: boolean
  mustChangePassword: boolean
  checkFactors: boolean
  /**
   * A step-up in progress: which factor, the attempt its e-mailed code is bound
   * to, and the MACs of that attempt's codes a resend replaced.
   */
  stepUp?: { factor: 'email' | 'app' | 'key'; attemptId: string; replacedMacs?: Uint8Array[] }
}

export type Session = { kind: 'none' } | PendingSignIn | SignedIn

export interface PendingEnrollment {
  secret: string
  expiresAt: number
  tries: number
}

export interface PendingSetup extends PendingEnrollment {
  email: string
  name: string
  passwordHash: string
}

/** A passkey of this kiosk that the key signed with, and whose it is. */
export interface PasskeyCandidate {
  key: KeyRecord
  user: UserRecord
  assertion: AuthenticationResponseJSON
}

export interface PasswordlessChoice {
  challenge: Uint8Array
  startedAt: number
  candidates: PasskeyCandidate[]
}

/** What this terminal holds for the person in front of it. */
export class Terminal {
  session: Session = { kind: 'none' }
  enrollment: PendingEnrollment | undefined
  setup: PendingSetup | undefined
  /** The key operation waiting for a touch, if any (« Annuler » aborts it). */
  keyOperation: AbortController | undefined
  /** Passwordless sign-in waiting for the clerk to choose among the key's accounts. */
  passwordlessChoice: PasswordlessChoice | undefined
  /** The language the clerk chose with the switch (setLanguage); unset: the configured `locale`. */
  language: 'fr' | 'en' | undefined

  /**
   * Sign-out, idle lock, shutdown, or the next person: forget everything.
   * `keepLanguage`: a sign-in that starts over within the same visit (the
   * language was chosen on the sign-in screen, before the password).
   */
  end(options: { keepLanguage?: boolean } = {}): void {
    if (!options.keepLanguage) this.language = undefined
    this.keyOperation?.abort()
    this.keyOperation = undefined
    this.passwordlessChoice = undefined
    this.session = { kind: 'none' }
    this.enrollment = undefined
    this.setup = undefined
  }
}

/** `a•••@mairie.fr`: enough for the clerk to recognise, little for the next person. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  return `${[...local][0] ?? ''}•••${email.slice(at)}`
}

export function viewOf(user: UserRecord, s: SignedIn): SessionView {
  return {
    name: user.name,
    email: user.email,
    factor: s.factor,
    mustEnroll: s.mustEnroll,
    mustChangePassword: s.mustChangePassword,
    checkFactors: s.checkFactors,
  }
}

/** The signed-in clerk's view, or undefined when the account is gone or disabled. */
export async function sessionView(
  ctx: EngineContext,
  s: SignedIn,
): Promise<SessionView | undefined> {
  const user = await ctx.store.users.byId(s.userId)
  if (!user || user.disabled) return undefined
  return viewOf(user, s)
}

/** The sign-in waiting for its second step, unless it has expired or the clock went back. */
export function currentPending(ctx: EngineContext): PendingSignIn | undefined {
  const { terminal } = ctx
  const session = terminal.session
  if (session.kind !== 'pending') return undefined
  const now = ctx.clock.now()
  if (now > session.validUntil || now < session.startedAt - CLOCK_TOLERANCE_MS) {
    terminal.session = { kind: 'none' }
    return undefined
  }
  return session
}

/** Within the step-up window, on a clock that did not jump back since. */
export function isRecent(ctx: EngineContext, checkedAt: number): boolean {
  const age = ctx.clock.now() - checkedAt
  return age <= STEP_UP_WINDOW_MS && age >= -CLOCK_TOLERANCE_MS
}

export interface SignedInOptions {
  /** Allowed while the policy still requires an app or key. */
  duringEnrollment?: boolean
  /** Allowed while a temporary password must be replaced. */
  passwordChange?: boolean
  /** A sensitive change: the second factor must be recent (step-up). */
  fresh?: boolean
}

/** The signed-in clerk and their session, or why the call is refused. */
export async function signedInUser(
  ctx: EngineContext,
  options: SignedInOptions = {},
): Promise<Result<{ user: UserRecord; s: SignedIn }>> {
  const session = ctx.terminal.session
  if (session.kind !== 'signed-in') return fail('NOT_SIGNED_IN')
  const user = await ctx.store.users.byId(session.userId)
  if (!user || user.disabled) {
    ctx.terminal.end()
    return fail('NOT_SIGNED_IN')
  }
  if (session.mustChangePassword && !options.passwordChange) return fail('PASSWORD_CHANGE_REQUIRED')
  if (session.mustEnroll && !options.duringEnrollment) return fail('ENROLLMENT_REQUIRED')
  // Step-up: a sensitive change needs a second factor checked in the last 5 minutes.
  if (options.fresh && !isRecent(ctx, session.secondFactorAt)) return fail('STEP_UP_REQUIRED')
  return ok({ user, s: session })
}

/** Why a session is past its lifetime at `now`, or undefined while it lives. */
export function expiryOf(ctx: EngineContext, now: number): string | undefined {
  const s = ctx.terminal.session
  if (s.kind === 'signed-in') {
    if (now - s.startedAt > ctx.config.sessionMaxMinutes * 60_000) return 'maximum duration'
    if (now - s.lastActivityAt > ctx.config.idleLockSeconds * 1000 + IDLE_WARNING_MS)
      return 'no activity'
    return undefined
  }
  if (s.kind === 'pending' && now > s.validUntil) return 'second step not given in time'
  return undefined
}

/**
 * Ends the session when it is past its lifetime, and audits it
 * (`session-expired`, the account, why).
 */
export async function expireSession(ctx: EngineContext): Promise<void> {
  const s = ctx.terminal.session
  if (s.kind === 'none') return
  const why = expiryOf(ctx, ctx.clock.now())
  if (!why) return
  ctx.terminal.end() // before any await: nothing can use it meanwhile
  const user = await ctx.store.users.byId(s.userId).catch(() => undefined)
  await ctx.audit({
    event: 'session-expired',
    outcome: 'ok',
    userId: s.userId,
    email: user?.email ?? (s.kind === 'pending' ? s.email : null),
    detail: s.kind === 'pending' ? `sign-in: ${why}` : why,
  })
}

/** A call from the page: the signed-in session's idle time starts again. */
export function touchSession(ctx: EngineContext): void {
  const s = ctx.terminal.session
  if (s.kind === 'signed-in') s.lastActivityAt = ctx.clock.now()
}
