// An in-memory stand-in for main: the same Bridge shape the preload and the HTTP
// client give the renderer, with just enough engine behaviour for screen tests
// (accounts, a pending sign-in, a session, one app per account, and one simulated
// security key on the USB port). Tests can queue a failure for the next call of a
// method and read every call made.
//
// The key behaves like a CTAP2 key seen through main: its PIN is checked first
// (FIDO_PIN_REQUIRED, FIDO_PIN_INVALID with the retries left, FIDO_PIN_AUTH_BLOCKED
// after three wrong PINs in a row until it is replugged, FIDO_PIN_BLOCKED when no
// retry is left); then the operation waits, sending `keyStatus` events
// ('waiting-device' while unplugged, 'touch'), until the test calls `touchKey()`
// (→ 'processing', then the answer), `cancelKeyOperation` answers FIDO_CANCELLED,
// or `keyTimesOut()` answers FIDO_TIMEOUT.
//
// `keyPinEntry = 'platform'` plays the Windows back end, as getStatus then says:
// Windows' own dialog asks for the PIN (the clerk types it right there), so the
// kiosk's PIN is never asked for nor checked, `keyStatus` says 'platform', and a
// passkey or a passwordless sign-in goes without `pin`. With 'kiosk' (HID), a
// passkey or a passwordless sign-in without `pin` answers FIDO_PIN_REQUIRED
// before the key is asked anything, as the engine does.
//
// The account lifecycle follows the engine too: recovery codes (ten, issued with
// the first app or key and by issueRecoveryCodes; useRecoveryCode signs in with
// one, once), IT's temporary password (the session must change it first; an
// expired one is refused at sign-in), changePassword with the password rules,
// the address change confirmed by a code sent to the new address
// (`addressCode`), and the step-up: a sensitive change answers STEP_UP_REQUIRED
// when the second factor was checked more than 5 minutes ago (`staleSecondFactor()`
// makes it so at once), until beginStepUp + stepUp or stepUpWithKey.
//
// The key's own PIN, as the engine's key-pin module: inspectKey reads it (no
// touch), setKeyPin gives a key without one a PIN, changeKeyPin changes it with
// the current one (wrong ones counted as above). A new PIN is checked as the
// engine does (CTAP 2.1 §6.5.1: at least 4 characters and the key's
// minPinLength, at most 63 bytes of UTF-8, after NFC) before the key is asked;
// a PIN in `key.refusedPins` is refused by the key itself (FIDO_PIN_POLICY).

import type { Bridge, Unsubscribe } from '../../../src-main/contract/bridge'
import type {
  ContractError,
  ErrorCode,
  ErrorParams,
  Result,
} from '../../../src-main/contract/errors'
import type {
  AddressChange,
  AppEnrollment,
  EventName,
  EventPayload,
  Factor,
  Factors,
  Input,
  KeyPinState,
  KeyView,
  MethodName,
  Output,
  SessionView,
  SetupDone,
  SignInStep,
  Status,
} from '../../../src-main/contract/methods'
import { LIMITS } from '../../../src-main/contract/methods'

export interface FakeAccount {
  email: string
  name: string
  password: string
  app: { deviceName: string; createdAt: number } | null
  keys: KeyView[]
  /** The code this account's authenticator app shows "now". */
  appCode: string
  /** The base32 key groups shown when this account enrolls an app. */
  secretGroups: string[]
  mustEnroll?: boolean
  /** Unused recovery codes, as issued (XXXX-XXXX-XXXX-XXXX). */
  recoveryCodes: string[]
  /** `password` is IT's temporary password: the session must change it first. */
  mustChangePassword?: boolean
  /** IT's temporary password is more than 24 h old. */
  tempPasswordExpired?: boolean
}

/** The security key plugged into the kiosk (or not). */
export interface FakeKey {
  plugged: boolean
  /** The key's PIN; null: no PIN is set. */
  pin: string | null
  /** PIN retries left before the PIN is blocked. */
  retries: number
  /** Wrong PINs since the key was plugged in; three block PIN use until a replug. */
  wrongInARow: number
  /** The key asks for its PIN even after a password (`alwaysUv`). */
  alwaysUv: boolean
  /** Credentials on the key: which account, which registered key id, discoverable or not. */
  credentials: { email: string; keyId: string; discoverable: boolean }[]
  /** The shortest PIN the key takes (getInfo minPINLength). */
  minPinLength: number
  /** A U2F-only key: it cannot have a PIN. */
  u2fOnly: boolean
  /** New PINs the key's own rules refuse (CTAP2_ERR_PIN_POLICY_VIOLATION). */
  refusedPins: string[]
}

type KeyOutcome = { ok: true } | { ok: false; error: ContractError }

export interface Call {
  method: MethodName
  input: unknown
}

const STEP_UP_WINDOW_MS = LIMITS.stepUpWindowSeconds * 1000
/** What the fake refuses as too common, as the engine's dictionary would. */
const COMMON_PASSWORDS = new Set(['motdepasse123', 'password1234', 'azertyuiop123'])

/** Lower case without accents, as the engine compares passwords with names. */
function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
}

/** The canonical 16 characters of a typed recovery code. */
function compactRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '')
}

function ok<T>(value: T): Promise<Result<T>> {
  return Promise.resolve({ ok: true, value })
}

function fail<T>(code: ErrorCode, params?: ErrorParams): Promise<Result<T>> {
  return Promise.resolve({ ok: false, error: params ? { code, params } : { code } })
}

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@')
  return `${local.slice(0, 1)}•••@${domain}`
}

