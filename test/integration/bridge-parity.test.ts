// The renderer's tests run against test/unit/renderer/fakeBridge.ts. This file
// proves the fake equal to the real engine where the screens depend on it: one
// scenario, played through the same Bridge interface against the fake and
// against the real engine (a temporary SQLite file, a loopback SMTP server,
// every payload parsed by the contract's dispatch as main does), comparing
// every answer. What is random or per-process (codes, secrets, QR images) is
// read from each side and compared by shape; times by their distance from now.
// A second scenario plays the key journeys where Windows takes the PIN
// (keyPinEntry "platform"): the engine over the webauthn.dll stand-in, the fake
// with `keyPinEntry = 'platform'`. Three more: a key on the USB port (the
// software key in-process behind the engine's own client stack, the fake's key
// model on the other side: PIN state, passkeys of two accounts, recovery codes,
// step-up with the key and « Annuler »), the address change, and the first
// start on an empty store. The last test fails when a method of the contract
// is called by no scenario, so that no new method skips parity.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Bridge } from '../../src-main/contract/bridge'
import { dispatch } from '../../src-main/contract/dispatch'
import { LIMITS, METHOD_NAMES, type Input, type MethodName } from '../../src-main/contract/methods'
import type { Result } from '../../src-main/contract/errors'
import { totpCodeAt } from '../../src-main/engine/totp'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../src-main/fido'
import { createWindowsKeyClient } from '../../src-main/fido/windows/windows-client'
import { FakeBridge } from '../unit/renderer/fakeBridge'
import { addUser, startBed, type TestBed } from '../support/env'
import { Standin, serveWithKey } from '../support/webauthn-standin'

const EMAIL = 'alice.martin@mairie.fr'
const NAME = 'Alice Martin'
const PASSWORD = 'Lune-verte-escalier-42'
/** A second clerk of the kiosk, whose passkey shares Alice's key. */
const BRUNO = 'bruno.leroy@mairie.fr'
const BRUNO_NAME = 'Bruno Leroy'
const KEY_PIN = '4242'

/** What a side has read from its answers, for the steps that follow. */
interface Memo {
  /** The last recovery codes issued, in clear (shown once). */
  recoveryCodes: string[]
  /** The keys of the last Factors answer, by id. */
  keyIds: string[]
  /** The accounts of the last « Choisissez votre compte » offer. */
  choices: { id: string; name: string }[]
}

/** What a scenario step may ask of the side it runs on. */
interface Side {
  name: 'fake' | 'engine'
  bridge: Bridge
  now(): number
  advance(ms: number): void
  /** The code in the last mail to the clerk. */
  emailCode(): Promise<string>
  /** The clerk's authenticator app, now (after the last enrollment on this side). */
  appCode(): Promise<string>
  /** A 6-digit code that is not the right one. */
  wrongCode(): Promise<string>
  /** Remembers the secret of an enrollment answer. */
  enrolled(secretGroups: string[]): void
  /** The clerk does what the key operation under way asks (touch; PIN in Windows' dialog). */
  serveKey?(): Promise<void>
  /**
   * « Annuler »: the key is left untouched until the operation under way waits
   * for a touch, then cancelKeyOperation is called; its answer.
   */
  cancelKey?(): Promise<Answer>
  /** The code in the last mail to `to` (an address change's new address). */
  codeTo(to: string): Promise<string>
  memo: Memo
  /** Keeps the code of the last mail (keptCode), and makes the next mail carry another. */
  keepCode(): void
  keptCode(): string
}

/** The engine side: the real engine behind dispatch, as main serves it. */
async function engineSide(
  bed: TestBed,
  serveKey?: () => Promise<void>,
  key?: VirtualKey,
): Promise<Side> {
  const client = Object.fromEntries(
    METHOD_NAMES.map((m) => [m, (input: unknown) => dispatch(bed.engine, m, input)]),
  ) as unknown as Bridge
  const bridge = { ...client, on: () => () => undefined } as Bridge
  let secret = ''
  let kept = ''
  return {
    name: 'engine',
    bridge,
    now: () => bed.clock.t,
    advance: (ms) => bed.clock.advance(ms),
    emailCode: async () => bed.smtp.lastCode(EMAIL),
    appCode: () => totpCodeAt(secret, bed.clock.t),
    wrongCode: async () => {
      const right = new Set([bed.smtp.lastCode(EMAIL)])
      if (secret) right.add(await totpCodeAt(secret, bed.clock.t))
      return ['000000', '111111', '222222'].find((c) => !right.has(c))!
    },
    enrolled: (groups) => {
      secret = groups.join('')
    },
    ...(serveKey ? { serveKey } : {}),
    ...(key
      ? {
          cancelKey: async () => {
            key.setUserPresence('wait')
            try {
              await key.waitForTouchRequest()
              return await bridge.cancelKeyOperation({})
            } finally {
              key.setUserPresence('approve')
            }
          },
        }
      : {}),
    codeTo: async (to) => bed.smtp.lastCode(to),
    memo: newMemo(),
    keepCode: () => {
      kept = bed.smtp.lastCode(EMAIL) // the next one is drawn at random
    },
    keptCode: () => kept,
  }
}

