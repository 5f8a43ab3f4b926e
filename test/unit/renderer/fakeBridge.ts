// An in-memory stand-in for main: the same Bridge shape the preload and the HTTP
// client give the renderer, with just enough engine behaviour for screen tests
// (accounts, a pending sign-in, a session, one app per account). Tests can queue
// a failure for the next call of a method and read every call made.

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

  private session: { email: string; factor: 'email' | 'app' } | null = null
  private pending: { email: string; step: SignInStep; code: string | null } | null = null
  private enrollment: {
    email: string | null
    setup?: { email: string; name: string; password: string }
  } | null = null
  private failures = new Map<MethodName, ContractError[]>()
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
      mustEnroll: account.mustEnroll === true && account.app === null,
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
    const isApp = account.app !== null
    const now = Date.now()
    const step: SignInStep = {
      factor: isApp ? 'app' : 'email',
      maskedEmail: maskEmail(account.email),
      sentAt: isApp ? null : now,
      expiresAt: isApp ? null : now + EMAIL_TTL_MS,
      hasKey: account.keys.length > 0,
    }
    this.pending = { email: account.email, step, code: isApp ? account.appCode : this.emailCode }
    return ok(step)
  }

  resendCode = (input: Input<'resendCode'>): Promise<Result<SignInStep>> => {
    const failure = this.record('resendCode', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.pending) return fail('NO_PENDING_SIGN_IN')
    if (this.pending.step.factor === 'app') return fail('EMAIL_CODE_NOT_ALLOWED')
    const now = Date.now()
    const step: SignInStep = { ...this.pending.step, sentAt: now, expiresAt: now + EMAIL_TTL_MS }
    this.pending = { ...this.pending, step, code: this.emailCode }
    return ok(step)
  }

  verifyCode = (input: Input<'verifyCode'>): Promise<Result<SessionView>> => {
    const failure = this.record('verifyCode', input)
    if (failure) return Promise.resolve({ ok: false, error: failure })
    if (!this.pending) return fail('NO_PENDING_SIGN_IN')
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
}
