// All of one clerk's renderer state lives in this one reactive object. It is
// created when the clerk tree mounts and thrown away on sign-out (manual or idle):
// ClerkApp is remounted under a new key, so no component keeps anything either.
// There is no router and no URL history: the screen is a value here.

import { computed, reactive } from 'vue'
import type { Bridge } from '../../src-main/contract/bridge'
import type { ContractError, Result } from '../../src-main/contract/errors'
import type {
  AppEnrollment,
  Factors,
  SessionView,
  SignInStep,
  Status,
} from '../../src-main/contract/methods'
import type { FirstStatus } from './firstStatus'

export type Screen =
  | { name: 'loading' }
  | { name: 'unavailable'; error: ContractError }
  | { name: 'firstStart' }
  | { name: 'setupApp'; enrollment: AppEnrollment }
  | { name: 'signIn' }
  /** « Se connecter avec ma clé de sécurité »: the key's PIN, no password. */
  | { name: 'keyPin' }
  | { name: 'code'; step: SignInStep; resent: boolean }
  | { name: 'enroll' }
  | { name: 'home' }
  | { name: 'factors' }
  | { name: 'addApp'; enrollment: AppEnrollment }
  /**
   * `recoveryCodes`: issued with this first factor, shown on this screen only.
   * `setup`: IT's app at first start; « Continuer » then goes home.
   */
  | { name: 'appAdded'; recoveryCodes: string[] | null; setup?: boolean }
  | { name: 'addKey' }
  /** `passwordless`: registered with its PIN, so it also signs in without a password. */
  | { name: 'keyAdded'; passwordless: boolean; recoveryCodes: string[] | null }
  /** « Changer le code PIN de ma clé », from the factors. */
  | { name: 'changeKeyPin' }
  | { name: 'account' }
  /** « Changer mon mot de passe », from « Mon compte ». */
  | { name: 'changePassword' }
  /** Signed in with IT's temporary password: « Choisissez votre mot de passe » first. */
  | { name: 'choosePassword' }
  | { name: 'changeAddress' }

/** What the next clerk's sign-in screen says about the previous reset. No names. */
export type Notice =
  | { kind: 'signedOut' }
  | { kind: 'idle' }
  | { kind: 'setupDone' }
  | { kind: 'passwordChosen' }
  | { kind: 'passwordChanged' }
  | { kind: 'error'; error: ContractError }

export type ResetReason = 'signedOut' | 'idle' | 'error'

export interface ResetRequest {
  reason: ResetReason
  notice: Notice | null
}

export interface ClerkState {
  status: Status | null
  session: SessionView | null
  factors: Factors | null
  screen: Screen
  /** Message shown once on the current screen (sign-in after a reset, home after setup). */
  notice: Notice | null
  /** The clerk typed or saw something of theirs: the idle lock applies. */
  dirty: boolean
  /** A modal (idle warning) is open: the rest of the page is inert. */
  idleWarning: boolean
  /** A security-key call is waiting for the key: a sign-out cancels it first. */
  keyOperation: boolean
  /** Since when recovery codes are on screen (epoch ms): the idle lock waits meanwhile. */
  codesShownSince: number | null
}

/** Codes after which nothing of the current flow is valid: start over from sign-in. */
const START_OVER: ReadonlySet<string> = new Set([
  'NO_PENDING_SIGN_IN',
  'NOT_SIGNED_IN',
  'SETUP_ALREADY_DONE',
])

export interface ClerkStoreOptions {
  bridge: Bridge
  /** Asks the root to throw this store and the whole clerk tree away. */
  requestReset: (request: ResetRequest) => void
  /**
   * Applies a locale (i18n + html lang); a promise when its messages have to be
   * loaded first (the locale is applied once they are).
   */
  setLocale: (locale: 'fr' | 'en') => Promise<void> | void
  /** Tells the root the kiosk's own language, for the next clerk's first screen. */
  onKioskLocale?: (locale: 'fr' | 'en') => void
}