function newMemo(): Memo {
  return { recoveryCodes: [], keyIds: [], choices: [] }
}

/** The clerks a scenario starts with (none: the first start on an empty store). */
interface Clerk {
  email: string
  name: string
}
const ALICE_ONLY: Clerk[] = [{ email: EMAIL, name: NAME }]
const ALICE_AND_BRUNO: Clerk[] = [...ALICE_ONLY, { email: BRUNO, name: BRUNO_NAME }]

async function addClerks(bed: TestBed, clerks: Clerk[]): Promise<void> {
  for (const c of clerks) await addUser(bed.store, c.email, c.name, PASSWORD)
}

/** The fake side: the renderer tests' bridge, its clock the same one (Date only). */
function fakeSide(
  start: number,
  keyPinEntry: 'kiosk' | 'platform' = 'kiosk',
  options: { clerks?: Clerk[]; emailCodeTtlSeconds?: number } = {},
): Side {
  const fake = new FakeBridge()
  fake.keyPinEntry = keyPinEntry
  // the test beds' idle delay (a day: the scenario moves the clock past step-up windows)
  fake.idleLockSeconds = 86_400
  if (options.emailCodeTtlSeconds !== undefined)
    fake.emailCodeTtlSeconds = options.emailCodeTtlSeconds
  for (const c of options.clerks ?? ALICE_ONLY)
    fake.addAccount({ email: c.email, name: c.name, password: PASSWORD })
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(start)
  let kept = ''
  return {
    name: 'fake',
    bridge: fake,
    now: () => Date.now(),
    advance: (ms) => vi.setSystemTime(Date.now() + ms),
    emailCode: async () => fake.emailCode,
    // before the first start's account exists, the app IT enrolls shows the setup's code
    appCode: async () => fake.accounts.get(EMAIL)?.appCode ?? fake.setupAppCode,
    wrongCode: async () => '999999',
    enrolled: () => undefined,
    serveKey: async () => {
      while (!fake.keyWaiting) await new Promise((resolve) => setTimeout(resolve, 5))
      fake.touchKey()
    },
    cancelKey: async () => {
      while (!fake.keyWaiting) await new Promise((resolve) => setTimeout(resolve, 5))
      return fake.cancelKeyOperation({})
    },
    codeTo: async (to) => (fake.pendingAddress === to ? fake.addressCode : fake.emailCode),
    memo: newMemo(),
    keepCode: () => {
      kept = fake.emailCode
      fake.emailCode = '135790'
    },
    keptCode: () => kept,
  }
}

type Answer = Result<unknown>

/** Per-secret strings of an enrollment, compared by what they start with. */
const SHAPES: Record<string, string> = {
  uri: 'otpauth://totp/',
  qrSvg: '<svg',
  qrPngDataUrl: 'data:image/png;base64,',
}

/**
 * An answer with what differs by nature made comparable: times as their
 * distance from now, an enrollment's secret and images by shape, recovery
 * codes by count and format, ids by presence.
 */
function normalize(answer: Answer, now: number): unknown {
  const walk = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) {
      if (key === 'newRecoveryCodes')
        return { count: v.length, format: v.every((c) => /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(c)) }
      if (key === 'secretGroups') return { groups: v.length > 0 }
      return v.map((x) => walk(x))
    }
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]))
    if (['sentAt', 'expiresAt', 'createdAt', 'lastUsedAt'].includes(key) && typeof v === 'number')
      return `now${v - now >= 0 ? '+' : ''}${v - now}`
    // a key's id is random on both sides
    if (key === 'id' && typeof v === 'string') return v.length > 0 ? 'an id' : v
    const prefix = SHAPES[key]
    if (prefix !== undefined && typeof v === 'string')
      return v.startsWith(prefix) ? `${prefix}…` : v
    return v
  }
  return walk(answer)
}

interface Step {
  label: string
  method: MethodName
  input: (side: Side) => Promise<unknown> | unknown
  /** Runs before the call (e.g. moving the clock). */
  before?: (side: Side) => void
  /**
   * The call waits for the key: the side's clerk serves it meanwhile (`touch`),
   * or presses « Annuler » while it waits for a touch (`cancel`: the answer of
   * cancelKeyOperation is a step of its own in the transcript).
   */
  key?: 'touch' | 'cancel'
}

const step = <M extends MethodName>(
  label: string,
  method: M,
  input: (side: Side) => Promise<Input<M>> | Input<M>,
  before?: (side: Side) => void,
): Step => ({ label, method, input, before })

const keyStep = <M extends MethodName>(
  label: string,
  method: M,
  input: (side: Side) => Input<M>,
): Step => ({ label, method, input, key: 'touch' })

