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

import type { Bridge, Unsubscribe } from '../../../src-main/contract/bridge'
import type {
  ContractError,
  ErrorCode,
  ErrorParams,
  Result,
} from '../../../src-main/contract/errors'
import type {
  AppEnrollment,
  EventName,
  EventPayload,
  Factors,
  Input,
  KeyView,
  MethodName,
  Output,
  SessionView,
  SignInStep,
  Status,
} from '../../../src-main/contract/methods'

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
}

type KeyOutcome = { ok: true } | { ok: false; error: ContractError }

export interface Call {
  method: MethodName
  input: unknown
}

const EMAIL_TTL_MS = 600_000

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
  issuer = 'Guichet'
  accounts = new Map<string, FakeAccount>()
  /** The code the next e-mail carries. */
  emailCode = '123456'
  calls: Call[] = []

  key: FakeKey = {
    plugged: true,
    pin: null,
    retries: 8,
    wrongInARow: 0,
    alwaysUv: false,
    credentials: [],
  }

  private session: { email: string; factor: 'email' | 'app' | 'key' } | null = null
  private pending: { email: string; step: SignInStep; code: string | null } | null = null
  private enrollment: {
    email: string | null
    setup?: { email: string; name: string; password: string }
  } | null = null
  private failures = new Map<MethodName, ContractError[]>()
  private keyWait: ((outcome: KeyOutcome) => void) | null = null
  private nextKeyId = 1
  private listeners = new Map<string, Set<(payload: unknown) => void>>()

  addAccount(account: Partial<FakeAccount> & { email: string; name: string }): FakeAccount {
    const full: FakeAccount = {
      password: 'correct horse battery',
      app: null,
      keys: [],
      appCode: '246810',
      secretGroups: ['JBSW', 'Y3DP', 'EHPK', '3PXP'],
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
    }
  }

  private factorsOf(account: FakeAccount): Factors {
    return { email: account.email, app: account.app, keys: account.keys }
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
      emailCodeTtlSeconds: 600,
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

  confirmSetup = (input: Input<'confirmSetup'>): Promise<Result<SessionView>> => {
    const failure = this.record('confirmSetup', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const setup = this.enrollment?.setup
    if (!setup) return fail('NO_PENDING_ENROLLMENT')
    if (input.code !== '246810') return fail('CODE_INVALID')
    const account = this.addAccount({
      email: setup.email,
      name: setup.name,
      password: setup.password,
      app: { deviceName: input.deviceName ?? '', createdAt: Date.now() },
    })
    this.enrollment = null
    this.session = { email: account.email, factor: 'app' }
    return ok(this.sessionView() as SessionView)
  }

  signIn = (input: Input<'signIn'>): Promise<Result<SignInStep>> => {
    const failure = this.record('signIn', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.accounts.get(input.email.trim().toLowerCase())
    if (!account || account.password !== input.password) return fail('INVALID_CREDENTIALS')
    // As the engine: an app first, then a key; e-mailed codes only without either.
    const factor = account.app !== null ? 'app' : account.keys.length > 0 ? 'key' : 'email'
    const isEmail = factor === 'email'
    const now = Date.now()
    const step: SignInStep = {
      factor,
      maskedEmail: maskEmail(account.email),
      sentAt: isEmail ? now : null,
      expiresAt: isEmail ? now + EMAIL_TTL_MS : null,
      hasKey: account.keys.length > 0,
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
    const step: SignInStep = { ...this.pending.step, sentAt: now, expiresAt: now + EMAIL_TTL_MS }
    this.pending = { ...this.pending, step, code: this.emailCode }
    return ok(step)
  }

  verifyCode = (input: Input<'verifyCode'>): Promise<Result<SessionView>> => {
    const failure = this.record('verifyCode', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.pending) return fail('NO_PENDING_SIGN_IN')
    if (this.pending.code === null) return fail('APP_NOT_ENROLLED')
    if (input.code !== this.pending.code) {
      return this.pending.step.factor === 'email'
        ? fail('CODE_INVALID', { attemptsLeft: 4 })
        : fail('CODE_INVALID')
    }
    this.session = { email: this.pending.email, factor: this.pending.step.factor }
    this.pending = null
    return ok(this.sessionView() as SessionView)
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
    this.abortKeyOperation()
    this.session = null
    this.enrollment = null
    return ok({})
  }

  private signedIn(): FakeAccount | null {
    return this.session ? (this.accounts.get(this.session.email) ?? null) : null
  }

  listFactors = (input: Input<'listFactors'>): Promise<Result<Factors>> => {
    const failure = this.record('listFactors', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.signedIn()
    return account ? ok(this.factorsOf(account)) : fail('NOT_SIGNED_IN')
  }

  beginAppEnrollment = (input: Input<'beginAppEnrollment'>): Promise<Result<AppEnrollment>> => {
    const failure = this.record('beginAppEnrollment', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.signedIn()
    if (!account) return fail('NOT_SIGNED_IN')
    this.enrollment = { email: account.email }
    return ok(this.newEnrollment(account.secretGroups))
  }

  confirmAppEnrollment = (input: Input<'confirmAppEnrollment'>): Promise<Result<Factors>> => {
    const failure = this.record('confirmAppEnrollment', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.signedIn()
    if (!account) return fail('NOT_SIGNED_IN')
    if (this.enrollment?.email !== account.email) return fail('NO_PENDING_ENROLLMENT')
    if (input.code !== account.appCode) return fail('CODE_INVALID')
    account.app = { deviceName: input.deviceName ?? '', createdAt: Date.now() }
    this.enrollment = null
    return ok(this.factorsOf(account))
  }

  removeApp = (input: Input<'removeApp'>): Promise<Result<Factors>> => {
    const failure = this.record('removeApp', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.signedIn()
    if (!account) return fail('NOT_SIGNED_IN')
    if (!account.app) return fail('APP_NOT_ENROLLED')
    account.app = null
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
    if (this.keyWait) this.emit('keyStatus', { status: 'touch' })
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
    resolve?.(outcome)
  }

  private abortKeyOperation(): void {
    this.finishKeyWait({ ok: false, error: { code: 'FIDO_CANCELLED' } })
  }

  /** Checks a PIN the way a key does; null when it may go on. */
  private checkPin(pin: string | undefined, required: boolean): ContractError | null {
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

  /** Waits for the key: plugged in, then touched. Statuses go out as events. */
  private waitForTouch(): Promise<KeyOutcome> {
    this.abortKeyOperation()
    return new Promise<KeyOutcome>((resolve) => {
      this.keyWait = resolve
      this.emit('keyStatus', { status: this.key.plugged ? 'touch' : 'waiting-device' })
    })
  }

  registerKey = async (input: Input<'registerKey'>): Promise<Result<Factors>> => {
    const failure = this.record('registerKey', input)
    if (failure) return { ok: false, error: failure }
    const account = this.signedIn()
    if (!account) return { ok: false, error: { code: 'NOT_SIGNED_IN' } }
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
      discoverable: input.pin !== undefined,
    })
    return { ok: true, value: this.factorsOf(account) }
  }

  removeKey = (input: Input<'removeKey'>): Promise<Result<Factors>> => {
    const failure = this.record('removeKey', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    const account = this.signedIn()
    if (!account) return fail('NOT_SIGNED_IN')
    if (!account.keys.some((k) => k.id === input.id)) return fail('KEY_NOT_FOUND')
    account.keys = account.keys.filter((k) => k.id !== input.id)
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
    this.session = { email: account.email, factor: 'key' }
    this.pending = null
    return { ok: true, value: this.sessionView() as SessionView }
  }

  signInPasswordless = async (input: Input<'signInPasswordless'>): Promise<Result<SessionView>> => {
    const failure = this.record('signInPasswordless', input)
    if (failure) return { ok: false, error: failure }
    this.pending = null
    this.session = null
    const pinError = this.checkPin(input.pin, true)
    if (pinError) return { ok: false, error: pinError }
    const touched = await this.waitForTouch()
    if (!touched.ok) return touched
    const credential = this.key.credentials.find((c) => c.discoverable)
    if (!credential) return { ok: false, error: { code: 'FIDO_NO_CREDENTIALS' } }
    const account = this.accounts.get(credential.email)
    if (!account || !account.keys.some((k) => k.id === credential.keyId)) {
      return { ok: false, error: { code: 'FIDO_KEY_REFUSED' } }
    }
    this.usedKey(account, credential.keyId)
    this.session = { email: account.email, factor: 'key' }
    return { ok: true, value: this.sessionView() as SessionView }
  }

  cancelKeyOperation = (
    input: Input<'cancelKeyOperation'>,
  ): Promise<Result<Record<string, never>>> => {
    const failure = this.record('cancelKeyOperation', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    this.abortKeyOperation()
    return ok({})
  }
}