export class FakeBridge implements Bridge {
  locale: 'fr' | 'en' = 'fr'
  idleLockSeconds = 120
  /** The configuration's e-mailed code lifetime (the engine's default). */
  emailCodeTtlSeconds = 600
  issuer = 'Guichet'
  /** Who asks for the key's PIN: the kiosk (HID), or Windows' own dialog. */
  keyPinEntry: 'kiosk' | 'platform' = 'kiosk'
  accounts = new Map<string, FakeAccount>()
  /** The code the next e-mail carries. */
  emailCode = '123456'
  /** The code the next address-change e-mail carries. */
  addressCode = '654321'
  /** The code IT's authenticator app shows during the first start (beginSetup). */
  setupAppCode = '246810'
  calls: Call[] = []

  key: FakeKey = {
    plugged: true,
    pin: null,
    retries: 8,
    wrongInARow: 0,
    alwaysUv: false,
    credentials: [],
    minPinLength: 4,
    u2fOnly: false,
    refusedPins: [],
  }

  private session: {
    email: string
    factor: Factor
    secondFactorAt: number
    mustChangePassword: boolean
    checkFactors: boolean
  } | null = null
  private stepUpCheck: {
    factor: 'email' | 'app' | 'key'
    code: string | null
    expiresAt: number | null
    /** E-mailed codes of this check that « Renvoyer un code » replaced. */
    replaced?: string[]
    /** Tries of this e-mailed code. */
    tries?: number
  } | null = null
  private addressChange: {
    newEmail: string
    /** null: the address is another account's, no code was sent and none works. */
    code: string | null
    expiresAt: number
    tries: number
  } | null = null
  private recoverySets = 0
  private pending: {
    email: string
    step: SignInStep
    code: string | null
    /** Wrong tries of this e-mailed code. */
    tries?: number
  } | null = null
  private enrollment: {
    email: string | null
    setup?: { email: string; name: string; password: string }
    /** Wrong codes so far (LIMITS.enrollmentMaxTries end the enrollment). */
    tries?: number
  } | null = null
  private failures = new Map<MethodName, ContractError[]>()
  private keyWait: ((outcome: KeyOutcome) => void) | null = null
  /** The waiting operation needs the key plugged in, not touched. */
  private plugOnly = false
  private nextKeyId = 1
  private listeners = new Map<string, Set<(payload: unknown) => void>>()

  addAccount(account: Partial<FakeAccount> & { email: string; name: string }): FakeAccount {
    const full: FakeAccount = {
      password: 'correct horse battery',
      app: null,
      keys: [],
      appCode: '246810',
      secretGroups: ['JBSW', 'Y3DP', 'EHPK', '3PXP'],
      recoveryCodes: [],
      ...account,
    }
    this.accounts.set(full.email, full)
    return full
  }

  /** The next call of `method` answers with this error instead. */
  failNext(method: MethodName, code: ErrorCode, params?: ErrorParams): void {
    const queue = this.failures.get(method) ?? []
    queue.push(params ? { code, params } : { code })
    this.failures.set(method, queue)
  }