const cancelStep = <M extends MethodName>(
  label: string,
  method: M,
  input: (side: Side) => Input<M>,
): Step => ({ label, method, input, key: 'cancel' })

/** The methods a scenario calls, « Annuler » during a key step included. */
function methodsOf(scenario: Step[]): MethodName[] {
  return scenario.flatMap((s) =>
    s.key === 'cancel' ? [s.method, 'cancelKeyOperation' as const] : [s.method],
  )
}

/** A 6-digit code that is not `code`. */
function otherThan(code: string): string {
  return code === '000000' ? '111111' : '000000'
}

/** The journeys the screens are tested on, in the order a clerk would live them. */
const SCENARIO: Step[] = [
  step('status before anything', 'getStatus', () => ({})),
  step('the clerk chooses English', 'setLanguage', () => ({ locale: 'en' })),
  step('no key PIN set-up before sign-in', 'setKeyPin', () => ({ pin: '2468' })),
  step('a wrong password', 'signIn', () => ({ email: EMAIL, password: 'pas-le-bon-mot-de-passe' })),
  step('no pending sign-in to verify', 'verifyCode', () => ({ code: '123456' })),
  step('the password', 'signIn', () => ({ email: EMAIL, password: PASSWORD })),
  step('status while the code is pending', 'getStatus', () => ({})),
  step('a wrong e-mailed code', 'verifyCode', async (s) => ({ code: await s.wrongCode() })),
  step('a second wrong e-mailed code', 'verifyCode', async (s) => ({ code: await s.wrongCode() })),
  step(
    'a new code, a minute later',
    'resendCode',
    () => ({}),
    (s) => s.advance(60_000),
  ),
  step('the e-mailed code', 'verifyCode', async (s) => ({ code: await s.emailCode() })),
  step('status signed in', 'getStatus', () => ({})),
  step('the factors', 'listFactors', () => ({})),
  step('a passkey without the PIN, where the kiosk takes it', 'registerKey', () => ({
    name: 'Clé bleue',
    passkey: true,
  })),
  step(
    'a passwordless sign-in without the PIN, where the kiosk takes it',
    'signInPasswordless',
    () => ({}),
  ),
  step('still signed in', 'getStatus', () => ({})),
  step(
    'a step-up by e-mail, 5 minutes on',
    'beginStepUp',
    () => ({}),
    (s) => s.advance(301_000),
  ),
  step(
    '« Renvoyer un code » in the step-up',
    'beginStepUp',
    () => ({}),
    (s) => s.keepCode(),
  ),
  step('the step-up code a resend replaced', 'stepUp', (s) => ({ code: s.keptCode() })),
  step('the new step-up code', 'stepUp', async (s) => ({ code: await s.emailCode() })),
  // The key's own PIN: the rules of CTAP 2.1 §6.5.1 are checked before any key is reached.
  step('a key PIN too short', 'setKeyPin', () => ({ pin: '12' })),
  step('a new key PIN of 64 bytes once composed (NFC)', 'changeKeyPin', () => ({
    current: '1234',
    next: 'e\u0301'.repeat(32),
  })),
  step('no app to remove', 'removeApp', () => ({})),
  step('no recovery codes without an app or key', 'issueRecoveryCodes', () => ({})),
  step('a password too short', 'changePassword', () => ({ current: PASSWORD, next: 'court' })),
  step('a normal change without the current password', 'changePassword', () => ({
    next: 'Bateau-ivre-sous-la-pluie-77',
  })),
  step('a wrong current password', 'changePassword', () => ({
    current: 'pas-le-bon-mot-de-passe',
    next: 'Bateau-ivre-sous-la-pluie-77',
  })),
  step('an app enrollment', 'beginAppEnrollment', () => ({})),
  step('a wrong enrollment code', 'confirmAppEnrollment', async (s) => ({
    code: otherThan(await s.appCode()),
    deviceName: 'Téléphone pro',
  })),
  step('the enrollment confirmed by the app', 'confirmAppEnrollment', async (s) => ({
    code: await s.appCode(),
    deviceName: 'Téléphone pro',
  })),
  step('sign out', 'signOut', () => ({})),
  step('nothing to list once out', 'listFactors', () => ({})),
  step(
    'the password again: the app is asked for',
    'signIn',
    () => ({ email: EMAIL, password: PASSWORD }),
    (s) => s.advance(30_000),
  ),
  step('no e-mailed code once an app is enrolled', 'resendCode', () => ({})),
  step('the app code', 'verifyCode', async (s) => ({ code: await s.appCode() })),
  step(
    'a sensitive change after 5 minutes and a second',
    'removeApp',
    () => ({}),
    (s) => s.advance(301_000),
  ),
  step('the step-up asks for the app', 'beginStepUp', () => ({})),
  step(
    'the step-up code',
    'stepUp',
    async (s) => ({ code: await s.appCode() }),
    (s) => s.advance(30_000),
  ),
  step('cancel with nothing pending', 'cancelSignIn', () => ({})),
  step('sign out at last', 'signOut', () => ({})),
  step('status at the end', 'getStatus', () => ({})),
]

