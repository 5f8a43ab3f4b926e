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
import {
  addressCodeLetter,
  noticeLetter,
  signInCodeLetter,
  type Letter,
  type NoticeKind,
} from '../mail/templates'
import { FidoError, type KeyClient } from '../fido'
import type {
  AuditEntry,
  KeyRecord,
  Repos,
  Store,
  ThrottlePolicy,
  UserRecord,
} from '../store/types'
import type { KeyProvider } from './keys'
import { checkNewPassword, createDummyHash, hashPassword, verifyPassword } from './password'
import { newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes'
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
/** Clock readings this far apart are the same moment (NTP slews, not jumps). */
export const CLOCK_TOLERANCE_MS = 5_000
/** Sensitive changes need a second factor checked within this window (step-up). */
export const STEP_UP_WINDOW_MS = 5 * 60_000
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
      /** The pending sign-in is dropped after this (epoch ms), or if the clock goes back before `startedAt`. */
      validUntil: number
      startedAt: number
    }
  | {
      kind: 'signed-in'
      userId: number
      factor: Factor
      /** When the second factor was last checked (step-up uses it). */
      secondFactorAt: number
      mustEnroll: boolean
      mustChangePassword: boolean
      checkFactors: boolean
      /** A step-up in progress: which factor, and the attempt its e-mailed code is bound to. */
      stepUp?: { factor: 'email' | 'app' | 'key'; attemptId: string }
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

export class DataKeyMismatchError extends Error {
  constructor(location: string) {
    super(
      `This terminal's data key does not open the secrets of the account store ${location}: ` +
        'every terminal sharing a store must use the same data key (copy data.key from the first terminal before the first start; see the README).',
    )
    this.name = 'DataKeyMismatchError'
  }
}

const DATA_KEY_CHECK = 'data-key-check'

/**
 * The first engine on a store leaves a value sealed with its data key; every
 * later one must open it. A terminal with another key would otherwise start
 * and fail at the first authenticator-app sign-in.
 */
async function checkDataKey(store: Store, dataKey: Uint8Array): Promise<void> {
  const mine = seal(dataKey, Buffer.from('guichet data key'), DATA_KEY_CHECK)
  const kept = await store.settings.putIfAbsent(DATA_KEY_CHECK, mine)
  try {
    open(dataKey, kept, DATA_KEY_CHECK)
  } catch {
    throw new DataKeyMismatchError(store.location)
  }
}

export async function createEngine(deps: EngineDeps): Promise<Engine> {
  const { config, store, mailer } = deps
  const clock = deps.clock ?? systemClock
  const log = deps.log ?? silentLogger
  const locale = config.locale
  const dataKey = await deps.keyProvider.getDataKey()
  await checkDataKey(store, dataKey)
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

  /**
   * A code is stale after its validity, and also when the clock now reads
   * earlier than its sending (the clock jumped back): its age can no longer be
   * told, so it is refused rather than trusted.
   */
  function isStale(code: { sentAt: number; expiresAt: number }, now: number): boolean {
    return now > code.expiresAt || now < code.sentAt - CLOCK_TOLERANCE_MS
  }

  /** Within the step-up window, on a clock that did not jump back since. */
  function isRecent(checkedAt: number): boolean {
    const age = clock.now() - checkedAt
    return age <= STEP_UP_WINDOW_MS && age >= -CLOCK_TOLERANCE_MS
  }

  /** A sign-in refused for what the account is, not for a guess: audited, not counted. */
  async function refuseSignIn(
    user: UserRecord,
    factor: 'password' | 'key',
    code: 'TEMP_PASSWORD_EXPIRED' | 'ACCOUNT_DISABLED',
  ): Promise<Result<never>> {
    await audit({
      event: 'sign-in',
      outcome: 'fail',
      userId: user.id,
      email: user.email,
      factor,
      detail: code,
    })
    return fail(code)
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

  /** What an account can sign in with, read in one go. */
  async function factorsAvailable(
    userId: number,
  ): Promise<{ hasApp: boolean; hasKey: boolean; hasRecoveryCodes: boolean }> {
    const [app, keys, recovery] = await Promise.all([
      store.apps.get(userId),
      store.keys.listByUser(userId),
      store.recovery.countUnused(userId),
    ])
    return { hasApp: app !== undefined, hasKey: keys.length > 0, hasRecoveryCodes: recovery > 0 }
  }

  async function stepView(
    s: {
      userId: number
      email: string
      factor: SignInStep['factor']
      sentAt: number | null
      expiresAt: number | null
    },
    known?: { hasKey: boolean; hasRecoveryCodes: boolean },
  ): Promise<SignInStep> {
    const { hasKey, hasRecoveryCodes } = known ?? (await factorsAvailable(s.userId))
    return {
      factor: s.factor,
      maskedEmail: maskEmail(s.email),
      sentAt: s.sentAt,
      expiresAt: s.expiresAt,
      hasKey,
      hasRecoveryCodes,
    }
  }

  async function sessionView(
    s: Extract<Session, { kind: 'signed-in' }>,
  ): Promise<SessionView | undefined> {
    const user = await store.users.byId(s.userId)
    if (!user || user.disabled) return undefined
    return viewOf(user, s)
  }

  function viewOf(user: UserRecord, s: Extract<Session, { kind: 'signed-in' }>): SessionView {
    return {
      name: user.name,
      email: user.email,
      factor: s.factor,
      mustEnroll: s.mustEnroll,
      mustChangePassword: s.mustChangePassword,
      checkFactors: s.checkFactors,
    }
  }

  function currentPending(): Extract<Session, { kind: 'pending' }> | undefined {
    if (session.kind !== 'pending') return undefined
    const now = clock.now()
    if (now > session.validUntil || now < session.startedAt - CLOCK_TOLERANCE_MS) {
      session = { kind: 'none' }
      return undefined
    }
    return session
  }

  async function signedInUser(
    options: { duringEnrollment?: boolean; passwordChange?: boolean; fresh?: boolean } = {},
  ): Promise<Result<{ user: UserRecord; s: Extract<Session, { kind: 'signed-in' }> }>> {
    if (session.kind !== 'signed-in') return fail('NOT_SIGNED_IN')
    const user = await store.users.byId(session.userId)
    if (!user || user.disabled) {
      endSession()
      return fail('NOT_SIGNED_IN')
    }
    if (session.mustChangePassword && !options.passwordChange)
      return fail('PASSWORD_CHANGE_REQUIRED')
    if (session.mustEnroll && !options.duringEnrollment) return fail('ENROLLMENT_REQUIRED')
    // Step-up: a sensitive change needs a second factor checked in the last 5 minutes.
    if (options.fresh && !isRecent(session.secondFactorAt)) return fail('STEP_UP_REQUIRED')
    return ok({ user, s: session })
  }

  function endSession(): void {
    keyOperation?.abort()
    keyOperation = undefined
    session = { kind: 'none' }
    enrollment = undefined
    setup = undefined
  }

  async function sendNotice(user: UserRecord, kind: NoticeKind, to = user.email): Promise<void> {
    const letter = noticeLetter(kind, locale, {
      at: clock.now(),
      issuer: config.issuer,
      terminalId: config.terminalId,
    })
    try {
      await mailer.send({ to, ...letter })
    } catch (error) {
      // The change itself is done; a notice that cannot leave is IT's to know.
      log.warn('notice not sent', { kind, userId: user.id, error: (error as Error).message })
    }
  }

  /** Mails a code; resolves MAIL_UNAVAILABLE (audited) when the server does not take it. */
  async function mailCode(
    user: UserRecord,
    to: string,
    write: (
      locale: 'fr' | 'en',
      p: { code: string; sentAt: number; ttlMinutes: number; issuer: string; terminalId: string },
    ) => Letter,
    code: string,
    now: number,
  ): Promise<Result<void>> {
    const letter = write(locale, {
      code,
      sentAt: now,
      ttlMinutes: Math.round(config.emailCodeTtlSeconds / 60),
      issuer: config.issuer,
      terminalId: config.terminalId,
    })
    try {
      await mailer.send({ to, ...letter })
      return ok(undefined)
    } catch (error) {
      if (!(error instanceof MailUnavailableError)) throw error
      log.warn('code not sent', { userId: user.id, error: error.message })
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
    const sent = await mailCode(user, user.email, signInCodeLetter, code, now)
    if (!sent.ok) return { ok: false, error: sent.error }
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
    // The counter is cleared with the success recorded, or neither.
    await store.transaction(async (tx) => {
      await tx.throttle.reset(user.email)
      await tx.audit.append({
        at: now,
        terminalId: config.terminalId,
        event: 'sign-in',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor,
      })
    })
    // Policy first-sign-in-only: a sign-in by e-mailed code must end with an app or a key.
    const mustEnroll =
      config.policy.emailCode === 'first-sign-in-only' &&
      factor === 'email' &&
      (await store.apps.get(user.id)) === undefined &&
      !(await hasKeys(user.id))
    session = {
      kind: 'signed-in',
      userId: user.id,
      factor,
      secondFactorAt: now,
      mustEnroll,
      mustChangePassword: user.mustChangePassword,
      checkFactors: factor === 'recovery',
    }
    enrollment = undefined
    return ok(viewOf(user, session))
  }

  /**
   * Checks an e-mailed code of this attempt: 10 minutes, 5 tries, single use;
   * a wrong one counts in the throttle. `ok` means consumed.
   */
  async function checkEmailCode(
    user: UserRecord,
    attemptId: string,
    code: string,
  ): Promise<Result<void>> {
    const now = clock.now()
    const record = await store.codes.active(user.id, attemptId)
    if (!record || isStale(record, now)) return fail('CODE_EXPIRED')
    const tries = await store.codes.registerAttempt(record.id, EMAIL_CODE_MAX_TRIES)
    if (tries === undefined) return fail('CODE_ATTEMPTS_EXHAUSTED')
    const expected = mac(dataKey, 'email-code', String(user.id), attemptId, code)
    if (!macEquals(expected, record.mac)) {
      const left = EMAIL_CODE_MAX_TRIES - tries
      return failure(
        user.email,
        user,
        'email',
        left > 0
          ? { code: 'CODE_INVALID', params: { attemptsLeft: left } }
          : { code: 'CODE_ATTEMPTS_EXHAUSTED' },
      )
    }
    if (!(await store.codes.consume(record.id, now))) return fail('CODE_EXPIRED')
    return ok(undefined)
  }

  /** Checks the app's code: ±1 step, and a step once accepted is never accepted again, on any terminal. */
  async function checkAppCode(user: UserRecord, code: string): Promise<Result<void>> {
    const app = await store.apps.get(user.id)
    if (!app) return fail('APP_NOT_ENROLLED')
    const step = await matchTotp(openSecret(user.id, app.secretEnc), code, clock.now())
    if (step === undefined) return failure(user.email, user, 'app', { code: 'CODE_INVALID' })
    if (step <= app.lastStep || !(await store.apps.markStepUsed(user.id, step))) {
      return failure(user.email, user, 'app', { code: 'CODE_REPLAYED' })
    }
    return ok(undefined)
  }

  /** Issues a new set of recovery codes inside `tx`, voiding the old; returns them in clear, once. */
  async function issueRecoveryCodes(tx: Repos, user: UserRecord, now: number): Promise<string[]> {
    const codes = newRecoveryCodes()
    const macs = codes.map((c) =>
      mac(dataKey, 'recovery', String(user.id), normalizeRecoveryCode(c)!),
    )
    await tx.recovery.replaceAll(user.id, macs, now)
    await tx.audit.append({
      at: now,
      terminalId: config.terminalId,
      event: 'recovery-codes-issued',
      outcome: 'ok',
      userId: user.id,
      email: user.email,
      factor: 'recovery',
    })
    return codes
  }

  /** The first app or key of an account (no unused recovery codes yet) brings recovery codes. */
  async function recoveryCodesForFirstFactor(
    tx: Repos,
    user: UserRecord,
    now: number,
  ): Promise<string[] | null> {
    if ((await tx.recovery.countUnused(user.id)) > 0) return null
    return issueRecoveryCodes(tx, user, now)
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

  async function factorsOf(user: UserRecord, newCodes: string[] | null = null): Promise<Factors> {
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
      recoveryCodesLeft: await store.recovery.countUnused(user.id),
      newRecoveryCodes: newCodes,
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
  async function checkAssertion(
    user: UserRecord,
    key: KeyRecord,
    response: Parameters<typeof verifyKeyAssertion>[0],
    challenge: Uint8Array,
    startedAt: number,
    requireUserVerification: boolean,
  ): Promise<Result<void>> {
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
    return ok(undefined)
  }

  /**
   * One of the account's keys signs a fresh challenge (after the password, or
   * for a step-up): user presence is enough; with the PIN, verified too.
   */
  async function touchAccountKey(user: UserRecord, pin: string | undefined): Promise<Result<void>> {
    const keys = await store.keys.listByUser(user.id)
    if (keys.length === 0) return fail('KEY_NOT_FOUND')
    const challenge = randomBytes(32)
    const startedAt = clock.now()
    const asserted = await withKey((client, signal, onStatus) =>
      client.getAssertion({
        challenge,
        rpId: relyingParty.rpId,
        allowCredentialIDs: keys.map((k) => k.credentialID),
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
    return checkAssertion(user, key, asserted.value, challenge, startedAt, false)
  }

  /** The sign-in waiting for its second step, with its account, unless locked or gone. */
  async function pendingSecondStep(): Promise<
    Result<{ pending: Extract<Session, { kind: 'pending' }>; user: UserRecord }>
  > {
    const pending = currentPending()
    if (!pending) return fail('NO_PENDING_SIGN_IN')
    const wait = await lockedFor(pending.email)
    if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
    const user = await store.users.byId(pending.userId)
    if (!user || user.disabled) {
      endSession()
      return fail('NO_PENDING_SIGN_IN')
    }
    return ok({ pending, user })
  }

  async function stepUpDone(
    user: UserRecord,
    s: Extract<Session, { kind: 'signed-in' }>,
    factor: Factor,
  ): Promise<Result<SessionView>> {
    const now = clock.now()
    await store.transaction(async (tx) => {
      await tx.throttle.reset(user.email)
      await tx.audit.append({
        at: now,
        terminalId: config.terminalId,
        event: 'step-up',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor,
      })
    })
    s.secondFactorAt = clock.now()
    s.stepUp = undefined
    return ok(viewOf(user, s))
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
        pending: pending ? await stepView(pending) : null,
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
      // Unknown addresses verify a dummy hash: same answer, same time. The
      // account's factors are read meanwhile (for an unknown address too, from
      // an id no account has), so the store's time hides under argon2's.
      const [matches, available] = await Promise.all([
        verifyPassword(user?.passwordHash ?? dummyHash, password),
        factorsAvailable(user?.id ?? -1),
      ])
      if (!user || !matches)
        return failure(email, user, 'password', { code: 'INVALID_CREDENTIALS' })
      if (user.passwordExpiresAt !== null && clock.now() > user.passwordExpiresAt) {
        return refuseSignIn(user, 'password', 'TEMP_PASSWORD_EXPIRED')
      }
      if (user.disabled) {
        return refuseSignIn(user, 'password', 'ACCOUNT_DISABLED')
      }
      const attemptId = randomId()
      const now = clock.now()
      const base = {
        kind: 'pending' as const,
        userId: user.id,
        email: user.email,
        attemptId,
        startedAt: now,
      }
      const validUntil = now + (config.emailCodeTtlSeconds + 60) * 1000
      if (available.hasApp) {
        session = { ...base, factor: 'app', sentAt: null, expiresAt: null, validUntil }
      } else if (available.hasKey) {
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
      return ok(await stepView(session, available))
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
      return ok(await stepView(pending))
    },

    async verifyCode({ code }) {
      const second = await pendingSecondStep()
      if (!second.ok) return second
      const { pending, user } = second.value
      if (pending.factor === 'email') {
        // an app or a key was enrolled meanwhile
        if ((await store.apps.get(user.id)) || (await hasKeys(user.id))) {
          return fail('EMAIL_CODE_NOT_ALLOWED')
        }
        const checked = await checkEmailCode(user, pending.attemptId, code)
        return checked.ok ? completeSignIn(user, 'email') : checked
      }
      if (pending.factor === 'key') return fail('APP_NOT_ENROLLED')
      const checked = await checkAppCode(user, code)
      return checked.ok ? completeSignIn(user, 'app') : checked
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
      const me = await signedInUser({ duringEnrollment: true, fresh: true })
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
      const newCodes = await store.transaction(async (tx) => {
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
        return recoveryCodesForFirstFactor(tx, user, now)
      })
      enrollment = undefined
      s.mustEnroll = false
      await sendNotice(user, 'app-added')
      return ok(await factorsOf(user, newCodes))
    },

    async removeApp() {
      const me = await signedInUser({ fresh: true })
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
      const me = await signedInUser({ duringEnrollment: true, fresh: true })
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
        return added ? { codes: await recoveryCodesForFirstFactor(tx, user, now) } : undefined
      })
      if (!inserted) return fail('FIDO_CREDENTIAL_EXCLUDED')
      s.mustEnroll = false
      await sendNotice(user, 'key-added')
      return ok(await factorsOf(user, inserted.codes))
    },

    async removeKey({ id }) {
      const me = await signedInUser({ fresh: true })
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
      const second = await pendingSecondStep()
      if (!second.ok) return second
      const { user } = second.value
      const checked = await touchAccountKey(user, pin)
      return checked.ok ? completeSignIn(user, 'key') : checked
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
        // a discoverable credential always names its user (WebAuthn §7.2 step 6)
        handle !== Buffer.from(userHandle(user.id)).toString('base64url')
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
        return refuseSignIn(user, 'key', 'ACCOUNT_DISABLED')
      }
      const wait = await lockedFor(user.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const checked = await checkAssertion(user, key, asserted.value, challenge, startedAt, true)
      return checked.ok ? completeSignIn(user, 'key') : checked
    },

    async cancelKeyOperation() {
      keyOperation?.abort()
      return ok({})
    },

    // ---- account lifecycle ----------------------------------------------------

    async useRecoveryCode({ code }) {
      const second = await pendingSecondStep()
      if (!second.ok) return second
      const { user } = second.value
      // Recovery codes count in the same throttle as every other code.
      const normalized = normalizeRecoveryCode(code)
      const expected = normalized && mac(dataKey, 'recovery', String(user.id), normalized)
      const match =
        expected && (await store.recovery.unused(user.id)).find((r) => macEquals(r.mac, expected))
      if (!match || !(await store.recovery.consume(match.id, clock.now()))) {
        return failure(user.email, user, 'recovery', { code: 'RECOVERY_CODE_INVALID' })
      }
      const signedIn = await completeSignIn(user, 'recovery')
      await sendNotice(user, 'recovery-used')
      return signedIn
    },

    async issueRecoveryCodes() {
      const me = await signedInUser({ fresh: true })
      if (!me.ok) return me
      const { user } = me.value
      if (!(await store.apps.get(user.id)) && !(await hasKeys(user.id)))
        return fail('NO_RECOVERY_CODES')
      const codes = await store.transaction((tx) => issueRecoveryCodes(tx, user, clock.now()))
      await sendNotice(user, 'recovery-codes-issued')
      return ok(await factorsOf(user, codes))
    },

    async changePassword({ current, next }) {
      const me = await signedInUser({ passwordChange: true, duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      // A temporary password was just typed: no step-up for choosing the real one.
      if (!s.mustChangePassword && !isRecent(s.secondFactorAt)) return fail('STEP_UP_REQUIRED')
      if (!(await verifyPassword(user.passwordHash, current))) {
        return failure(user.email, user, 'password', { code: 'INVALID_CREDENTIALS' })
      }
      const reason = await checkNewPassword(next, {
        email: user.email,
        name: user.name,
        issuer: config.issuer,
      })
      if (reason) return fail('PASSWORD_REJECTED', { reason })
      const now = clock.now()
      await store.users.setPassword(user.id, {
        passwordHash: await hashPassword(next),
        mustChange: false,
        expiresAt: null,
        now,
      })
      await audit({
        event: 'password-changed',
        outcome: 'ok',
        userId: user.id,
        email: user.email,
        factor: 'password',
      })
      s.mustChangePassword = false
      await sendNotice(user, 'password-changed')
      return ok(viewOf(user, s))
    },

    async beginAddressChange({ email }) {
      const me = await signedInUser({ fresh: true })
      if (!me.ok) return me
      const { user } = me.value
      if (email === user.email || (await store.users.byEmail(email))) return fail('EMAIL_TAKEN')
      const now = clock.now()
      if (
        (await store.addressCodes.countSentSince(user.id, now - 3600_000)) >= EMAIL_CODES_PER_HOUR
      ) {
        return fail('CODE_QUOTA_EXCEEDED', { retryAfterSeconds: 3600 })
      }
      const code = randomDigits(6)
      const expiresAt = now + config.emailCodeTtlSeconds * 1000
      const sent = await mailCode(user, email, addressCodeLetter, code, now)
      if (!sent.ok) return { ok: false, error: sent.error }
      await store.transaction(async (tx) => {
        await tx.addressCodes.insertReplacing({
          userId: user.id,
          newEmail: email,
          mac: mac(dataKey, 'address-code', String(user.id), email, code),
          sentAt: now,
          expiresAt,
        })
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'address-code-sent',
          outcome: 'ok',
          userId: user.id,
          email: user.email,
          detail: `to ${maskEmail(email)}`,
        })
      })
      return ok({ maskedEmail: maskEmail(email), sentAt: now, expiresAt })
    },

    async confirmAddressChange({ code }) {
      const me = await signedInUser()
      if (!me.ok) return me
      const { user, s } = me.value
      const wait = await lockedFor(user.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const now = clock.now()
      const record = await store.addressCodes.active(user.id)
      if (!record) return fail('NO_PENDING_ADDRESS_CHANGE')
      if (isStale(record, now)) return fail('CODE_EXPIRED')
      const tries = await store.addressCodes.registerAttempt(record.id, EMAIL_CODE_MAX_TRIES)
      if (tries === undefined) return fail('CODE_ATTEMPTS_EXHAUSTED')
      if (
        !macEquals(mac(dataKey, 'address-code', String(user.id), record.newEmail, code), record.mac)
      ) {
        const left = EMAIL_CODE_MAX_TRIES - tries
        return failure(
          user.email,
          user,
          'email',
          left > 0
            ? { code: 'CODE_INVALID', params: { attemptsLeft: left } }
            : { code: 'CODE_ATTEMPTS_EXHAUSTED' },
        )
      }
      const changed = await store.transaction(async (tx) => {
        if (!(await tx.addressCodes.consume(record.id, now))) return false
        if (!(await tx.users.setEmail(user.id, record.newEmail, now))) return false
        await tx.throttle.reset(user.email)
        await tx.audit.append({
          at: now,
          terminalId: config.terminalId,
          event: 'address-changed',
          outcome: 'ok',
          userId: user.id,
          email: record.newEmail,
          detail: `from ${user.email}`,
        })
        return true
      })
      if (!changed) return fail('EMAIL_TAKEN')
      // The old address hears of it; the new one has just proved it reads its mail.
      await sendNotice(user, 'address-changed', user.email)
      return ok(viewOf({ ...user, email: record.newEmail }, s))
    },

    async beginStepUp() {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const app = await store.apps.get(user.id)
      const factor = app ? 'app' : (await hasKeys(user.id)) ? 'key' : 'email'
      const attemptId = randomId()
      s.stepUp = { factor, attemptId }
      if (factor !== 'email') {
        return ok(
          await stepView({
            userId: user.id,
            email: user.email,
            factor,
            sentAt: null,
            expiresAt: null,
          }),
        )
      }
      const wait = await lockedFor(user.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const sent = await issueEmailCode(user, attemptId)
      if (!sent.ok) return sent
      return ok(await stepView({ userId: user.id, email: user.email, factor, ...sent.value }))
    },

    async stepUp({ code }) {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      if (!s.stepUp || s.stepUp.factor === 'key') return fail('NO_PENDING_SIGN_IN')
      const wait = await lockedFor(user.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const checked =
        s.stepUp.factor === 'app'
          ? await checkAppCode(user, code)
          : await checkEmailCode(user, s.stepUp.attemptId, code)
      if (!checked.ok) return checked
      return stepUpDone(user, s, s.stepUp.factor)
    },

    async stepUpWithKey({ pin }) {
      const me = await signedInUser({ duringEnrollment: true })
      if (!me.ok) return me
      const { user, s } = me.value
      const wait = await lockedFor(user.email)
      if (wait !== undefined) return fail('ACCOUNT_LOCKED', { retryAfterSeconds: wait })
      const checked = await touchAccountKey(user, pin)
      return checked.ok ? stepUpDone(user, s, 'key') : checked
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
