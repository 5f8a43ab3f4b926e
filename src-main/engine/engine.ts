// The auth engine: the whole sign-in of DESIGN.md as plain Node, with the
// clock, store, mailer and key provider passed in. One engine serves one
// terminal, so it holds that terminal's session (one clerk at a time).
//
// Every method answers a Result; a wrong password or code is a value, never an
// exception. Inputs arrive already parsed by the contract's schemas.

import type { Config } from '../config'
import { randomBytes } from 'node:crypto'
import { fail, ok, type ContractError, type Result } from '../contract/errors'
import type { Api } from '../contract/dispatch'
import type {
  AppEnrollment,
  EventName,
  EventPayload,
  Factor,
  Factors,
  MethodName,
  SessionView,
  SignInStep,
} from '../contract/methods'
import { silentLogger, type Logger } from '../log'
import { MailUnavailableError, type Mailer } from '../mail/mailer'
import { noticeLetter, signInCodeLetter, type NoticeKind } from '../mail/templates'
import { FidoError, type KeyClient } from '../fido/client'
import type { AuditEntry, KeyRecord, Store, ThrottlePolicy, UserRecord } from '../store/types'
import type { KeyProvider } from './keys'
import { checkNewPassword, createDummyHash, hashPassword, verifyPassword } from './password'
import { mac, macEquals, open, randomDigits, randomId, seal } from './secrets'
import { groupsOfFour, matchTotp, newTotpSecret, qrCodes, totpUri } from './totp'
import { verifyKeyAssertion, verifyNewKey } from './webauthn'

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}
export const systemClock: Clock = { now: () => Date.now() }

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export interface EngineDeps {
  config: Config
  store: Store
  mailer: Mailer
  keyProvider: KeyProvider
  clock?: Clock
  log?: Logger
  emit?: Emit
  /** Talks to security keys (USB HID, UDP, or the platform API); absent: no key support. */
  keyClient?: KeyClient
}

/** 5 failures free, then 30 s doubling up to 15 min; forgotten after a quiet day. */
export const THROTTLE_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseWaitMs: 30_000,
  maxWaitMs: 15 * 60_000,
  forgetAfterMs: 24 * 3600_000,
}
export const EMAIL_CODE_MAX_TRIES = 5
export const EMAIL_CODES_PER_HOUR = 5
export const ENROLLMENT_TTL_MS = 10 * 60_000
export const ENROLLMENT_MAX_TRIES = 5
/** A key challenge is single use and lives 2 minutes. */
export const KEY_CHALLENGE_TTL_MS = 2 * 60_000
/** How long a key operation waits for the clerk's touch. */
export const KEY_TOUCH_TIMEOUT_MS = 30_000

type Session =
  | { kind: 'none' }
  | {
      kind: 'pending'
      userId: number
      email: string
      attemptId: string
      factor: 'email' | 'app' | 'key'
      sentAt: number | null
      expiresAt: number | null
      /** The pending sign-in is dropped after this (epoch ms). */
      validUntil: number
    }
  | {
      kind: 'signed-in'
      userId: number
      factor: Factor
      /** When the second factor was last checked (step-up uses it). */
      secondFactorAt: number
      mustEnroll: boolean
    }

interface PendingEnrollment {
  secret: string
  expiresAt: number
  tries: number
}

interface PendingSetup extends PendingEnrollment {
  email: string
  name: string
  passwordHash: string
}

export type Engine = Api & {
  /** Ends the session of this terminal (sign-out, idle lock, shutdown). */
  reset(): void
}