type Transcript = { step: string; answer: unknown }[]

/** What later steps read from an answer: recovery codes, key ids, the accounts offered. */
function remember(side: Side, answer: Answer): void {
  if (!answer.ok || !answer.value || typeof answer.value !== 'object') return
  const v = answer.value as {
    secretGroups?: string[]
    newRecoveryCodes?: string[] | null
    keys?: { id: string }[]
    chooseAccount?: { id: string; name: string }[]
  }
  if (v.secretGroups) side.enrolled(v.secretGroups)
  if (v.newRecoveryCodes) side.memo.recoveryCodes = [...v.newRecoveryCodes]
  if (v.keys) side.memo.keyIds = v.keys.map((k) => k.id)
  if (v.chooseAccount) side.memo.choices = v.chooseAccount.map(({ id, name }) => ({ id, name }))
}

/** Plays the scenario on each side in turn; every answer, normalized, by side. */
async function play(
  scenario: Step[],
  sides: (() => Promise<Side>)[],
): Promise<Record<string, Transcript>> {
  const transcripts: Record<string, Transcript> = {}
  for (const open of sides) {
    const side = await open()
    const transcript: Transcript = []
    for (const s of scenario) {
      s.before?.(side)
      const input = await s.input(side)
      const call = side.bridge[s.method] as (i: unknown) => Promise<Answer>
      const label = `${s.label} (${s.method})`
      if (s.key === 'cancel') {
        if (!side.cancelKey) throw new Error(`${side.name} has no key to leave untouched`)
        const [answer, cancelled] = await Promise.all([call(input), side.cancelKey()])
        transcript.push({ step: label, answer: normalize(answer, side.now()) })
        transcript.push({
          step: `« Annuler » meanwhile (cancelKeyOperation)`,
          answer: normalize(cancelled, side.now()),
        })
        continue
      }
      if (s.key && !side.serveKey) throw new Error(`${side.name} has no key to serve`)
      const [answer] = await Promise.all([call(input), s.key ? side.serveKey?.() : undefined])
      remember(side, answer)
      transcript.push({ step: label, answer: normalize(answer, side.now()) })
    }
    transcripts[side.name] = transcript
  }
  return transcripts
}

/** What an answer was: ok, or its error code. */
const outcome = (t: { answer: unknown }): string => {
  const a = t.answer as Answer
  return a.ok ? 'ok' : a.error.code
}

describe('the renderer tests’ fake bridge answers as the real engine', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL, NAME, PASSWORD)
  })
  afterEach(async () => {
    vi.useRealTimers()
    await bed.close()
  })

  it('on every step of the scenario', async () => {
    const start = bed.clock.t
    const transcripts = await play(SCENARIO, [() => engineSide(bed), async () => fakeSide(start)])
    // The scenario itself: what the real engine answered, step by step.
    expect(transcripts.engine!.map(outcome)).toEqual([
      'ok',
      'ok',
      'NOT_SIGNED_IN',
      'INVALID_CREDENTIALS',
      'NO_PENDING_SIGN_IN',
      'ok',
      'ok',
      'CODE_INVALID',
      'CODE_INVALID',
      'ok',
      'ok',
      'ok',
      'ok',
      'FIDO_PIN_REQUIRED',
      'FIDO_PIN_REQUIRED',
      'ok',
      'ok',
      'ok',
      'CODE_REPLACED',
      'ok',
      'KEY_PIN_REJECTED',
      'KEY_PIN_REJECTED',
      'APP_NOT_ENROLLED',
      'NO_RECOVERY_CODES',
      'PASSWORD_REJECTED',
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'ok',
      'CODE_INVALID',
      'ok',
      'ok',
      'NOT_SIGNED_IN',
      'ok',
      'EMAIL_CODE_NOT_ALLOWED',
      'ok',
      'STEP_UP_REQUIRED',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
    ])
    expect(transcripts.fake).toEqual(transcripts.engine)
  })
})

/** The key journeys where Windows takes the PIN (the engine over the webauthn.dll stand-in). */
const PLATFORM_SCENARIO: Step[] = [
  step('status says the platform takes the PIN', 'getStatus', () => ({})),
  step('the password', 'signIn', () => ({ email: EMAIL, password: PASSWORD })),
  step('the e-mailed code', 'verifyCode', async (s) => ({ code: await s.emailCode() })),
  keyStep('a passkey without the kiosk’s PIN', 'registerKey', () => ({
    name: 'Clé bleue',
    passkey: true,
  })),
  step('sign out', 'signOut', () => ({})),
  keyStep('passwordless without the kiosk’s PIN', 'signInPasswordless', () => ({})),
  step('sign out again', 'signOut', () => ({})),
  step('the password again: the key is asked for', 'signIn', () => ({
    email: EMAIL,
    password: PASSWORD,
  })),
  keyStep('the key after the password', 'signInWithKey', () => ({})),
  step('status at the end', 'getStatus', () => ({})),
]

