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
  /** A sign-out still under way in the engine (see Closing). */
  closing?: Closing
}

/**
 * « Se déconnecter »: the clerk's tree goes at once, and the next clerk's
 * sign-in screen shows as the kiosk showed it (`status`, less the session),
 * while the engine closes the visit (`done`). The check that nothing is left
 * open (start) runs once it has; until then the next clerk's calls wait.
 */
export interface Closing {
  done: Promise<unknown>
  status: Status
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
  const { bridge: engine, requestReset, setLocale, onKioskLocale } = options

  /**
   * Settled once start has checked that the engine has nothing open (true) or
   * could not (false). The screens' calls (`bridge` below) wait for it: after a
   * sign-out the sign-in screen shows before that check, never a call of the
   * next clerk.
   */
  let ready: Promise<boolean> = Promise.resolve(true)
  const bridge = new Proxy(engine, {
    get(target, name, receiver) {
      const member: unknown = Reflect.get(target, name, receiver)
      if (typeof member !== 'function' || name === 'on') return member
      const call = member as (input: unknown) => Promise<Result<unknown>>
      return (input: unknown) =>
        ready.then((checked): Promise<Result<unknown>> | Result<unknown> =>
          checked
            ? call.call(target, input)
            : { ok: false, error: { code: 'SERVICE_UNAVAILABLE' } },
        )
    },
  })

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
    return engine.setLanguage({ locale: kiosk })
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
   *
   * `closing`: after « Se déconnecter », the sign-out under way: the sign-in
   * screen shows at once (nothing of the previous clerk is in this tree), and
   * the check above runs once the engine has answered; the screens' calls wait
   * for it (`ready`).
   */
  let startReason: ResetReason | null = null

  function start(
    afterReset: ResetReason | null,
    first: FirstStatus | null = null,
    closing: Closing | null = null,
  ): Promise<void> {
    startReason = afterReset
    if (closing) {
      state.status = { ...closing.status, session: null, pending: null }
      // The kiosk's language, in use until now: at hand.
      void setLocale(state.status.locale)
      go({ name: 'signIn' })
    }
    // Without `closing`, check sets the screen before this returns (no await first).
    const checking = closing
      ? closing.done.catch(() => undefined).then(() => check(afterReset, first, true))
      : check(afterReset, first, false)
    ready = checking
    return checking.then(() => undefined)
  }

  /** start's check and what it shows; true when nothing is left open. */
  async function check(
    afterReset: ResetReason | null,
    first: FirstStatus | null,
    shown: boolean,
  ): Promise<boolean> {
    const answered = first?.result ?? null
    if (!answered && !shown) go({ name: 'loading' })
    const result = answered ?? (await (first ? first.promise : engine.getStatus({})))
    if (!result.ok) {
      go({ name: 'unavailable', error: result.error })
      return false
    }
    let status = result.value
    if (afterReset && (status.session || status.pending)) {
      const closed = status.session ? await engine.signOut({}) : await engine.cancelSignIn({})
      const again = closed.ok ? await engine.getStatus({}) : closed
      if (!again.ok || again.value.session || again.value.pending) {
        go({ name: 'unavailable', error: again.ok ? { code: 'INTERNAL' } : again.error })
        return false
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
    // Shown already: the next clerk may have gone on (« Se connecter avec ma clé »).
    else if (!shown || state.screen.name === 'unavailable') go({ name: 'signIn' })
    return true
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
    // A late answer of a tree already thrown away (a stillHere) signs nobody out.
    if (disposed) return
    // The renderer forgets everything at once, whatever the engine answers; the
    // next generation shows the sign-in screen meanwhile and checks, once the
    // engine has answered, that nothing is left open (start's `closing`). A key
    // waiting for a touch is released first: main runs one call at a time.
    const closingKey = state.keyOperation
    const signedIn = state.session !== null
    const screen = state.screen.name
    const done = (async () => {
      if (closingKey) await engine.cancelKeyOperation({})
      if (signedIn) await engine.signOut({})
      else {
        if (screen === 'code') await engine.cancelSignIn({})
        await forgetLanguage()
      }
    })()
    const status = state.status
    if (!status) await done
    requestReset({
      reason,
      notice: { kind: reason },
      ...(status ? { closing: { done, status } } : {}),
    })
    await done
  }

  /**
   * The idle lock before anyone signed in: the half-typed form (or the pending
   * sign-in) goes without a word; there is nobody to sign out.
   */
  async function clearForm(): Promise<void> {
    if (disposed) return
    if (state.keyOperation) await engine.cancelKeyOperation({})
    if (state.screen.name === 'code') await engine.cancelSignIn({})
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
