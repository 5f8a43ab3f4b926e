// Crash safety: the web host, as a child process, driven through its HTTP API
// (enrollments, e-mailed codes, app and key sign-ins, wrong passwords and
// codes) and killed with SIGKILL at random moments, N times. After each
// restart the store must be sound and consistent, no throttle counter may have
// gone backwards without a success, and a clerk signs in with password + app.
//
// N: GUICHET_KILL_RUNS, else as many runs as fit in about 2 minutes (at least 25).

import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../../src-main/engine/password'
import { totpCodeAt, totpStepAt } from '../../src-main/engine/totp'
import { openSqliteStore } from '../../src-main/store/sqlite/open'
import { PASSWORD, tempDir } from '../support/env'
import {
  api,
  stageHost,
  startHost,
  startVirtualKey,
  valueOf,
  type ApiAnswer,
  type HostProcess,
  type Stage,
  type VirtualKeyProcess,
} from './support/host'
import { startMailbox, type Mailbox } from './support/mailbox'
import { checkStore, readThrottle, type ThrottleRow } from './support/store-check'

const FIXED_RUNS = process.env.GUICHET_KILL_RUNS ? Number(process.env.GUICHET_KILL_RUNS) : undefined
const BUDGET_MS = 120_000
const MIN_RUNS = 25
const KILL_WINDOW_MS: [number, number] = [30, 2_500]
const NEWCOMERS = 1_200
const FIRST_CLERKS = 4
const UNKNOWN = ['inconnu-1@mairie.fr', 'inconnu-2@mairie.fr', 'inconnu-3@mairie.fr']
const TARGET = 'cible@mairie.fr'

type Op = 'enroll-app' | 'register-key' | 'app-sign-in' | 'key-sign-in' | 'bad-password'

interface Account {
  email: string
  id: number
  factor: 'none' | 'app' | 'key'
  /** The app secret, once its enrollment is known to be stored. */
  secret?: string
  /** The secret of an enrollment whose answer may have been lost to a kill. */
  candidate?: string
  /** Highest TOTP step ever sent for this account (accepted or not). */
  lastStep: number
  /** E-mailed codes this hour: the engine allows 5. */
  codes: number
}

class Killed extends Error {}

if (FIXED_RUNS !== undefined && !(Number.isInteger(FIXED_RUNS) && FIXED_RUNS > 0))
  throw new Error(
    `GUICHET_KILL_RUNS must be a positive integer, not "${process.env.GUICHET_KILL_RUNS}"`,
  )