describe('the fake bridge with keyPinEntry "platform" answers as the engine over Windows', () => {
  const PIN = '4242'
  let standin: Standin
  let bed: TestBed
  beforeAll(() => {
    standin = Standin.build()
  })
  afterAll(() => standin.remove())
  beforeEach(async () => {
    standin.reset(4)
    bed = await startBed(
      {},
      {
        keyClient: createWindowsKeyClient({ origin: 'app://guichet', libraryPath: standin.path }),
      },
    )
    await addUser(bed.store, EMAIL, NAME, PASSWORD)
  })
  afterEach(async () => {
    vi.useRealTimers()
    await bed.close()
  })

  it('on every step of the key scenario', async () => {
    const start = bed.clock.t
    const key = new VirtualKey({ pin: PIN, userPresence: 'approve' })
    const serve = async (): Promise<void> => {
      await serveWithKey(standin, key, { pin: PIN })
    }
    const transcripts = await play(PLATFORM_SCENARIO, [
      () => engineSide(bed, serve),
      async () => fakeSide(start, 'platform'),
    ])
    const engine = transcripts.engine!
    expect(engine.map((t) => (t.answer as Answer).ok)).toEqual(PLATFORM_SCENARIO.map(() => true))
    expect(engine[0]?.answer).toMatchObject({ value: { keyPinEntry: 'platform' } })
    expect(transcripts.fake).toEqual(engine)
  })
})

/**
 * Security keys on the kiosk's USB port (the software key in-process on the
 * engine side, the fake's own key model on the other): the key's PIN read and
 * set, a passkey, recovery codes, a step-up with the key and « Annuler » while
 * it waits for a touch, « Choisissez votre compte » with passkeys of two
 * accounts on one key, removing the last key, « Je suis toujours là » around it.
 */
const KEY_SCENARIO: Step[] = [
  step('« Je suis toujours là » before any sign-in', 'stillHere', () => ({})),
  step('the password', 'signIn', () => ({ email: EMAIL, password: PASSWORD })),
  step('« Je suis toujours là » while the code is pending', 'stillHere', () => ({})),
  step('the e-mailed code', 'verifyCode', async (s) => ({ code: await s.emailCode() })),
  step('« Je suis toujours là » signed in', 'stillHere', () => ({})),
  step('the key, which has no PIN yet', 'inspectKey', () => ({})),
  step('« Choisir un code PIN pour cette clé »', 'setKeyPin', () => ({ pin: KEY_PIN })),
  step('the key, now with its PIN', 'inspectKey', () => ({})),
  keyStep('a passkey with the PIN', 'registerKey', () => ({
    name: 'Clé bleue',
    pin: KEY_PIN,
    passkey: true,
  })),
  step('removing a key the account does not have', 'removeKey', () => ({ id: 'cle-inconnue' })),
  step('sign out', 'signOut', () => ({})),
  step('« Je suis toujours là » after sign-out', 'stillHere', () => ({})),
  step('the password: the key is asked for', 'signIn', () => ({
    email: EMAIL,
    password: PASSWORD,
  })),
  step('a wrong recovery code', 'useRecoveryCode', () => ({ code: 'AAAA-BBBB-CCCC-DDDD' })),
  step('a recovery code, typed in lower case with spaces', 'useRecoveryCode', (s) => ({
    code: s.memo.recoveryCodes[0]!.toLowerCase().replace(/-/g, ' '),
  })),
  step('sign out after the recovery code', 'signOut', () => ({})),
  step('the password again', 'signIn', () => ({ email: EMAIL, password: PASSWORD })),
  step('the recovery code already used', 'useRecoveryCode', (s) => ({
    code: s.memo.recoveryCodes[0]!,
  })),
  keyStep('the key after the password', 'signInWithKey', () => ({})),
  step('the factors', 'listFactors', () => ({})),
  step(
    'removing the key 5 minutes and a second later',
    'removeKey',
    (s) => ({ id: s.memo.keyIds[0]! }),
    (s) => s.advance(301_000),
  ),
  step('the step-up asks for the key', 'beginStepUp', () => ({})),
  step('no code to type for a key step-up', 'stepUp', () => ({ code: '123456' })),
  step('the step-up with a wrong key PIN', 'stepUpWithKey', () => ({ pin: '0000' })),
  cancelStep(
    'the step-up with the key, cancelled while it waits for a touch',
    'stepUpWithKey',
    () => ({
      pin: KEY_PIN,
    }),
  ),
  keyStep('the step-up with the key', 'stepUpWithKey', () => ({ pin: KEY_PIN })),
  step('sign out before Bruno', 'signOut', () => ({})),
  step('Bruno’s password', 'signIn', () => ({ email: BRUNO, password: PASSWORD })),
  step('Bruno’s e-mailed code', 'verifyCode', async (s) => ({ code: await s.codeTo(BRUNO) })),
  keyStep('Bruno’s passkey on the same key', 'registerKey', () => ({
    name: 'Clé partagée',
    pin: KEY_PIN,
    passkey: true,
  })),
  step('Bruno signs out', 'signOut', () => ({})),
  step('no account to choose before a passwordless sign-in', 'choosePasswordlessAccount', () => ({
    id: 'cle-inconnue',
  })),
  keyStep('passwordless: « Choisissez votre compte »', 'signInPasswordless', () => ({
    pin: KEY_PIN,
  })),
  step('nobody signed in until the choice', 'getStatus', () => ({})),
  step('« Je suis toujours là » before the choice', 'stillHere', () => ({})),
  step('sign-out ends the offer', 'signOut', () => ({})),
  step('the account chosen after sign-out', 'choosePasswordlessAccount', (s) => ({
    id: s.memo.choices.find((c) => c.name === NAME)!.id,
  })),
  keyStep('passwordless again', 'signInPasswordless', () => ({ pin: KEY_PIN })),
  step('Alice chosen', 'choosePasswordlessAccount', (s) => ({
    id: s.memo.choices.find((c) => c.name === NAME)!.id,
  })),
  step('« Je suis toujours là » once chosen', 'stillHere', () => ({})),
  step('Alice’s factors', 'listFactors', () => ({})),
  step('removing her only key', 'removeKey', (s) => ({ id: s.memo.keyIds[0]! })),
  step('the same key again', 'removeKey', (s) => ({ id: s.memo.choices[1]!.id })),
  step('sign out at last', 'signOut', () => ({})),
  step('the choice is used once', 'choosePasswordlessAccount', (s) => ({
    id: s.memo.choices.find((c) => c.name === NAME)!.id,
  })),
  step('Alice’s password: e-mailed codes again', 'signIn', () => ({
    email: EMAIL,
    password: PASSWORD,
  })),
  step('sign out while the code is pending', 'signOut', () => ({})),
  step('the code after sign-out', 'verifyCode', async (s) => ({ code: await s.emailCode() })),
  step('status at the end', 'getStatus', () => ({})),
]

