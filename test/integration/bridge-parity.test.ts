// The renderer's tests run against test/unit/renderer/fakeBridge.ts. This file
// proves the fake equal to the real engine where the screens depend on it: one
// scenario, played through the same Bridge interface against the fake and
// against the real engine (a temporary SQLite file, a loopback SMTP server,
// every payload parsed by the contract's dispatch as main does), comparing
// every answer. What is random or per-process (codes, secrets, QR images) is
// read from each side and compared by shape; times by their distance from now.
// A second scenario plays the key journeys where Windows takes the PIN
// (keyPinEntry "platform"): the engine over the webauthn.dll stand-in, the fake
// with `keyPinEntry = 'platform'`.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Bridge } from '../../src-main/contract/bridge'
import { dispatch } from '../../src-main/contract/dispatch'
import { METHOD_NAMES, type Input, type MethodName } from '../../src-main/contract/methods'
import type { Result } from '../../src-main/contract/errors'
import { totpCodeAt } from '../../src-main/engine/totp'
import { VirtualKey } from '../../src-main/fido/virtual-key/key'
import { createWindowsKeyClient } from '../../src-main/fido/windows/windows-client'
import { FakeBridge } from '../unit/renderer/fakeBridge'
import { addUser, startBed, type TestBed } from '../support/env'
import { Standin, serveWithKey } from '../support/webauthn-standin'

const EMAIL = 'alice.martin@mairie.fr'
const NAME = 'Alice Martin'
const PASSWORD = 'Lune-verte-escalier-42'

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
  /** Keeps the code of the last mail (keptCode), and makes the next mail carry another. */
  keepCode(): void
  keptCode(): string
}

/** The engine side: the real engine behind dispatch, as main serves it. */
async function engineSide(bed: TestBed, serveKey?: () => Promise<void>): Promise<Side> {
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
    keepCode: () => {
      kept = bed.smtp.lastCode(EMAIL) // the next one is drawn at random
    },
    keptCode: () => kept,
  }
}

/** The fake side: the renderer tests' bridge, its clock the same one (Date only). */
function fakeSide(start: number, keyPinEntry: 'kiosk' | 'platform' = 'kiosk'): Side {
  const fake = new FakeBridge()
  fake.keyPinEntry = keyPinEntry
  // the test beds' idle delay (a day: the scenario moves the clock past step-up windows)
  fake.idleLockSeconds = 86_400
  fake.addAccount({ email: EMAIL, name: NAME, password: PASSWORD })
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(start)
  let kept = ''
  return {
    name: 'fake',
    bridge: fake,
    now: () => Date.now(),
    advance: (ms) => vi.setSystemTime(Date.now() + ms),
    emailCode: async () => fake.emailCode,
    appCode: async () => fake.accounts.get(EMAIL)!.appCode,
    wrongCode: async () => '999999',
    enrolled: () => undefined,
    serveKey: async () => {
      while (!fake.keyWaiting) await new Promise((resolve) => setTimeout(resolve, 5))
      fake.touchKey()
    },
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
  /** The call waits for the key: the side's clerk serves it meanwhile. */
  key?: boolean
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
): Step => ({ label, method, input, key: true })

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
      if (s.key && !side.serveKey) throw new Error(`${side.name} has no key to serve`)
      const [answer] = await Promise.all([call(input), s.key ? side.serveKey?.() : undefined])
      if (answer.ok && answer.value && typeof answer.value === 'object') {
        const groups = (answer.value as { secretGroups?: string[] }).secretGroups
        if (groups) side.enrolled(groups)
      }
      transcript.push({ step: `${s.label} (${s.method})`, answer: normalize(answer, side.now()) })
    }
    transcripts[side.name] = transcript
  }
  return transcripts
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
    const outcome = (t: { answer: unknown }) => {
      const a = t.answer as Answer
      return a.ok ? 'ok' : a.error.code
    }
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