/** `a•••@mairie.fr`: enough for the clerk to recognise, little for the next person. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  const local = email.slice(0, at)
  return `${[...local][0] ?? ''}•••${email.slice(at)}`
}

class Mutex {
  private tail: Promise<unknown> = Promise.resolve()
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn)
    this.tail = next.catch(() => undefined)
    return next
  }
}

export async function createEngine(deps: EngineDeps): Promise<Engine> {
  const { config, store, mailer } = deps
  const clock = deps.clock ?? systemClock
  const log = deps.log ?? silentLogger
  const locale = config.locale
  const dataKey = await deps.keyProvider.getDataKey()
  const dummyHash = await createDummyHash()
  const mutex = new Mutex()

  let session: Session = { kind: 'none' }
  let enrollment: PendingEnrollment | undefined
  let setup: PendingSetup | undefined
  /** The key operation waiting for a touch, if any (« Annuler » aborts it). */
  let keyOperation: AbortController | undefined

  // ---- helpers -------------------------------------------------------------

  const audit = (entry: Omit<AuditEntry, 'at' | 'terminalId'>): Promise<void> =>
    store.audit.append({ ...entry, at: clock.now(), terminalId: config.terminalId })

  const secondsUntil = (t: number): number => Math.max(1, Math.ceil((t - clock.now()) / 1000))

  /** The wait still to serve, never more than the longest wait (a clock jump back can't lock forever). */
  async function lockedFor(subject: string): Promise<number | undefined> {
    const t = await store.throttle.get(subject)
    if (!t) return undefined
    const now = clock.now()
    if (t.lockedUntil <= now) return undefined
    return Math.min(secondsUntil(t.lockedUntil), THROTTLE_POLICY.maxWaitMs / 1000)
  }

  /** Counts a failure; answers ACCOUNT_LOCKED if it earned a wait, else `otherwise`. */
  async function failure(
    subject: string,
    user: UserRecord | undefined,
    factor: string,
    otherwise: ContractError,
  ): Promise<Result<never>> {
    const now = clock.now()
    const t = await store.throttle.recordFailure(subject, now, THROTTLE_POLICY)
    await audit({
      event: 'sign-in',
      outcome: 'fail',
      userId: user?.id ?? null,
      email: subject,
      factor,
      detail: otherwise.code,
    })
    if (t.lockedUntil > now) {
      await audit({
        event: 'lockout',
        outcome: 'fail',
        userId: user?.id ?? null,
        email: subject,
        detail: `failures=${t.failures} wait=${Math.round((t.lockedUntil - now) / 1000)}s`,
      })
      return fail('ACCOUNT_LOCKED', {
        retryAfterSeconds: Math.min(secondsUntil(t.lockedUntil), THROTTLE_POLICY.maxWaitMs / 1000),
      })
    }
    return { ok: false, error: otherwise }
  }

  function stepView(s: Extract<Session, { kind: 'pending' }>, hasKey: boolean): SignInStep {
    return {
      factor: s.factor,
      maskedEmail: maskEmail(s.email),
      sentAt: s.sentAt,
      expiresAt: s.expiresAt,
      hasKey,
    }
  }

  async function sessionView(
    s: Extract<Session, { kind: 'signed-in' }>,
  ): Promise<SessionView | undefined> {
    const user = await store.users.byId(s.userId)
    if (!user || user.disabled) return undefined
    return { name: user.name, email: user.email, factor: s.factor, mustEnroll: s.mustEnroll }
  }

  function currentPending(): Extract<Session, { kind: 'pending' }> | undefined {
    if (session.kind !== 'pending') return undefined
    if (clock.now() > session.validUntil) {
      session = { kind: 'none' }
      return undefined
    }
    return session
  }

  async function signedInUser(
    options: { duringEnrollment?: boolean } = {},
  ): Promise<Result<{ user: UserRecord; s: Extract<Session, { kind: 'signed-in' }> }>> {
    if (session.kind !== 'signed-in') return fail('NOT_SIGNED_IN')
    const user = await store.users.byId(session.userId)
    if (!user || user.disabled) {
      endSession()
      return fail('NOT_SIGNED_IN')
    }
    if (session.mustEnroll && !options.duringEnrollment) return fail('ENROLLMENT_REQUIRED')
    return ok({ user, s: session })
  }

  function endSession(): void {
    keyOperation?.abort()
    keyOperation = undefined
    session = { kind: 'none' }
    enrollment = undefined
    setup = undefined
  }

  async function sendNotice(user: UserRecord, kind: NoticeKind): Promise<void> {
    const letter = noticeLetter(kind, locale, {
      at: clock.now(),
      issuer: config.issuer,
      terminalId: config.terminalId,
    })
    try {
      await mailer.send({ to: user.email, ...letter })
    } catch (error) {
      // The change itself is done; a notice that cannot leave is IT's to know.
      log.warn('notice not sent', { kind, userId: user.id, error: (error as Error).message })
    }
  }

  /** Sends a fresh code for this attempt; the previous ones stop working. */
  async function issueEmailCode(
    user: UserRecord,
    attemptId: string,
  ): Promise<Result<{ sentAt: number; expiresAt: number }>> {
    const now = clock.now()
    const hourAgo = now - 3600_000
    if ((await store.codes.countSentSince(user.id, hourAgo)) >= EMAIL_CODES_PER_HOUR) {
      const oldest = (await store.codes.oldestSentSince(user.id, hourAgo)) ?? now
      return fail('CODE_QUOTA_EXCEEDED', { retryAfterSeconds: secondsUntil(oldest + 3600_000) })
    }
    const code = randomDigits(6)
    const expiresAt = now + config.emailCodeTtlSeconds * 1000
    const letter = signInCodeLetter(locale, {
      code,
      sentAt: now,
      ttlMinutes: Math.round(config.emailCodeTtlSeconds / 60),
      issuer: config.issuer,
      terminalId: config.terminalId,
    })
    try {
      await mailer.send({ to: user.email, ...letter })
    } catch (error) {
      if (!(error instanceof MailUnavailableError)) throw error
      log.warn('sign-in code not sent', { userId: user.id, error: error.message })
      await audit({
        event: 'code-sent',
        outcome: 'fail',
        userId: user.id,
        email: user.email,
        factor: 'email',
        detail: 'MAIL_UNAVAILABLE',
      })
      return fail('MAIL_UNAVAILABLE')
    }
    // Counted as sent only once the mail server has accepted it.
    await store.transaction(async (tx) => {
      await tx.codes.insertReplacing({
        userId: user.id,
        attemptId,
        mac: mac(dataKey, 'email-code', String(user.id), attemptId, code),
        sentAt: now,
        expiresAt,
      })
      await tx.audit.append({
        at: now,
        terminalId: config.terminalId,
        event: 'code-sent',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'email',
      })
    })
    return ok({ sentAt: now, expiresAt })
  }

  async function completeSignIn(user: UserRecord, factor: Factor): Promise<Result<SessionView>> {
    const now = clock.now()
    await store.throttle.reset(user.email)
    await audit({ event: 'sign-in', outcome: 'ok', userId: user.id, email: user.email, factor })
    const hasApp = (await store.apps.get(user.id)) !== undefined
    const mustEnroll =
      config.policy.emailCode === 'first-sign-in-only' &&
      factor === 'email' &&
      !hasApp &&
      !(await hasKeys(user.id))
    session = { kind: 'signed-in', userId: user.id, factor, secondFactorAt: now, mustEnroll }
    enrollment = undefined
    return ok({ name: user.name, email: user.email, factor, mustEnroll })
  }

  async function newEnrollment(
    email: string,
  ): Promise<{ pending: PendingEnrollment; view: AppEnrollment }> {
    const secret = newTotpSecret()
    const uri = totpUri({ issuer: config.issuer, email, secret })
    const qr = await qrCodes(uri)
    const expiresAt = clock.now() + ENROLLMENT_TTL_MS
    return {
      pending: { secret, expiresAt, tries: 0 },
      view: {
        uri,
        qrSvg: qr.svg,
        qrPngDataUrl: qr.pngDataUrl,
        secretGroups: groupsOfFour(secret),
        expiresAt,
      },
    }
  }

  /** Checks a confirmation code against a pending enrollment; counts tries. */
  async function confirmPending(
    pending: PendingEnrollment | undefined,
    code: string,
  ): Promise<Result<number>> {
    if (!pending || clock.now() > pending.expiresAt) return fail('NO_PENDING_ENROLLMENT')
    const step = await matchTotp(pending.secret, code, clock.now())
    if (step === undefined) {
      pending.tries += 1
      if (pending.tries >= ENROLLMENT_MAX_TRIES) {
        pending.expiresAt = 0
        return fail('NO_PENDING_ENROLLMENT')
      }
      return fail('CODE_INVALID', { attemptsLeft: ENROLLMENT_MAX_TRIES - pending.tries })
    }
    return ok(step)
  }

  const sealSecret = (userId: number, secret: string): Uint8Array =>
    seal(dataKey, Buffer.from(secret, 'utf8'), `totp:${userId}`)
  const openSecret = (userId: number, sealed: Uint8Array): string =>
    Buffer.from(open(dataKey, sealed, `totp:${userId}`)).toString('utf8')

  async function factorsOf(user: UserRecord): Promise<Factors> {
    const app = await store.apps.get(user.id)
    const keys = await store.keys.listByUser(user.id)
    return {
      email: user.email,
      app: app ? { deviceName: app.deviceName, createdAt: app.createdAt } : null,
      keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        createdAt: k.createdAt,
        lastUsedAt: k.lastUsedAt,
      })),
    }
  }

  const hasKeys = async (userId: number): Promise<boolean> =>
    (await store.keys.listByUser(userId)).length > 0

  /** The user id a key stores with a discoverable credential: stable, and no personal data. */
  const userHandle = (userId: number): Uint8Array =>
    mac(dataKey, 'user-handle', String(userId)).slice(0, 16)

  const relyingParty = { rpId: config.fido.rpId, origin: config.fido.origin }
  const allowedAaguids = new Set(
    config.fido.allowedAaguids.map((a) => a.replace(/-/g, '').toLowerCase()),
  )

  /**
   * Runs one operation on the key, reporting its progress as `keyStatus`
   * events; « Annuler » (cancelKeyOperation) or sign-out aborts it. Device
   * errors come back as their codes.
   */
  async function withKey<T>(
    run: (
      client: KeyClient,
      signal: AbortSignal,
      onStatus: (s: 'waiting-device' | 'processing' | 'touch') => void,
    ) => Promise<T>,
  ): Promise<Result<T>> {
    const client = deps.keyClient
    if (!client) return fail('FIDO_NO_DEVICE')
    keyOperation?.abort()
    const controller = new AbortController()
    keyOperation = controller
    try {
      return ok(
        await run(client, controller.signal, (status) => deps.emit?.('keyStatus', { status })),
      )
    } catch (error) {
      if (error instanceof FidoError) {
        return fail(
          error.code,
          error.attemptsLeft === undefined ? undefined : { attemptsLeft: error.attemptsLeft },
        )
      }
      throw error
    } finally {
      if (keyOperation === controller) keyOperation = undefined
    }
  }

  /** Checks an assertion against a stored key and moves its counter forward, atomically. */
  async function acceptAssertion(
    user: UserRecord,
    key: KeyRecord,
    response: Parameters<typeof verifyKeyAssertion>[0],
    challenge: Uint8Array,
    startedAt: number,
    requireUserVerification: boolean,
  ): Promise<Result<SessionView>> {
    if (clock.now() - startedAt > KEY_CHALLENGE_TTL_MS) return fail('FIDO_TIMEOUT')
    const check = await verifyKeyAssertion(response, key, {
      ...relyingParty,
      challenge: Buffer.from(challenge).toString('base64url'),
      requireUserVerification,
    })
    const counterMoved =
      check.ok && (await store.keys.advanceCounter(key.credentialID, check.signCount, clock.now()))
    if (!check.ok || !counterMoved) {
      if (!check.ok && check.reason === 'invalid') {
        return failure(user.email, user, 'key', { code: 'FIDO_KEY_REFUSED' })
      }
      // A counter that goes backwards may be a cloned key: refuse and tell IT.
      await audit({
        event: 'key-counter-regression',
        outcome: 'fail',
        userId: user.id,
        email: user.email,
        factor: 'key',
        detail: `key ${key.id} (${key.name})`,
      })
      log.warn('security key counter went backwards', { userId: user.id, keyId: key.id })
      return failure(user.email, user, 'key', { code: 'FIDO_KEY_REFUSED' })
    }
    return completeSignIn(user, 'key')
  }

  // ---- the contract's methods ----------------------------------------------

  const api: Api = {
    async getStatus() {
      const firstStart = (await store.users.count()) === 0
      let view: SessionView | null = null
      if (session.kind === 'signed-in') {
        view = (await sessionView(session)) ?? null
        if (!view) endSession()
      }
      const pending = currentPending()
      return ok({
        firstStart,
        issuer: config.issuer,
        locale: config.locale,
        idleLockSeconds: config.idleLockSeconds,
        emailCodeTtlSeconds: config.emailCodeTtlSeconds,
        session: view,
        pending: pending ? stepView(pending, await hasKeys(pending.userId)) : null,
      })
    },

    async beginSetup({ email, name, password }) {
      if ((await store.users.count()) > 0) return fail('SETUP_ALREADY_DONE')
      const reason = await checkNewPassword(password, { email, name, issuer: config.issuer })
      if (reason) return fail('PASSWORD_REJECTED', { reason })
      const { pending, view } = await newEnrollment(email)
      endSession()
      setup = { ...pending, email, name, passwordHash: await hashPassword(password) }
      return ok(view)
    },

    async confirmSetup({ code, deviceName }) {
      const checked = await confirmPending(setup, code)
      if (!checked.ok) return checked
      const s = setup as PendingSetup
      const now = clock.now()
      const userId = await store.transaction(async (tx) => {
        if ((await tx.users.count()) > 0) return undefined
        const id = await tx.users.insert({
          email: s.email,
          name: s.name,
          passwordHash: s.passwordHash,
          mustChangePassword: false,
          now,
        })
        if (id === undefined) return undefined
        await tx.apps.put({
          userId: id,
          secretEnc: sealSecret(id, s.secret),
          deviceName,
          createdAt: now,
          lastStep: checked.value,
        })
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'setup',
          outcome: 'ok',
          userId: id,
          email: s.email,
          factor: 'app',
        })
        return id
      })
      setup = undefined
      if (userId === undefined) return fail('SETUP_ALREADY_DONE')
      const user = (await store.users.byId(userId)) as UserRecord
      return completeSignIn(user, 'app')
    },

    async signIn({ email, password }) {
      endSession()
      const wait = await lockedFor(email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const user = await store.users.byEmail(email)
      // Unknown addresses verify a dummy hash: same answer, same time.
      const matches = await verifyPassword(user?.passwordHash ?? dummyHash, password)
      if (!user || !matches)
        return failure(email, user, 'password', { code: 'INVALID_CREDENTIALS' })
      if (user.disabled) {
        await audit({
          event: 'sign-in',
          outcome: 'fail',
          userId: user.id,
          email,
          factor: 'password',
          detail: 'ACCOUNT_DISABLED',
        })
        return fail('ACCOUNT_DISABLED')
      }
      const attemptId = randomId()
      const now = clock.now()
      const app = await store.apps.get(user.id)
      const keys = await store.keys.listByUser(user.id)
      const base = { kind: 'pending' as const, userId: user.id, email: user.email, attemptId }
      const validUntil = now + (config.emailCodeTtlSeconds + 60) * 1000
      if (app) {
        session = { ...base, factor: 'app', sentAt: null, expiresAt: null, validUntil }
      } else if (keys.length > 0) {
        // A key is enrolled: e-mailed codes are no longer offered, as with an app.
        session = { ...base, factor: 'key', sentAt: null, expiresAt: null, validUntil }
      } else {
        const sent = await issueEmailCode(user, attemptId)
        if (!sent.ok) return sent
        session = { ...base, factor: 'email', ...sent.value, validUntil }
      }
      await audit({
        event: 'sign-in.password',
        outcome: 'ok',
        userId: user.id,
        email,
        factor: 'password',
      })
      return ok(stepView(session, keys.length > 0))
    },

    async resendCode() {
      const pending = currentPending()
      if (!pending) return fail('NO_PENDING_SIGN_IN')
      if (pending.factor !== 'email') return fail('EMAIL_CODE_NOT_ALLOWED')
      const wait = await lockedFor(pending.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const user = await store.users.byId(pending.userId)
      if (!user || user.disabled) {
        endSession()
        return fail('NO_PENDING_SIGN_IN')
      }
      const sent = await issueEmailCode(user, pending.attemptId)
      if (!sent.ok) return sent
      pending.sentAt = sent.value.sentAt
      pending.expiresAt = sent.value.expiresAt
      pending.validUntil = sent.value.expiresAt + 60_000
      return ok(stepView(pending, await hasKeys(pending.userId)))
    },

    async verifyCode({ code }) {
      const pending = currentPending()
      if (!pending) return fail('NO_PENDING_SIGN_IN')
      const subject = pending.email
      const wait = await lockedFor(subject)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const user = await store.users.byId(pending.userId)
      if (!user || user.disabled) {
        endSession()
        return fail('NO_PENDING_SIGN_IN')
      }
      const app = await store.apps.get(user.id)
      const now = clock.now()

      if (pending.factor === 'email') {
        // an app or a key was enrolled meanwhile
        if (app || (await hasKeys(user.id))) return fail('EMAIL_CODE_NOT_ALLOWED')
        const record = await store.codes.active(user.id, pending.attemptId)
        if (!record || now > record.expiresAt) return fail('CODE_EXPIRED')
        const tries = await store.codes.registerAttempt(record.id, EMAIL_CODE_MAX_TRIES)
        if (tries === undefined) return fail('CODE_ATTEMPTS_EXHAUSTED')
        const expected = mac(dataKey, 'email-code', String(user.id), pending.attemptId, code)
        if (!macEquals(expected, record.mac)) {
          const left = EMAIL_CODE_MAX_TRIES - tries
          return failure(
            subject,
            user,
            'email',
            left > 0
              ? { code: 'CODE_INVALID', params: { attemptsLeft: left } }
              : { code: 'CODE_ATTEMPTS_EXHAUSTED' },
          )
        }
        if (!(await store.codes.consume(record.id, now))) return fail('CODE_EXPIRED')
        return completeSignIn(user, 'email')
      }

      if (pending.factor === 'key' || !app) return fail('APP_NOT_ENROLLED')
      const step = await matchTotp(openSecret(user.id, app.secretEnc), code, now)
      if (step === undefined) return failure(subject, user, 'app', { code: 'CODE_INVALID' })
      // A time step once accepted is never accepted again, on any terminal.
      if (step <= app.lastStep || !(await store.apps.markStepUsed(user.id, step))) {
        return failure(subject, user, 'app', { code: 'CODE_REPLAYED' })
      }
      return completeSignIn(user, 'app')
    },

    async cancelSignIn() {
      if (session.kind === 'pending') session = { kind: 'none' }
      return ok({})
    },

    async signOut() {
      if (session.kind === 'signed-in') {
        await audit({ event: 'sign-out', outcome: 'ok', userId: session.userId })
      }
      endSession()
      return ok({})
    },

    async listFactors() {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      return ok(await factorsOf(me.value.user))
    },

    async beginAppEnrollment() {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      const { pending, view } = await newEnrollment(me.value.user.email)
      enrollment = pending
      return ok(view)
    },

    async confirmAppEnrollment({ code, deviceName }) {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const checked = await confirmPending(enrollment, code)
      if (!checked.ok) return checked
      const secret = (enrollment as PendingEnrollment).secret
      const now = clock.now()
      const replaced = (await store.apps.get(user.id)) !== undefined
      // The new app replaces the old only now that it is confirmed, in one transaction.
      await store.transaction(async (tx) => {
        await tx.apps.put({
          userId: user.id,
          secretEnc: sealSecret(user.id, secret),
          deviceName,
          createdAt: now,
          lastStep: checked.value,
        })
        await tx.codes.voidAll(user.id)
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'app-enrolled',
          outcome: 'ok',
          userId: user.id,
          email: user.email,
          factor: 'app',
          detail: replaced ? 'replaced' : null,
        })
      })
      enrollment = undefined
      s.mustEnroll = false
      await sendNotice(user, 'app-added')
      return ok(await factorsOf(user))
    },

    async removeApp() {
      const me = await signedInUser()
      if (!me.ok) return me
      const { user } = me.value
      if (!(await store.apps.remove(user.id))) return fail('APP_NOT_ENROLLED')
      await audit({
        event: 'app-removed',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'app',
      })
      await sendNotice(user, 'app-removed')
      return ok(await factorsOf(user))
    },

    async registerKey({ name, pin }) {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const existing = await store.keys.listByUser(user.id)
      const challenge = randomBytes(32)
      const startedAt = clock.now()
      // With the key's PIN the credential is discoverable, for passwordless sign-in.
      const withPin = pin !== undefined
      const made = await withKey((client, signal, onStatus) =>
        client.makeCredential({
          challenge,
          rp: { id: relyingParty.rpId, name: config.issuer },
          user: { id: userHandle(user.id), name: user.email, displayName: user.name },
          excludeCredentialIDs: existing.map((k) => k.credentialID),
          residentKey: withPin,
          userVerification: withPin,
          pin,
          timeoutMs: KEY_TOUCH_TIMEOUT_MS,
          signal,
          onStatus,
        }),
      )
      if (!made.ok) {
        await audit({
          event: 'key-added',
          outcome: 'fail',
          userId: user.id,
          email: user.email,
          factor: 'key',
          detail: made.error.code,
        })
        return made
      }
      if (clock.now() - startedAt > KEY_CHALLENGE_TTL_MS) return fail('FIDO_TIMEOUT')
      const verified = await verifyNewKey(made.value, {
        ...relyingParty,
        challenge: Buffer.from(challenge).toString('base64url'),
        requireUserVerification: withPin,
      })
      if (!verified) {
        await audit({
          event: 'key-added',
          outcome: 'fail',
          userId: user.id,
          email: user.email,
          factor: 'key',
          detail: 'attestation not verified',
        })
        return fail('FIDO_KEY_REFUSED')
      }
      if (
        allowedAaguids.size > 0 &&
        !allowedAaguids.has(verified.aaguid.replace(/-/g, '').toLowerCase())
      ) {
        await audit({
          event: 'key-added',
          outcome: 'fail',
          userId: user.id,
          email: user.email,
          factor: 'key',
          detail: `model ${verified.aaguid} not allowed`,
        })
        return fail('FIDO_KEY_NOT_ALLOWED')
      }
      const now = clock.now()
      const inserted = await store.transaction(async (tx) => {
        const added = await tx.keys.insert({
          id: randomId(9),
          userId: user.id,
          ...verified,
          discoverable: withPin,
          name,
          createdAt: now,
          lastUsedAt: null,
        })
        if (added)
          await tx.audit.append({
            at: now,
            terminalId: config.terminalId,
            event: 'key-added',
            outcome: 'ok',
            userId: user.id,
            email: user.email,
            factor: 'key',
            detail: `aaguid ${verified.aaguid} fmt ${verified.fmt}`,
          })
        return added
      })
      if (!inserted) return fail('FIDO_CREDENTIAL_EXCLUDED')
      s.mustEnroll = false
      await sendNotice(user, 'key-added')
      return ok(await factorsOf(user))
    },

    async removeKey({ id }) {
      const me = await signedInUser()
      if (!me.ok) return me
      const { user } = me.value
      if (!(await store.keys.remove(user.id, id))) return fail('KEY_NOT_FOUND')
      await audit({
        event: 'key-removed',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'key',
        detail: `key ${id}`,
      })
      await sendNotice(user, 'key-removed')
      return ok(await factorsOf(user))
    },

    async signInWithKey({ pin }) {
      const pending = currentPending()
      if (!pending) return fail('NO_PENDING_SIGN_IN')
      const wait = await lockedFor(pending.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const user = await store.users.byId(pending.userId)
      if (!user || user.disabled) {
        endSession()
        return fail('NO_PENDING_SIGN_IN')
      }
      const keys = await store.keys.listByUser(user.id)
      if (keys.length === 0) return fail('KEY_NOT_FOUND')
      const challenge = randomBytes(32)
      const startedAt = clock.now()
      const asserted = await withKey((client, signal, onStatus) =>
        client.getAssertion({
          challenge,
          rpId: relyingParty.rpId,
          allowCredentialIDs: keys.map((k) => k.credentialID),
          // User presence is enough after a correct password.
          userVerification: pin !== undefined,
          pin,
          timeoutMs: KEY_TOUCH_TIMEOUT_MS,
          signal,
          onStatus,
        }),
      )
      if (!asserted.ok) return asserted
      const key = keys.find((k) => k.credentialID === asserted.value.id)
      if (!key) return failure(user.email, user, 'key', { code: 'FIDO_KEY_REFUSED' })
      return acceptAssertion(user, key, asserted.value, challenge, startedAt, false)
    },

    async signInPasswordless({ pin }) {
      endSession()
      const challenge = randomBytes(32)
      const startedAt = clock.now()
      const asserted = await withKey((client, signal, onStatus) =>
        client.getAssertion({
          challenge,
          rpId: relyingParty.rpId,
          allowCredentialIDs: [],
          // Without a password, the key's PIN is required.
          userVerification: true,
          pin,
          timeoutMs: KEY_TOUCH_TIMEOUT_MS,
          signal,
          onStatus,
        }),
      )
      if (!asserted.ok) return asserted
      const key = await store.keys.byCredentialID(asserted.value.id)
      const user = key && (await store.users.byId(key.userId))
      const handle = asserted.value.response.userHandle
      if (
        !key ||
        !user ||
        (handle !== undefined && handle !== Buffer.from(userHandle(user.id)).toString('base64url'))
      ) {
        await audit({
          event: 'sign-in',
          outcome: 'fail',
          factor: 'key',
          detail: 'unknown credential',
        })
        return fail('FIDO_KEY_REFUSED')
      }
      if (user.disabled) {
        await audit({
          event: 'sign-in',
          outcome: 'fail',
          userId: user.id,
          email: user.email,
          factor: 'key',
          detail: 'ACCOUNT_DISABLED',
        })
        return fail('ACCOUNT_DISABLED')
      }
      const wait = await lockedFor(user.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      return acceptAssertion(user, key, asserted.value, challenge, startedAt, true)
    },

    async cancelKeyOperation() {
      keyOperation?.abort()
      return ok({})
    },
  }

  // One call at a time: a double click must not interleave two sign-ins. Only
  // « Annuler » passes ahead, since it must reach a key operation in progress.
  const unserialized = new Set<MethodName>(['cancelKeyOperation'])
  const serialized = Object.fromEntries(
    (Object.keys(api) as MethodName[]).map((name) => {
      const method = api[name] as (i: unknown) => Promise<unknown>
      return [
        name,
        unserialized.has(name) ? method : (input: unknown) => mutex.run(() => method(input)),
      ]
    }),
  ) as unknown as Api

  return { ...serialized, reset: endSession }
}