describe('the fake bridge answers as the engine with a key on the port', () => {
  let bed: TestBed
  let key: VirtualKey
  beforeEach(async () => {
    key = new VirtualKey({ userPresence: 'approve' })
    const keyClient = createKeyClient({
      origin: 'app://guichet',
      transport: createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 }),
    })
    bed = await startBed({}, { keyClient })
    await addClerks(bed, ALICE_AND_BRUNO)
  })
  afterEach(async () => {
    vi.useRealTimers()
    await bed.close()
  })

  it('on every step of the USB key scenario', async () => {
    const start = bed.clock.t
    const transcripts = await play(KEY_SCENARIO, [
      () => engineSide(bed, async () => undefined, key),
      async () => fakeSide(start, 'kiosk', { clerks: ALICE_AND_BRUNO }),
    ])
    const engine = transcripts.engine!
    expect(engine.map(outcome)).toEqual([
      'NOT_SIGNED_IN',
      'ok',
      'NOT_SIGNED_IN',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'KEY_NOT_FOUND',
      'ok',
      'NOT_SIGNED_IN',
      'ok',
      'RECOVERY_CODE_INVALID',
      'ok',
      'ok',
      'ok',
      'RECOVERY_CODE_INVALID',
      'ok',
      'ok',
      'STEP_UP_REQUIRED',
      'ok',
      'NO_PENDING_SIGN_IN',
      'FIDO_PIN_INVALID',
      'FIDO_CANCELLED',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'NO_PENDING_SIGN_IN',
      'ok',
      'ok',
      'NOT_SIGNED_IN',
      'ok',
      'NO_PENDING_SIGN_IN',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'KEY_NOT_FOUND',
      'ok',
      'NO_PENDING_SIGN_IN',
      'ok',
      'ok',
      'NO_PENDING_SIGN_IN',
      'ok',
    ])
    const at = (label: string) => engine.find((t) => t.step.startsWith(label))?.answer
    expect(at('the key, which has no PIN yet')).toEqual({
      ok: true,
      value: { pin: 'not-set', minPinLength: 4 },
    })
    expect(at('the key, now with its PIN')).toEqual({
      ok: true,
      value: { pin: 'set', minPinLength: 4 },
    })
    expect(at('passwordless: « Choisissez votre compte »')).toEqual({
      ok: true,
      value: {
        chooseAccount: [
          { id: 'an id', name: BRUNO_NAME, maskedEmail: 'b•••@mairie.fr' },
          { id: 'an id', name: NAME, maskedEmail: 'a•••@mairie.fr' },
        ],
      },
    })
    expect(at('Alice chosen')).toMatchObject({ ok: true, value: { email: EMAIL, factor: 'key' } })
    expect(at('a recovery code, typed')).toMatchObject({
      ok: true,
      value: { factor: 'recovery', checkFactors: true },
    })
    // the last factor may go (e-mailed codes remain), and its recovery codes with it
    expect(at('removing her only key')).toMatchObject({
      ok: true,
      value: { keys: [], recoveryCodesLeft: 0 },
    })
    expect(transcripts.fake).toEqual(engine)
  })
})