  callsOf(method: MethodName): unknown[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.input)
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload)
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe {
    const set = this.listeners.get(event) ?? new Set()
    set.add(listener as (payload: unknown) => void)
    this.listeners.set(event, set)
    return () => set.delete(listener as (payload: unknown) => void)
  }

  private record<M extends MethodName>(method: M, input: Input<M>): ContractError | null {
    this.calls.push({ method, input })
    const queue = this.failures.get(method)
    return queue?.shift() ?? null
  }

  private sessionView(): SessionView | null {
    if (!this.session) return null
    const account = this.accounts.get(this.session.email)
    if (!account) return null
    return {
      name: account.name,
      email: account.email,
      factor: this.session.factor,
      mustEnroll: account.mustEnroll === true && account.app === null && account.keys.length === 0,
      mustChangePassword: this.session.mustChangePassword,
      checkFactors: this.session.checkFactors,
    }
  }

  private startSession(account: FakeAccount, factor: Factor): SessionView {
    this.session = {
      email: account.email,
      factor,
      secondFactorAt: Date.now(),
      mustChangePassword: account.mustChangePassword === true,
      checkFactors: factor === 'recovery',
    }
    this.pending = null
    return this.sessionView() as SessionView
  }

  private factorsOf(account: FakeAccount, newRecoveryCodes: string[] | null = null): Factors {
    return {
      email: account.email,
      app: account.app,
      keys: account.keys,
      recoveryCodesLeft: account.recoveryCodes.length,
      newRecoveryCodes,
    }
  }

  /** The second factor of this session was checked more than 5 minutes ago. */
  staleSecondFactor(): void {
    if (this.session) this.session.secondFactorAt = Date.now() - STEP_UP_WINDOW_MS - 1
  }

  /** A new set of ten codes for the account, voiding the old; in clear, once. */
  private issueCodes(account: FakeAccount): string[] {
    this.recoverySets += 1
    const set = String(this.recoverySets % 10)
    const codes = Array.from({ length: 10 }, (_, i) => `R${set}C${i}-WXYZ-${i}${set}AB-QRST`)
    account.recoveryCodes = [...codes]
    return codes
  }

  /** As the engine: with neither app nor key left, the recovery codes are voided too. */
  private voidRecoveryCodesWithoutFactor(account: FakeAccount): void {
    if (account.app === null && account.keys.length === 0) account.recoveryCodes = []
  }

  /** The first app or key of an account (no codes left) brings recovery codes. */
  private codesForFirstFactor(account: FakeAccount): string[] | null {
    return account.recoveryCodes.length > 0 ? null : this.issueCodes(account)
  }

  /**
   * As the engine's signed-in check: a session, its password changed unless this
   * is the change itself, and for a sensitive change a recent second factor.
   */
  private me(
    options: { fresh?: boolean; passwordChange?: boolean } = {},
  ): { account: FakeAccount } | { error: ContractError } {
    const account = this.signedIn()
    if (!account || !this.session) return { error: { code: 'NOT_SIGNED_IN' } }
    if (this.session.mustChangePassword && !options.passwordChange) {
      return { error: { code: 'PASSWORD_CHANGE_REQUIRED' } }
    }
    if (options.fresh && Date.now() - this.session.secondFactorAt > STEP_UP_WINDOW_MS) {
      return { error: { code: 'STEP_UP_REQUIRED' } }
    }
    return { account }
  }

  private newEnrollment(secretGroups: string[]): AppEnrollment {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><title>${secretGroups.join('')}</title><rect width="8" height="8"/></svg>`
    return {
      uri: `otpauth://totp/Guichet?secret=${secretGroups.join('')}`,
      qrSvg: svg,
      qrPngDataUrl: 'data:image/png;base64,iVBORw0KGgo=',
      secretGroups,
      expiresAt: Date.now() + 600_000,
    }
  }

  getStatus = (input: Input<'getStatus'>): Promise<Result<Output<'getStatus'>>> => {
    const failure = this.record('getStatus', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const status: Status = {
      firstStart: this.accounts.size === 0,
      issuer: this.issuer,
      locale: this.locale,
      idleLockSeconds: this.idleLockSeconds,
      emailCodeTtlSeconds: this.emailCodeTtlSeconds,
      keyPinEntry: this.keyPinEntry,
      session: this.sessionView(),
      pending: this.pending?.step ?? null,
    }
    return ok(status)
  }

  beginSetup = (input: Input<'beginSetup'>): Promise<Result<AppEnrollment>> => {
    const failure = this.record('beginSetup', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (this.accounts.size > 0) return fail('SETUP_ALREADY_DONE')
    if (input.password.length < 12) return fail('PASSWORD_REJECTED', { reason: 'too-short' })
    this.enrollment = { email: null, setup: { ...input } }
    return ok(this.newEnrollment(['SETU', 'PKEY', 'ABCD', 'EFGH']))
  }

  confirmSetup = (input: Input<'confirmSetup'>): Promise<Result<SetupDone>> => {
    const failure = this.record('confirmSetup', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const setup = this.enrollment?.setup
    if (!setup) return fail('NO_PENDING_ENROLLMENT')
    if (input.code !== this.setupAppCode) return this.wrongEnrollmentCode()
    const account = this.addAccount({
      email: setup.email,
      name: setup.name,
      password: setup.password,
      appCode: this.setupAppCode,
      app: { deviceName: input.deviceName ?? '', createdAt: Date.now() },
    })
    this.enrollment = null
    // IT's first app brings its recovery codes, as a clerk's does.
    const newRecoveryCodes = this.issueCodes(account)
    return ok({ ...this.startSession(account, 'app'), newRecoveryCodes })
  }

  /** As the engine: a wrong code says the tries left; the last one ends the enrollment. */
  private wrongEnrollmentCode(): Promise<Result<never>> {
    const enrollment = this.enrollment!
    enrollment.tries = (enrollment.tries ?? 0) + 1
    const left = LIMITS.enrollmentMaxTries - enrollment.tries
    if (left > 0) return fail('CODE_INVALID', { attemptsLeft: left })
    this.enrollment = null
    return fail('NO_PENDING_ENROLLMENT')
  }

  signIn = (input: Input<'signIn'>): Promise<Result<SignInStep>> => {
    const failure = this.record('signIn', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    this.endVisit({ keepLanguage: true })
    const account = this.accounts.get(input.email.trim().toLowerCase())
    if (!account || account.password !== input.password) return fail('INVALID_CREDENTIALS')
    if (account.tempPasswordExpired) return fail('TEMP_PASSWORD_EXPIRED')
    // As the engine: an app first, then a key; e-mailed codes only without either.
    const factor = account.app !== null ? 'app' : account.keys.length > 0 ? 'key' : 'email'
    const isEmail = factor === 'email'
    const now = Date.now()
    const step: SignInStep = {
      factor,
      maskedEmail: maskEmail(account.email),
      sentAt: isEmail ? now : null,
      expiresAt: isEmail ? now + this.emailCodeTtlSeconds * 1000 : null,
      hasKey: account.keys.length > 0,
      hasRecoveryCodes: account.recoveryCodes.length > 0,
    }
    const code = factor === 'app' ? account.appCode : isEmail ? this.emailCode : null
    this.pending = { email: account.email, step, code }
    return ok(step)
  }

  resendCode = (input: Input<'resendCode'>): Promise<Result<SignInStep>> => {
    const failure = this.record('resendCode', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.pending) return fail('NO_PENDING_SIGN_IN')
    if (this.pending.step.factor !== 'email') return fail('EMAIL_CODE_NOT_ALLOWED')
    const now = Date.now()
    const step: SignInStep = {
      ...this.pending.step,
      sentAt: now,
      expiresAt: now + this.emailCodeTtlSeconds * 1000,
    }
    this.pending = { ...this.pending, step, code: this.emailCode, tries: 0 }
    return ok(step)
  }

  verifyCode = (input: Input<'verifyCode'>): Promise<Result<SessionView>> => {
    const failure = this.record('verifyCode', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.pending) return fail('NO_PENDING_SIGN_IN')
    if (this.pending.code === null) return fail('APP_NOT_ENROLLED')
    // As the engine: a limited number of tries per e-mailed code, then none.
    const isEmail = this.pending.step.factor === 'email'
    if (isEmail && (this.pending.tries ?? 0) >= LIMITS.emailCodeMaxTries) {
      return fail('CODE_ATTEMPTS_EXHAUSTED')
    }
    if (input.code !== this.pending.code) {
      if (!isEmail) return this.wrongAppCode()
      const tries = (this.pending.tries ?? 0) + 1
      this.pending.tries = tries
      const left = LIMITS.emailCodeMaxTries - tries
      return left > 0
        ? fail('CODE_INVALID', { attemptsLeft: left })
        : fail('CODE_ATTEMPTS_EXHAUSTED')
    }
    const account = this.accounts.get(this.pending.email)
    if (!account) return fail('NO_PENDING_SIGN_IN')
    return ok(this.startSession(account, this.pending.step.factor))
  }

  cancelSignIn = (input: Input<'cancelSignIn'>): Promise<Result<Output<'signOut'>>> => {
    const failure = this.record('cancelSignIn', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    this.pending = null
    return ok({})
  }

  signOut = (input: Input<'signOut'>): Promise<Result<Output<'signOut'>>> => {
    const failure = this.record('signOut', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    this.endVisit()
    return ok({})
  }

  /**
   * As the engine's terminal.end(): sign-out, or the next person's sign-in (failed or not,
   * `keepLanguage`), forgets everything: the session, a pending sign-in, an account offered
   * after a passwordless PIN, enrollments, a step-up or address change under way.
   */
  private endVisit(options: { keepLanguage?: boolean } = {}): void {
    this.abortKeyOperation()
    this.session = null
    this.pending = null
    this.passwordlessChoice = null
    this.enrollment = null
    this.stepUpCheck = null
    this.addressChange = null
    if (!options.keepLanguage) this.mailLanguage = null
  }

  stillHere = (input: Input<'stillHere'>): Promise<Result<Output<'stillHere'>>> => {
    const failure = this.record('stillHere', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.session) return Promise.resolve({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
    return ok({})
  }

  /** The clerk's language for this visit's mails (setLanguage); null: the kiosk's `locale`. */
  mailLanguage: 'fr' | 'en' | null = null

  setLanguage = (input: Input<'setLanguage'>): Promise<Result<Output<'setLanguage'>>> => {
    const failure = this.record('setLanguage', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    this.mailLanguage = input.locale
    return ok({})
  }

  private signedIn(): FakeAccount | null {
    return this.session ? (this.accounts.get(this.session.email) ?? null) : null
  }

  listFactors = (input: Input<'listFactors'>): Promise<Result<Factors>> => {
    const failure = this.record('listFactors', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me()
    return 'error' in me
      ? Promise.resolve({ ok: false, error: me.error })
      : ok(this.factorsOf(me.account))
  }

  beginAppEnrollment = (input: Input<'beginAppEnrollment'>): Promise<Result<AppEnrollment>> => {
    const failure = this.record('beginAppEnrollment', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me({ fresh: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const account = me.account
    this.enrollment = { email: account.email }
    return ok(this.newEnrollment(account.secretGroups))
  }

  confirmAppEnrollment = (input: Input<'confirmAppEnrollment'>): Promise<Result<Factors>> => {
    const failure = this.record('confirmAppEnrollment', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.signedIn()
    if (!account) return fail('NOT_SIGNED_IN')
    if (this.enrollment?.email !== account.email) return fail('NO_PENDING_ENROLLMENT')
    if (input.code !== account.appCode) return this.wrongEnrollmentCode()
    account.app = { deviceName: input.deviceName ?? '', createdAt: Date.now() }
    this.enrollment = null
    return ok(this.factorsOf(account, this.codesForFirstFactor(account)))
  }

  removeApp = (input: Input<'removeApp'>): Promise<Result<Factors>> => {
    const failure = this.record('removeApp', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me({ fresh: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const account = me.account
    if (!account.app) return fail('APP_NOT_ENROLLED')
    account.app = null
    this.voidRecoveryCodesWithoutFactor(account)
    return ok(this.factorsOf(account))
  }

  // ---- the security key ---------------------------------------------------

  /** A key operation is waiting for a touch (or for the key to be plugged in). */
  get keyWaiting(): boolean {
    return this.keyWait !== null
  }

  /** The clerk touches the key: 'processing', then the pending operation answers. */
  touchKey(): void {
    const resolve = this.keyWait
    if (!resolve || !this.key.plugged) throw new Error('no key operation is waiting for a touch')
    this.keyWait = null
    this.emit('keyStatus', { status: 'processing' })
    resolve({ ok: true })
  }

  /** The clerk plugs the key in while an operation waits for it. */
  plugKey(): void {
    this.key.plugged = true
    this.key.wrongInARow = 0
    if (this.keyWait && this.plugOnly) this.finishKeyWait({ ok: true })
    else if (this.keyWait) this.emit('keyStatus', { status: 'touch' })
  }

  /** Unplug and replug: PIN use is allowed again after three wrong PINs in a row. */
  replugKey(): void {
    this.key.wrongInARow = 0
  }

  /** Nobody touched the key in time. */
  keyTimesOut(): void {
    this.finishKeyWait({ ok: false, error: { code: 'FIDO_TIMEOUT' } })
  }

  private finishKeyWait(outcome: KeyOutcome): void {
    const resolve = this.keyWait
    this.keyWait = null
    this.plugOnly = false
    resolve?.(outcome)
  }

  private abortKeyOperation(): void {
    this.finishKeyWait({ ok: false, error: { code: 'FIDO_CANCELLED' } })
  }

  /**
   * Checks a PIN the way a key does; null when it may go on. With the platform
   * asking for the PIN, nothing to check here: Windows' dialog has it.
   */
  private checkPin(pin: string | undefined, required: boolean): ContractError | null {
    if (this.keyPinEntry === 'platform') return null
    const key = this.key
    if (pin === undefined) {
      return required && key.pin !== null ? { code: 'FIDO_PIN_REQUIRED' } : null
    }
    if (key.pin === null) return { code: 'FIDO_PIN_NOT_SET' }
    if (key.retries === 0) return { code: 'FIDO_PIN_BLOCKED' }
    if (key.wrongInARow >= 3) return { code: 'FIDO_PIN_AUTH_BLOCKED' }
    if (pin !== key.pin) {
      key.retries -= 1
      key.wrongInARow += 1
      if (key.retries === 0) return { code: 'FIDO_PIN_BLOCKED' }
      if (key.wrongInARow >= 3) return { code: 'FIDO_PIN_AUTH_BLOCKED' }
      return { code: 'FIDO_PIN_INVALID', params: { attemptsLeft: key.retries } }
    }
    key.retries = 8
    key.wrongInARow = 0
    return null
  }

  /** The engine's check of a new key PIN (CTAP 2.1 §6.5.1 and the key's minimum). */
  private newPinRejection(pin: string, minPinLength: number): ContractError | null {
    const normalized = pin.normalize('NFC')
    const min = Math.max(4, minPinLength)
    if ([...normalized].length < min) {
      return { code: 'KEY_PIN_REJECTED', params: { reason: 'too-short', minLength: min } }
    }
    if (new TextEncoder().encode(normalized).length > 63) {
      return { code: 'KEY_PIN_REJECTED', params: { reason: 'too-long' } }
    }
    return null
  }

  private keyPinState(): KeyPinState {
    const key = this.key
    // As the engine with the Windows back end: the kiosk neither reads nor sets the PIN.
    if (this.keyPinEntry === 'platform') return { pin: 'platform', minPinLength: 4 }
    return {
      pin: key.u2fOnly ? 'unsupported' : key.pin === null ? 'not-set' : 'set',
      minPinLength: key.minPinLength,
    }
  }

  /** Waits for the key to be plugged in (no touch): 'waiting-device' meanwhile. */
  private waitForPlug(): Promise<KeyOutcome> {
    if (this.key.plugged) return Promise.resolve({ ok: true })
    const waiting = this.waitForTouch()
    this.plugOnly = true
    return waiting
  }

  inspectKey = async (input: Input<'inspectKey'>): Promise<Result<KeyPinState>> => {
    const failure = this.record('inspectKey', input)
    if (failure) return { ok: false, error: failure }
    const account = this.signedIn()
    if (!account || !this.session) return { ok: false, error: { code: 'NOT_SIGNED_IN' } }
    if (this.session.mustChangePassword) {
      return { ok: false, error: { code: 'PASSWORD_CHANGE_REQUIRED' } }
    }
    const plugged = await this.waitForPlug()
    if (!plugged.ok) return plugged
    return { ok: true, value: this.keyPinState() }
  }

  setKeyPin = async (input: Input<'setKeyPin'>): Promise<Result<KeyPinState>> => {
    const failure = this.record('setKeyPin', input)
    if (failure) return { ok: false, error: failure }
    const account = this.signedIn()
    if (!account || !this.session) return { ok: false, error: { code: 'NOT_SIGNED_IN' } }
    if (this.session.mustChangePassword) {
      return { ok: false, error: { code: 'PASSWORD_CHANGE_REQUIRED' } }
    }
    const early = this.newPinRejection(input.pin, 4)
    if (early) return { ok: false, error: early }
    if (this.keyPinEntry === 'platform')
      return { ok: false, error: { code: 'FIDO_PIN_UNSUPPORTED' } }
    const plugged = await this.waitForPlug()
    if (!plugged.ok) return plugged
    const key = this.key
    if (key.u2fOnly) return { ok: false, error: { code: 'FIDO_PIN_UNSUPPORTED' } }
    if (key.pin !== null) return { ok: false, error: { code: 'FIDO_PIN_ALREADY_SET' } }
    const rejected = this.newPinRejection(input.pin, key.minPinLength)
    if (rejected) return { ok: false, error: rejected }
    if (key.refusedPins.includes(input.pin))
      return { ok: false, error: { code: 'FIDO_PIN_POLICY' } }
    key.pin = input.pin.normalize('NFC')
    key.retries = 8
    key.wrongInARow = 0
    return { ok: true, value: this.keyPinState() }
  }

  changeKeyPin = async (input: Input<'changeKeyPin'>): Promise<Result<Output<'changeKeyPin'>>> => {
    const failure = this.record('changeKeyPin', input)
    if (failure) return { ok: false, error: failure }
    const me = this.me()
    if ('error' in me) return { ok: false, error: me.error }
    const early = this.newPinRejection(input.next, 4)
    if (early) return { ok: false, error: early }
    if (this.keyPinEntry === 'platform')
      return { ok: false, error: { code: 'FIDO_PIN_UNSUPPORTED' } }
    const plugged = await this.waitForPlug()
    if (!plugged.ok) return plugged
    const key = this.key
    if (key.u2fOnly) return { ok: false, error: { code: 'FIDO_PIN_UNSUPPORTED' } }
    if (key.pin === null) return { ok: false, error: { code: 'FIDO_PIN_NOT_SET' } }
    const rejected = this.newPinRejection(input.next, key.minPinLength)
    if (rejected) return { ok: false, error: rejected }
    const pinError = this.checkPin(input.current, true)
    if (pinError) return { ok: false, error: pinError }
    if (key.refusedPins.includes(input.next))
      return { ok: false, error: { code: 'FIDO_PIN_POLICY' } }
    key.pin = input.next.normalize('NFC')
    return { ok: true, value: {} }
  }

  /** Waits for the key: plugged in, then touched. Statuses go out as events. */
  private waitForTouch(): Promise<KeyOutcome> {
    this.abortKeyOperation()
    return new Promise<KeyOutcome>((resolve) => {
      this.keyWait = resolve
      this.emit('keyStatus', {
        status:
          this.keyPinEntry === 'platform'
            ? 'platform'
            : this.key.plugged
              ? 'touch'
              : 'waiting-device',
      })
    })
  }

  registerKey = async (input: Input<'registerKey'>): Promise<Result<Factors>> => {
    const failure = this.record('registerKey', input)
    if (failure) return { ok: false, error: failure }
    const me = this.me({ fresh: true })
    if ('error' in me) return { ok: false, error: me.error }
    const account = me.account
    const discoverable = input.passkey === true || input.pin !== undefined
    if (discoverable && input.pin === undefined && this.keyPinEntry === 'kiosk') {
      return { ok: false, error: { code: 'FIDO_PIN_REQUIRED' } }
    }
    // Without the PIN a key that has one refuses to make a credential (CTAP 2.0).
    const pinError = this.checkPin(input.pin, true)
    if (pinError) return { ok: false, error: pinError }
    const touched = await this.waitForTouch()
    if (!touched.ok) return touched
    if (this.key.credentials.some((c) => c.email === account.email)) {
      return { ok: false, error: { code: 'FIDO_CREDENTIAL_EXCLUDED' } }
    }
    const id = `key-${this.nextKeyId++}`
    account.keys = [
      ...account.keys,
      { id, name: input.name.trim(), createdAt: Date.now(), lastUsedAt: null },
    ]
    this.key.credentials.push({
      email: account.email,
      keyId: id,
      discoverable,
    })
    return { ok: true, value: this.factorsOf(account, this.codesForFirstFactor(account)) }
  }

  removeKey = (input: Input<'removeKey'>): Promise<Result<Factors>> => {
    const failure = this.record('removeKey', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me({ fresh: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const account = me.account
    if (!account.keys.some((k) => k.id === input.id)) return fail('KEY_NOT_FOUND')
    account.keys = account.keys.filter((k) => k.id !== input.id)
    this.voidRecoveryCodesWithoutFactor(account)
    return ok(this.factorsOf(account))
  }

  private usedKey(account: FakeAccount, keyId: string): void {
    account.keys = account.keys.map((k) => (k.id === keyId ? { ...k, lastUsedAt: Date.now() } : k))
  }

  signInWithKey = async (input: Input<'signInWithKey'>): Promise<Result<SessionView>> => {
    const failure = this.record('signInWithKey', input)
    if (failure) return { ok: false, error: failure }
    if (!this.pending) return { ok: false, error: { code: 'NO_PENDING_SIGN_IN' } }
    const account = this.accounts.get(this.pending.email)
    if (!account || account.keys.length === 0)
      return { ok: false, error: { code: 'KEY_NOT_FOUND' } }
    // After a password, presence is enough, unless the key always asks for its PIN.
    const pinError = this.checkPin(input.pin, this.key.alwaysUv)
    if (pinError) return { ok: false, error: pinError }
    const touched = await this.waitForTouch()
    if (!touched.ok) return touched
    if (!this.pending) return { ok: false, error: { code: 'NO_PENDING_SIGN_IN' } }
    const credential = this.key.credentials.find(
      (c) => c.email === account.email && account.keys.some((k) => k.id === c.keyId),
    )
    if (!credential) return { ok: false, error: { code: 'FIDO_NO_CREDENTIALS' } }
    this.usedKey(account, credential.keyId)
    return { ok: true, value: this.startSession(account, 'key') }
  }

  /** The accounts offered after a passwordless PIN, until one is chosen. */
  private passwordlessChoice: { keyId: string; email: string }[] | null = null

  signInPasswordless = async (
    input: Input<'signInPasswordless'>,
  ): Promise<Result<Output<'signInPasswordless'>>> => {
    const failure = this.record('signInPasswordless', input)
    if (failure) return { ok: false, error: failure }
    if (input.pin === undefined && this.keyPinEntry === 'kiosk') {
      return { ok: false, error: { code: 'FIDO_PIN_REQUIRED' } }
    }
    this.pending = null
    this.session = null
    this.passwordlessChoice = null
    const pinError = this.checkPin(input.pin, true)
    if (pinError) return { ok: false, error: pinError }
    const touched = await this.waitForTouch()
    if (!touched.ok) return touched
    const discoverable = this.key.credentials.filter((c) => c.discoverable)
    if (discoverable.length === 0) return { ok: false, error: { code: 'FIDO_NO_CREDENTIALS' } }
    // Newest first, one per account of this kiosk, as the engine reads them.
    const known: { keyId: string; email: string }[] = []
    for (const c of [...discoverable].reverse()) {
      const account = this.accounts.get(c.email)
      if (!account || !account.keys.some((k) => k.id === c.keyId)) continue
      if (!known.some((k) => k.email === c.email)) known.push({ keyId: c.keyId, email: c.email })
    }
    const [only] = known
    if (!only) return { ok: false, error: { code: 'FIDO_KEY_REFUSED' } }
    if (known.length === 1) return this.passwordlessSession(only)
    this.passwordlessChoice = known
    return {
      ok: true,
      value: {
        chooseAccount: known.map((k) => ({
          id: k.keyId,
          name: this.accounts.get(k.email)!.name,
          maskedEmail: maskEmail(k.email),
        })),
      },
    }
  }

  choosePasswordlessAccount = (
    input: Input<'choosePasswordlessAccount'>,
  ): Promise<Result<SessionView>> => {
    const failure = this.record('choosePasswordlessAccount', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const chosen = this.passwordlessChoice?.find((k) => k.keyId === input.id)
    this.passwordlessChoice = null
    if (!chosen) return Promise.resolve({ ok: false, error: { code: 'NO_PENDING_SIGN_IN' } })
    return Promise.resolve(this.passwordlessSession(chosen))
  }

  private passwordlessSession(k: { keyId: string; email: string }): Result<SessionView> {
    const account = this.accounts.get(k.email)!
    this.usedKey(account, k.keyId)
    return { ok: true, value: this.startSession(account, 'key') }
  }

  cancelKeyOperation = (
    input: Input<'cancelKeyOperation'>,
  ): Promise<Result<Record<string, never>>> => {
    const failure = this.record('cancelKeyOperation', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    this.abortKeyOperation()
    return ok({})
  }

  // ---- the account lifecycle ----------------------------------------------

  /** The codes of an account that are still unused (for tests to read). */
  recoveryCodesOf(email: string): string[] {
    return [...(this.accounts.get(email)?.recoveryCodes ?? [])]
  }

  /** The new address of a pending address change, if any. */
  get pendingAddress(): string | null {
    return this.addressChange?.newEmail ?? null
  }

  useRecoveryCode = (input: Input<'useRecoveryCode'>): Promise<Result<SessionView>> => {
    const failure = this.record('useRecoveryCode', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.pending) return fail('NO_PENDING_SIGN_IN')
    const account = this.accounts.get(this.pending.email)
    if (!account) return fail('NO_PENDING_SIGN_IN')
    const typed = compactRecoveryCode(input.code)
    const match = account.recoveryCodes.find((code) => compactRecoveryCode(code) === typed)
    if (!match) return fail('RECOVERY_CODE_INVALID')
    account.recoveryCodes = account.recoveryCodes.filter((code) => code !== match)
    return ok(this.startSession(account, 'recovery'))
  }

  issueRecoveryCodes = (input: Input<'issueRecoveryCodes'>): Promise<Result<Factors>> => {
    const failure = this.record('issueRecoveryCodes', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me({ fresh: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const account = me.account
    if (account.app === null && account.keys.length === 0) return fail('NO_RECOVERY_CODES')
    return ok(this.factorsOf(account, this.issueCodes(account)))
  }

  changePassword = (input: Input<'changePassword'>): Promise<Result<SessionView>> => {
    const failure = this.record('changePassword', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me({ passwordChange: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const account = me.account
    const session = this.session!
    if (!session.mustChangePassword && Date.now() - session.secondFactorAt > STEP_UP_WINDOW_MS) {
      return fail('STEP_UP_REQUIRED')
    }
    // As the engine: right after IT's temporary password, it is not asked again.
    if (!session.mustChangePassword && input.current !== account.password) {
      return fail('INVALID_CREDENTIALS')
    }
    const next = input.next
    const lower = fold(next)
    const email = fold(account.email)
    const local = email.split('@')[0] ?? ''
    const issuer = fold(this.issuer).trim()
    if ([...next].length < 12) return fail('PASSWORD_REJECTED', { reason: 'too-short' })
    if (lower.includes(email) || (local.length >= 3 && lower.includes(local))) {
      return fail('PASSWORD_REJECTED', { reason: 'contains-email' })
    }
    // The configured issuer only, not the everyday word « guichet » (unless it is the issuer).
    if (issuer.length >= 3 && lower.includes(issuer)) {
      return fail('PASSWORD_REJECTED', { reason: 'contains-product' })
    }
    if (COMMON_PASSWORDS.has(lower)) return fail('PASSWORD_REJECTED', { reason: 'too-common' })
    account.password = next
    account.mustChangePassword = false
    account.tempPasswordExpired = false
    session.mustChangePassword = false
    return ok(this.sessionView() as SessionView)
  }

  beginAddressChange = (input: Input<'beginAddressChange'>): Promise<Result<AddressChange>> => {
    const failure = this.record('beginAddressChange', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me({ fresh: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const newEmail = input.email.trim().toLowerCase()
    // As the engine: the clerk's own address is refused; another account's answers as a free
    // one (the screen must not tell which addresses exist), with a code nobody is sent.
    if (newEmail === me.account.email) return fail('EMAIL_TAKEN')
    const now = Date.now()
    this.addressChange = {
      newEmail,
      code: this.accounts.has(newEmail) ? null : this.addressCode,
      expiresAt: now + this.emailCodeTtlSeconds * 1000,
      tries: 0,
    }
    return ok({
      maskedEmail: maskEmail(newEmail),
      sentAt: now,
      expiresAt: now + this.emailCodeTtlSeconds * 1000,
    })
  }

  confirmAddressChange = (input: Input<'confirmAddressChange'>): Promise<Result<SessionView>> => {
    const failure = this.record('confirmAddressChange', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    // As the engine: begun under step-up, confirmed within its window only.
    const me = this.me({ fresh: true })
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const change = this.addressChange
    if (!change) return fail('NO_PENDING_ADDRESS_CHANGE')
    if (Date.now() > change.expiresAt) return fail('CODE_EXPIRED')
    if (change.tries >= LIMITS.emailCodeMaxTries) return fail('CODE_ATTEMPTS_EXHAUSTED')
    if (input.code !== change.code) {
      change.tries += 1
      const left = LIMITS.emailCodeMaxTries - change.tries
      return left > 0
        ? fail('CODE_INVALID', { attemptsLeft: left })
        : fail('CODE_ATTEMPTS_EXHAUSTED')
    }
    if (this.accounts.has(change.newEmail)) return fail('EMAIL_TAKEN')
    const account = me.account
    const previous = account.email
    this.accounts.delete(previous)
    account.email = change.newEmail
    this.accounts.set(account.email, account)
    for (const credential of this.key.credentials) {
      if (credential.email === previous) credential.email = account.email
    }
    this.session!.email = account.email
    this.addressChange = null
    return ok(this.sessionView() as SessionView)
  }

  beginStepUp = (input: Input<'beginStepUp'>): Promise<Result<SignInStep>> => {
    const failure = this.record('beginStepUp', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me()
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const account = me.account
    const factor = account.app !== null ? 'app' : account.keys.length > 0 ? 'key' : 'email'
    const now = Date.now()
    const isEmail = factor === 'email'
    // As the engine: asked again for e-mail (« Renvoyer un code »), the same check
    // goes on, and the code it replaces answers CODE_REPLACED.
    const previous = this.stepUpCheck
    const replaced =
      isEmail && previous?.factor === 'email' && previous.code !== null
        ? [...(previous.replaced ?? []), previous.code]
        : []
    this.stepUpCheck = {
      factor,
      code: factor === 'app' ? account.appCode : isEmail ? this.emailCode : null,
      expiresAt: isEmail ? now + this.emailCodeTtlSeconds * 1000 : null,
      replaced,
    }
    return ok({
      factor,
      maskedEmail: maskEmail(account.email),
      sentAt: isEmail ? now : null,
      expiresAt: isEmail ? now + this.emailCodeTtlSeconds * 1000 : null,
      hasKey: account.keys.length > 0,
      hasRecoveryCodes: account.recoveryCodes.length > 0,
    })
  }

  /** As the engine: a wrong app code says the failures still free before a wait (5 per account). */
  private wrongAppCodes = 0
  private wrongAppCode(): Promise<Result<never>> {
    this.wrongAppCodes += 1
    const left = 5 - this.wrongAppCodes
    return left > 0 ? fail('CODE_INVALID', { attemptsLeft: left }) : fail('CODE_INVALID')
  }

  private steppedUp(): SessionView {
    this.session!.secondFactorAt = Date.now()
    this.stepUpCheck = null
    return this.sessionView() as SessionView
  }

  stepUp = (input: Input<'stepUp'>): Promise<Result<SessionView>> => {
    const failure = this.record('stepUp', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const me = this.me()
    if ('error' in me) return Promise.resolve({ ok: false, error: me.error })
    const check = this.stepUpCheck
    if (!check || check.code === null) return fail('NO_PENDING_SIGN_IN')
    if (check.expiresAt !== null && Date.now() > check.expiresAt) return fail('CODE_EXPIRED')
    // As the engine: every try of an e-mailed code counts against it, a replaced one's too.
    const isEmail = check.factor === 'email'
    if (isEmail && (check.tries ?? 0) >= LIMITS.emailCodeMaxTries) {
      return fail('CODE_ATTEMPTS_EXHAUSTED')
    }
    if (input.code !== check.code) {
      if (!isEmail) return this.wrongAppCode()
      check.tries = (check.tries ?? 0) + 1
      if (check.replaced?.includes(input.code)) return fail('CODE_REPLACED')
      const left = LIMITS.emailCodeMaxTries - check.tries
      return left > 0
        ? fail('CODE_INVALID', { attemptsLeft: left })
        : fail('CODE_ATTEMPTS_EXHAUSTED')
    }
    return ok(this.steppedUp())
  }

  stepUpWithKey = async (input: Input<'stepUpWithKey'>): Promise<Result<SessionView>> => {
    const failure = this.record('stepUpWithKey', input)
    if (failure) return { ok: false, error: failure }
    const me = this.me()
    if ('error' in me) return { ok: false, error: me.error }
    const account = me.account
    if (account.keys.length === 0) return { ok: false, error: { code: 'KEY_NOT_FOUND' } }
    const pinError = this.checkPin(input.pin, this.key.alwaysUv)
    if (pinError) return { ok: false, error: pinError }
    const touched = await this.waitForTouch()
    if (!touched.ok) return touched
    const credential = this.key.credentials.find(
      (c) => c.email === account.email && account.keys.some((k) => k.id === c.keyId),
    )
    if (!credential) return { ok: false, error: { code: 'FIDO_NO_CREDENTIALS' } }
    this.usedKey(account, credential.keyId)
    return { ok: true, value: this.steppedUp() }
  }
}