const rand = (n: number): number => Math.floor(Math.random() * n)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('crash safety under SIGKILL', () => {
  let dir: { path: string; remove(): Promise<void> }
  let smtp: Mailbox
  let stage: Stage
  let key: VirtualKeyProcess
  let host: HostProcess | undefined
  const accounts: Account[] = []

  beforeAll(async () => {
    dir = await tempDir('guichet-proof-crash-')
    smtp = await startMailbox()
    stage = await stageHost()
    key = await startVirtualKey(stage)
    // The accounts exist before the first start (IT's `user add`): one password hash for all.
    const dataDir = join(dir.path, 'data')
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    const store = await openSqliteStore(dataDir)
    const passwordHash = await hashPassword(PASSWORD)
    const now = Date.now()
    const add = async (email: string): Promise<number> => {
      const id = await store.users.insert({
        email,
        name: email.split('@')[0] as string,
        passwordHash,
        mustChangePassword: false,
        now,
      })
      if (id === undefined) throw new Error(`${email} taken`)
      return id
    }
    for (let i = 0; i < NEWCOMERS; i++) {
      const email = `agent-${String(i).padStart(3, '0')}@mairie.fr`
      accounts.push({ email, id: await add(email), factor: 'none', lastStep: -1, codes: 0 })
    }
    await add(TARGET)
    await store.close()
  })

  afterAll(async () => {
    await host?.kill()
    await key?.stop()
    await smtp?.close()
    await stage?.remove()
    await dir?.remove()
  }, 120_000)

  it('keeps the store sound and the clerk able to sign in after every kill', async () => {
    const dataDir = join(dir.path, 'data')
    const configPath = join(dir.path, 'config.json')
    const config = {
      dataDir,
      terminalId: 'poste-proof',
      mail: { url: smtp.url, from: 'guichet@mairie.fr', timeoutSeconds: 5 },
      fido: { transport: 'udp', udp: `127.0.0.1:${key.port}`, udpLocalPort: 0 },
    }

    // ---- what the driver knows of the state, and what it may have changed -----------
    const inFlight = new Map<string, number>()
    let resetAllowed = new Set<string>()
    let snapshotting = false
    /** Around a request carrying a correct second factor for `subject` (it may reset the counter). */
    async function correct<T>(subject: string, call: () => Promise<T>): Promise<T> {
      inFlight.set(subject, (inFlight.get(subject) ?? 0) + 1)
      if (snapshotting) resetAllowed.add(subject)
      try {
        return await call()
      } finally {
        inFlight.set(subject, (inFlight.get(subject) ?? 1) - 1)
        if (inFlight.get(subject) === 0) inFlight.delete(subject)
      }
    }
    const anomalies: string[] = []
    const resetsWithoutAudit: string[] = []
    let comparisons = 0
    let maxFailures = 0
    let stopped = false
    /** Calls the API; a network error means the host was killed: the driver stops. */
    async function call<T>(
      h: HostProcess,
      method: string,
      payload: unknown = {},
    ): Promise<ApiAnswer<T>> {
      if (stopped) throw new Killed()
      try {
        return await api<T>(h, method, payload)
      } catch (error) {
        if (!h.alive() || stopped) throw new Killed()
        throw error
      }
    }
    function expectAnswer(what: string, a: ApiAnswer, ...codes: string[]): void {
      const got = a.ok ? 'ok' : (a.error?.code ?? `HTTP ${a.status}`)
      if (!codes.includes(got)) anomalies.push(`${what}: expected ${codes.join('|')}, got ${got}`)
    }

    /** The next step a clerk's app can give without replaying one: this one, else the next. */
    function freeStep(a: Account): number | undefined {
      const now = totpStepAt(Date.now())
      if (now > a.lastStep) return now
      if (now + 1 > a.lastStep) return now + 1
      return undefined
    }

    /** Password + e-mailed code (sometimes a wrong one first, sometimes a resent one). */
    async function emailSignIn(h: HostProcess, a: Account): Promise<boolean> {
      if (a.codes >= 4) return false
      const mailsBefore = smtp.mails.length
      const step = await call<{ factor: string }>(h, 'signIn', {
        email: a.email,
        password: PASSWORD,
      })
      if (!step.ok || step.value?.factor !== 'email') {
        expectAnswer(`signIn ${a.email}`, step, 'ok')
        return false
      }
      a.codes += 1
      if (!smtp.mails.slice(mailsBefore).some((m) => m.to === a.email)) {
        anomalies.push(`signIn ${a.email}: answered before its code was mailed`)
        return false
      }
      let code = smtp.lastCode(a.email)
      if (Math.random() < 0.25) {
        const wrong = String((Number(code) + 1 + rand(999_998)) % 1_000_000).padStart(6, '0')
        expectAnswer(
          'verifyCode (wrong)',
          await call(h, 'verifyCode', { code: wrong }),
          'CODE_INVALID',
        )
      }
      if (Math.random() < 0.15 && a.codes < 4) {
        expectAnswer('resendCode', await call(h, 'resendCode'), 'ok')
        a.codes += 1
        code = smtp.lastCode(a.email)
      }
      const done = await correct(a.email, () => call(h, 'verifyCode', { code }))
      expectAnswer(`verifyCode ${a.email}`, done, 'ok')
      return done.ok
    }

    async function enrollApp(h: HostProcess, a: Account): Promise<void> {
      if (!(await emailSignIn(h, a))) return
      const begun = await call<{ secretGroups: string[] }>(h, 'beginAppEnrollment')
      expectAnswer('beginAppEnrollment', begun, 'ok')
      if (!begun.ok) return
      const secret = (begun.value as { secretGroups: string[] }).secretGroups.join('')
      a.candidate = secret
      const now = Date.now()
      a.lastStep = Math.max(a.lastStep, totpStepAt(now))
      const confirmed = await call<{ newRecoveryCodes: string[] | null }>(
        h,
        'confirmAppEnrollment',
        {
          code: await totpCodeAt(secret, now),
          deviceName: 'Téléphone',
        },
      )
      expectAnswer('confirmAppEnrollment', confirmed, 'ok')
      if (confirmed.ok) {
        a.factor = 'app'
        a.secret = secret
        a.candidate = undefined
        if (confirmed.value?.newRecoveryCodes?.length !== 10)
          anomalies.push(`confirmAppEnrollment ${a.email}: no set of 10 recovery codes`)
      }
      await call(h, 'signOut')
    }

    async function registerKey(h: HostProcess, a: Account): Promise<void> {
      if (!(await emailSignIn(h, a))) return
      const added = await call<{ newRecoveryCodes: string[] | null }>(h, 'registerKey', {
        name: `Clé ${a.id}`,
      })
      expectAnswer('registerKey', added, 'ok')
      if (added.ok) {
        a.factor = 'key'
        if (added.value?.newRecoveryCodes?.length !== 10)
          anomalies.push(`registerKey ${a.email}: no set of 10 recovery codes`)
      }
      await call(h, 'signOut')
    }

    async function appSignIn(h: HostProcess, a: Account): Promise<ApiAnswer> {
      const step = freeStep(a) as number
      const first = await call<{ factor: string }>(h, 'signIn', {
        email: a.email,
        password: PASSWORD,
      })
      if (!first.ok) return first
      if (first.value?.factor !== 'app')
        anomalies.push(`${a.email}: asked for ${first.value?.factor}`)
      a.lastStep = step
      const code = await totpCodeAt(a.secret as string, step * 30_000 + 1_000)
      return correct(a.email, () => call(h, 'verifyCode', { code }))
    }

    async function keySignIn(h: HostProcess, a: Account): Promise<void> {
      const first = await call<{ factor: string }>(h, 'signIn', {
        email: a.email,
        password: PASSWORD,
      })
      expectAnswer(`signIn ${a.email}`, first, 'ok')
      if (!first.ok) return
      if (first.value?.factor !== 'key')
        anomalies.push(`${a.email}: asked for ${first.value?.factor}`)
      expectAnswer(
        'signInWithKey',
        await correct(a.email, () => call(h, 'signInWithKey', {})),
        'ok',
      )
      await call(h, 'signOut')
    }

    const opsDone = new Map<Op, number>()
    const opsCut = new Map<Op, number>()
    /** Runs random operations, one after another, until the host dies. */
    async function drive(h: HostProcess): Promise<void> {
      for (;;) {
        const roll = rand(100)
        const fresh = accounts.filter((a) => a.factor === 'none' && a.codes < 4)
        const clerks = accounts.filter((a) => a.factor === 'app' && freeStep(a) !== undefined)
        const keyed = accounts.filter((a) => a.factor === 'key')
        let op: Op = 'bad-password'
        if (roll < 30 && fresh.length > 0) op = 'enroll-app'
        else if (roll < 45 && fresh.length > 0) op = 'register-key'
        else if (roll < 65 && clerks.length > 0) op = 'app-sign-in'
        else if (roll < 75 && keyed.length > 0) op = 'key-sign-in'
        try {
          if (op === 'enroll-app') await enrollApp(h, fresh[rand(fresh.length)] as Account)
          else if (op === 'register-key') await registerKey(h, fresh[rand(fresh.length)] as Account)
          else if (op === 'key-sign-in') await keySignIn(h, keyed[rand(keyed.length)] as Account)
          else if (op === 'app-sign-in') {
            const a = clerks[rand(clerks.length)] as Account
            expectAnswer(`app sign-in ${a.email}`, await appSignIn(h, a), 'ok', 'ACCOUNT_LOCKED')
            await call(h, 'signOut')
          } else {
            const subject = rand(4) === 0 ? TARGET : (UNKNOWN[rand(UNKNOWN.length)] as string)
            const r = await call(h, 'signIn', { email: subject, password: `faux-${rand(1e9)}-mot` })
            expectAnswer(`wrong password ${subject}`, r, 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED')
          }
          opsDone.set(op, (opsDone.get(op) ?? 0) + 1)
        } catch (error) {
          if (error instanceof Killed) {
            opsCut.set(op, (opsCut.get(op) ?? 0) + 1)
            return
          }
          throw error
        }
      }
    }

    /** After a restart: the state as stored, the driver's knowledge brought in line with it. */
    async function reconcile(
      run: number,
      snapshot: Map<string, ThrottleRow> | undefined,
      snapshotAt: number,
    ): Promise<string[]> {
      const problems: string[] = []
      const report = await checkStore(dataDir)
      if (report.integrity !== 'ok') problems.push(`integrity_check: ${report.integrity}`)
      problems.push(...report.violations)
      for (const a of accounts) {
        const stored = report.apps.get(a.id)
        if (stored !== undefined) {
          if (a.factor === 'app' && stored !== a.secret)
            problems.push(`${a.email}: app secret changed`)
          if (a.factor !== 'app' && stored !== a.candidate)
            problems.push(`${a.email}: an app secret no enrollment showed`)
          a.factor = 'app'
          a.secret = stored
          a.lastStep = Math.max(a.lastStep, report.lastSteps.get(a.id) ?? -1)
        } else if (a.factor === 'app') problems.push(`${a.email}: enrolled app lost`)
        a.candidate = undefined
        if (report.keyUsers.has(a.id)) {
          if (a.factor === 'none') a.factor = 'key'
        } else if (a.factor === 'key') problems.push(`${a.email}: security key lost`)
      }
      if (snapshot) {
        const successes = report.successesSince(snapshotAt)
        for (const [subject, before] of snapshot) {
          const after = report.throttle.get(subject) ?? { failures: 0, lockedUntil: 0 }
          comparisons += 1
          maxFailures = Math.max(maxFailures, before.failures)
          const backwards =
            after.failures < before.failures || after.lockedUntil < before.lockedUntil
          if (!backwards) continue
          if (!resetAllowed.has(subject))
            problems.push(
              `throttle ${subject}: ${before.failures} → ${after.failures} failures without a success`,
            )
          else if (!successes.has(subject)) resetsWithoutAudit.push(`run ${run}: ${subject}`)
        }
      }
      return problems
    }

    // ---- the runs ------------------------------------------------------------------
    const failures: { run: number; problems: string[] }[] = []
    const startedAt = Date.now()
    const restartMs: number[] = []

    // First start: a few clerks enroll their app, so one can sign in after every restart.
    host = await startHost(stage, configPath, config)
    for (const a of accounts.slice(0, FIRST_CLERKS)) await enrollApp(host, a)
    expect(anomalies).toEqual([])
    expect(accounts.filter((a) => a.factor === 'app')).toHaveLength(FIRST_CLERKS)

    let runs = 0
    const more = (): boolean =>
      FIXED_RUNS !== undefined
        ? runs < FIXED_RUNS
        : runs < MIN_RUNS || Date.now() - startedAt < BUDGET_MS
    while (more()) {
      runs += 1
      // Drive the host, and kill it at a random moment.
      stopped = false
      snapshotting = false
      const h = host
      const driver = drive(h)
      await sleep(KILL_WINDOW_MS[0] + rand(KILL_WINDOW_MS[1] - KILL_WINDOW_MS[0]))
      resetAllowed = new Set(inFlight.keys())
      snapshotting = true
      const snapshotAt = Date.now()
      const snapshot = await readThrottle(dataDir)
      stopped = true
      await h.kill('SIGKILL')
      await driver
      const exit = await h.exited
      const problems = anomalies.splice(0)
      if (exit.signal !== 'SIGKILL')
        problems.push(`host ended by ${exit.code ?? exit.signal}, not by the kill`)

      // Restart on the same folder; check the store; the clerk signs in.
      const t0 = Date.now()
      host = await startHost(stage, configPath, config)
      restartMs.push(Date.now() - t0)
      stopped = false
      problems.push(...(await reconcile(runs, snapshot, snapshotAt)))
      const report = await readThrottle(dataDir)
      const ready = (a: Account): boolean =>
        a.factor === 'app' &&
        freeStep(a) !== undefined &&
        (report.get(a.email)?.failures ?? 0) < 4 &&
        (report.get(a.email)?.lockedUntil ?? 0) <= Date.now()
      let clerk = accounts.find(ready)
      if (!clerk) {
        await sleep(30_000 - (Date.now() % 30_000) + 200)
        clerk = accounts.find(ready)
      }
      if (!clerk) problems.push('no clerk with an app to sign in')
      else {
        const signedIn = await appSignIn(host, clerk)
        if (!signedIn.ok)
          problems.push(`clerk ${clerk.email} cannot sign in: ${signedIn.error?.code}`)
        else if ((signedIn.value as { factor: string }).factor !== 'app')
          problems.push(`clerk ${clerk.email} signed in without the app`)
        valueOf('signOut', await call(host, 'signOut'))
      }
      problems.push(...anomalies.splice(0))
      if (problems.length > 0) failures.push({ run: runs, problems })
    }

    const count = (m: Map<Op, number>): string =>
      [...m].map(([op, n]) => `${op} ${n}`).join(', ') || 'none'
    const factors = {
      app: accounts.filter((a) => a.factor === 'app').length,
      key: accounts.filter((a) => a.factor === 'key').length,
    }
    const sortedRestarts = [...restartMs].sort((x, y) => x - y)
    console.log(
      `[proof] crash safety: ${runs} SIGKILL runs, ${failures.length} failures` +
        ` | accounts with app ${factors.app}, with key ${factors.key}` +
        ` | operations completed: ${count(opsDone)} | cut by the kill: ${count(opsCut)}` +
        ` | throttle counters compared ${comparisons} (up to ${maxFailures} failures), reset with no audit entry yet: ${resetsWithoutAudit.length}` +
        ` | SMTP sessions cut ${smtp.droppedSessions}` +
        ` | restart median ${sortedRestarts[Math.floor(sortedRestarts.length / 2)]} ms` +
        ` | ${Math.round((Date.now() - startedAt) / 1000)} s`,
    )
    if (resetsWithoutAudit.length > 0)
      console.log(`[proof] throttle reset before its audit entry: ${resetsWithoutAudit.join('; ')}`)
    expect(failures).toEqual([])
    expect(runs).toBeGreaterThanOrEqual(FIXED_RUNS ?? MIN_RUNS)
  })
})