/** A code lifetime shorter than the step-up window, so that an address code can expire within it. */
const SHORT_CODE_TTL_SECONDS = 120
const NEW_ADDRESS = 'alice.dupont@mairie.fr'

/**
 * « Changer mon adresse de connexion »: a taken address answers as a free one
 * (the screen must not tell which addresses exist), the clerk's own does not;
 * wrong, expired and right codes; the new address signs in, the old one no more.
 */
const ADDRESS_SCENARIO: Step[] = [
  step('the password', 'signIn', () => ({ email: EMAIL, password: PASSWORD })),
  step('the e-mailed code', 'verifyCode', async (s) => ({ code: await s.emailCode() })),
  step('no address change to confirm', 'confirmAddressChange', () => ({ code: '123456' })),
  step('her own address', 'beginAddressChange', () => ({ email: EMAIL })),
  step('another clerk’s address: answered as a free one', 'beginAddressChange', () => ({
    email: BRUNO,
  })),
  step('a code for the taken address (nobody was sent one)', 'confirmAddressChange', () => ({
    code: '000000',
  })),
  step('a free address', 'beginAddressChange', () => ({ email: NEW_ADDRESS })),
  step(
    'a wrong code: the tries start again for the new code',
    'confirmAddressChange',
    async (s) => ({
      code: otherThan(await s.codeTo(NEW_ADDRESS)),
    }),
  ),
  step('a second wrong code', 'confirmAddressChange', async (s) => ({
    code: otherThan(await s.codeTo(NEW_ADDRESS)),
  })),
  step(
    'the right code, once it expired',
    'confirmAddressChange',
    async (s) => ({ code: await s.codeTo(NEW_ADDRESS) }),
    (s) => s.advance(SHORT_CODE_TTL_SECONDS * 1000 + 1000),
  ),
  step('the free address again', 'beginAddressChange', () => ({ email: NEW_ADDRESS })),
  step('the right code', 'confirmAddressChange', async (s) => ({
    code: await s.codeTo(NEW_ADDRESS),
  })),
  step('status under the new address', 'getStatus', () => ({})),
  step('another change', 'beginAddressChange', () => ({ email: 'alice.m@mairie.fr' })),
  step(
    'its code once the step-up window is over',
    'confirmAddressChange',
    async (s) => ({ code: await s.codeTo('alice.m@mairie.fr') }),
    (s) => s.advance(301_000),
  ),
  step('the step-up: a code to the new address', 'beginStepUp', () => ({})),
  step('a wrong step-up code', 'stepUp', async (s) => ({
    code: otherThan(await s.codeTo(NEW_ADDRESS)),
  })),
  step('a second wrong step-up code', 'stepUp', async (s) => ({
    code: otherThan(await s.codeTo(NEW_ADDRESS)),
  })),
  step('the step-up code', 'stepUp', async (s) => ({ code: await s.codeTo(NEW_ADDRESS) })),
  step('sign out', 'signOut', () => ({})),
  step('the old address no longer signs in', 'signIn', () => ({
    email: EMAIL,
    password: PASSWORD,
  })),
  step('the new address does', 'signIn', () => ({ email: NEW_ADDRESS, password: PASSWORD })),
  step('its e-mailed code', 'verifyCode', async (s) => ({ code: await s.codeTo(NEW_ADDRESS) })),
  step('the next person’s wrong password', 'signIn', () => ({
    email: BRUNO,
    password: 'pas-le-bon-mot-de-passe',
  })),
  step('the session ended with it', 'getStatus', () => ({})),
]