export type ClerkStore = ReturnType<typeof createClerkStore>

export function createClerkStore(options: ClerkStoreOptions) {
  const { bridge, requestReset, setLocale, onKioskLocale } = options

  const state = reactive<ClerkState>({
    status: null,
    session: null,
    factors: null,
    screen: { name: 'loading' },
    notice: null,
    dirty: false,
    idleWarning: false,
    keyOperation: false,
    codesShownSince: null,
  })

  /**
   * The platform (Windows' own dialog) asks for a security key's PIN, not the
   * kiosk (getStatus `keyPinEntry`): the screens never show the kiosk's PIN form
   * then, and key calls go without `pin`.
   */
  const platformTakesPin = computed(() => state.status?.keyPinEntry === 'platform')

  /** Set when this clerk tree goes: late answers of its calls change nothing any more. */
  let disposed = false
  /** The language the clerk chose with the switch, if any (the engine writes the mails in it). */
  let chosenLanguage: 'fr' | 'en' | null = null

  /**
   * The language switch: the screens at once, and the engine, so that the mails
   * of this visit (codes, notices) are written in it too.
   */
  async function chooseLanguage(locale: 'fr' | 'en'): Promise<void> {
    chosenLanguage = locale
    const applied = setLocale(locale)
    await Promise.all([applied, bridge.setLanguage({ locale })])
  }

  /**
   * The visit ends without a sign-out (the idle lock before sign-in, a flow that
   * starts over): the engine's mails go back to the kiosk's language, as the
   * next clerk's screens do. A sign-out does it in the engine itself.
   */
  function forgetLanguage(): Promise<unknown> | undefined {
    const kiosk = state.status?.locale
    if (!kiosk || chosenLanguage === null || chosenLanguage === kiosk) return undefined
    chosenLanguage = null
    return bridge.setLanguage({ locale: kiosk })
  }
  function dispose(): void {
    disposed = true
  }

  function go(screen: Screen): void {
    state.screen = screen
    if (screen.name !== 'signIn' && screen.name !== 'loading' && screen.name !== 'unavailable') {
      state.dirty = true
    }
  }

  /**
   * Home, or before it what the engine requires first: the clerk's own password
   * (signed in with IT's temporary one), then an app or a key (policy).
   */
  function enterSession(session: SessionView): void {
    state.session = session
    state.dirty = true
    go(
      session.mustChangePassword
        ? { name: 'choosePassword' }
        : session.mustEnroll
          ? { name: 'enroll' }
          : { name: 'home' },
    )
  }

  /**
   * Keeps a Factors answer for the screens, without the recovery codes it may
   * carry: those are returned for the one screen that shows them, and are gone
   * with it.
   */
  function takeFactors(factors: Factors): string[] | null {
    state.factors = { ...factors, newRecoveryCodes: null }
    return factors.newRecoveryCodes
  }

  /**
   * Reads getStatus and shows what it says. After a sign-out, a session or a
   * pending sign-in that is still reported is closed again before anything shows:
   * the next clerk never lands on the previous clerk's screens.
   *
   * `first`: the first clerk tree's getStatus, asked by main.ts. When it has
   * answered already, and the kiosk's language is at hand, the screen it says is
   * set before this returns, so it is the first one rendered (no loading screen).
   */
  let startReason: ResetReason | null = null

  async function start(
    afterReset: ResetReason | null,
    first: FirstStatus | null = null,
  ): Promise<void> {
    startReason = afterReset
    const answered = first?.result ?? null
    if (!answered) go({ name: 'loading' })
    const result = answered ?? (await (first ? first.promise : bridge.getStatus({})))
    if (!result.ok) {
      go({ name: 'unavailable', error: result.error })
      return
    }
    let status = result.value
    if (afterReset && (status.session || status.pending)) {
      const closed = status.session ? await bridge.signOut({}) : await bridge.cancelSignIn({})
      const again = closed.ok ? await bridge.getStatus({}) : closed
      if (!again.ok || again.value.session || again.value.pending) {
        go({ name: 'unavailable', error: again.ok ? { code: 'INTERNAL' } : again.error })
        return
      }
      status = again.value
    }
    const locale = setLocale(status.locale)
    if (locale) await locale
    state.status = status
    onKioskLocale?.(status.locale)
    if (status.firstStart) go({ name: 'firstStart' })
    else if (status.session) enterSession(status.session)
    else if (status.pending) go({ name: 'code', step: status.pending, resent: false })
    else go({ name: 'signIn' })
  }

  /** « Réessayer » on the unavailable screen: the same start, with the same care. */
  function retry(): Promise<void> {
    return start(startReason)
  }

  /**
   * Errors that end the current flow whatever the screen: back to a fresh sign-in
   * with a sentence. Returns true when it took over.
   */
  function takeOver(error: ContractError): boolean {
    if (START_OVER.has(error.code)) {
      startOver(error)
      return true
    }
    if (error.code === 'PASSWORD_CHANGE_REQUIRED' && state.session) {
      state.session = { ...state.session, mustChangePassword: true }
      go({ name: 'choosePassword' })
      return true
    }
    if (error.code === 'ENROLLMENT_REQUIRED' && state.session) {
      state.session = { ...state.session, mustEnroll: true }
      go({ name: 'enroll' })
      return true
    }
    return false
  }

  /** Throws this clerk tree away and starts again, saying why. */
  function startOver(error: ContractError): void {
    if (disposed) return
    void forgetLanguage()
    requestReset({ reason: 'error', notice: { kind: 'error', error } })
  }

  /**
   * Unwraps a result; on a flow-ending error, takes over and returns null. An
   * answer that arrives after this clerk tree was thrown away is dropped (null).
   */
  function settle<T>(result: Result<T>): Result<T> | null {
    if (disposed) return null
    if (!result.ok && takeOver(result.error)) return null
    return result
  }

  /**
   * After an app or a key was added: back to the factors, or, for a clerk who had
   * to enroll, home once the engine agrees. Returns the error to show, if any.
   */
  async function continueAfterEnrollment(): Promise<ContractError | null> {
    if (!state.session?.mustEnroll) {
      go({ name: 'factors' })
      return null
    }
    const result = settle(await bridge.getStatus({}))
    if (!result) return null
    if (!result.ok) return result.error
    if (result.value.session) enterSession(result.value.session)
    else startOver({ code: 'NOT_SIGNED_IN' })
    return null
  }

  async function signOut(reason: 'signedOut' | 'idle'): Promise<void> {
    // The engine is told first; the renderer forgets everything whatever it answers,
    // and the next generation checks again that nothing is left open. A key waiting
    // for a touch is released first: main runs one call at a time.
    if (state.keyOperation) await bridge.cancelKeyOperation({})
    if (state.session) await bridge.signOut({})
    else {
      if (state.screen.name === 'code') await bridge.cancelSignIn({})
      await forgetLanguage()
    }
    requestReset({ reason, notice: { kind: reason } })
  }

  /**
   * The idle lock before anyone signed in: the half-typed form (or the pending
   * sign-in) goes without a word; there is nobody to sign out.
   */
  async function clearForm(): Promise<void> {
    if (state.keyOperation) await bridge.cancelKeyOperation({})
    if (state.screen.name === 'code') await bridge.cancelSignIn({})
    await forgetLanguage()
    requestReset({ reason: 'idle', notice: null })
  }

  return {
    state,
    platformTakesPin,
    go,
    enterSession,
    takeFactors,
    start,
    retry,
    takeOver,
    startOver,
    settle,
    continueAfterEnrollment,
    signOut,
    clearForm,
    chooseLanguage,
    dispose,
    bridge,
  }
}