describe('the fake bridge answers as the engine on the address change', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed({ emailCodeTtlSeconds: SHORT_CODE_TTL_SECONDS })
    await addClerks(bed, ALICE_AND_BRUNO)
  })
  afterEach(async () => {
    vi.useRealTimers()
    await bed.close()
  })

  it('on every step of the address scenario', async () => {
    const start = bed.clock.t
    const transcripts = await play(ADDRESS_SCENARIO, [
      () => engineSide(bed),
      async () =>
        fakeSide(start, 'kiosk', {
          clerks: ALICE_AND_BRUNO,
          emailCodeTtlSeconds: SHORT_CODE_TTL_SECONDS,
        }),
    ])
    const engine = transcripts.engine!
    expect(engine.map(outcome)).toEqual([
      'ok',
      'ok',
      'NO_PENDING_ADDRESS_CHANGE',
      'EMAIL_TAKEN',
      'ok',
      'CODE_INVALID',
      'ok',
      'CODE_INVALID',
      'CODE_INVALID',
      'CODE_EXPIRED',
      'ok',
      'ok',
      'ok',
      'ok',
      'STEP_UP_REQUIRED',
      'ok',
      'CODE_INVALID',
      'CODE_INVALID',
      'ok',
      'ok',
      'INVALID_CREDENTIALS',
      'ok',
      'ok',
      'INVALID_CREDENTIALS',
      'ok',
    ])
    const at = (label: string) => engine.find((t) => t.step.startsWith(label))?.answer
    expect(at('the session ended with it')).toMatchObject({ ok: true, value: { session: null } })
    // taken and free answer alike, but for the masked address
    expect(at('another clerk’s address')).toEqual({
      ok: true,
      value: { maskedEmail: 'b•••@mairie.fr', sentAt: 'now+0', expiresAt: 'now+120000' },
    })
    expect(at('a free address')).toEqual({
      ok: true,
      value: { maskedEmail: 'a•••@mairie.fr', sentAt: 'now+0', expiresAt: 'now+120000' },
    })
    expect(at('a code for the taken address')).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: LIMITS.emailCodeMaxTries - 1 } },
    })
    expect(at('a second wrong code')).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: LIMITS.emailCodeMaxTries - 2 } },
    })
    expect(at('the right code (')).toMatchObject({ ok: true, value: { email: NEW_ADDRESS } })
    expect(at('a second wrong step-up code')).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: LIMITS.emailCodeMaxTries - 2 } },
    })
    expect(transcripts.fake).toEqual(engine)
  })
})

/** The first start on an empty store: IT's account and its app, then never again. */
const SETUP_SCENARIO: Step[] = [
  step('status on an empty store', 'getStatus', () => ({})),
  step('« Je suis toujours là » with nobody', 'stillHere', () => ({})),
  step('nothing to confirm yet', 'confirmSetup', () => ({ code: '123456', deviceName: 'Tél' })),
  step('IT’s password too short', 'beginSetup', () => ({
    email: EMAIL,
    name: NAME,
    password: 'court',
  })),
  step('IT’s account', 'beginSetup', () => ({ email: EMAIL, name: NAME, password: PASSWORD })),
  step('a wrong app code', 'confirmSetup', async (s) => ({
    code: otherThan(await s.appCode()),
    deviceName: 'Téléphone de la DSI',
  })),
  step('the app code', 'confirmSetup', async (s) => ({
    code: await s.appCode(),
    deviceName: 'Téléphone de la DSI',
  })),
  step('« Je suis toujours là » signed in', 'stillHere', () => ({})),
  step('status after the first start', 'getStatus', () => ({})),
  step('IT’s factors', 'listFactors', () => ({})),
  step('a second first start', 'beginSetup', () => ({
    email: 'autre@mairie.fr',
    name: 'Autre',
    password: PASSWORD,
  })),
  step('sign out', 'signOut', () => ({})),
  step('status at the end', 'getStatus', () => ({})),
]

describe('the fake bridge answers as the engine on the first start', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
  })
  afterEach(async () => {
    vi.useRealTimers()
    await bed.close()
  })

  it('on every step of the first start', async () => {
    const start = bed.clock.t
    const transcripts = await play(SETUP_SCENARIO, [
      () => engineSide(bed),
      async () => fakeSide(start, 'kiosk', { clerks: [] }),
    ])
    const engine = transcripts.engine!
    expect(engine.map(outcome)).toEqual([
      'ok',
      'NOT_SIGNED_IN',
      'NO_PENDING_ENROLLMENT',
      'PASSWORD_REJECTED',
      'ok',
      'CODE_INVALID',
      'ok',
      'ok',
      'ok',
      'ok',
      'SETUP_ALREADY_DONE',
      'ok',
      'ok',
    ])
    const at = (label: string) => engine.find((t) => t.step.startsWith(label))?.answer
    expect(at('status on an empty store')).toMatchObject({ ok: true, value: { firstStart: true } })
    expect(at('a wrong app code')).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: LIMITS.enrollmentMaxTries - 1 } },
    })
    expect(at('the app code')).toMatchObject({
      ok: true,
      value: { email: EMAIL, factor: 'app', newRecoveryCodes: { count: 10, format: true } },
    })
    expect(at('status at the end')).toMatchObject({
      ok: true,
      value: { firstStart: false, session: null },
    })
    expect(transcripts.fake).toEqual(engine)
  })
})

describe('the parity scenarios', () => {
  it('call every method of the contract, so that no new one skips parity', () => {
    const scenarios = [SCENARIO, PLATFORM_SCENARIO, KEY_SCENARIO, ADDRESS_SCENARIO, SETUP_SCENARIO]
    const played = new Set(scenarios.flatMap(methodsOf))
    expect(METHOD_NAMES.filter((m) => !played.has(m))).toEqual([])
  })
})
