// main_stall_ms's process: the engine as Electron's main process runs it (the
// runtime opened from a configuration file, mail to the bench's SMTP server in
// another process, the security key `npm run virtual-key` in another process
// over UDP), under a mixed load, while a probe watches its event loop.
//
//   tsx bench/stall-child.ts CONFIG ACCOUNTS_JSON CLOCK_START_MS MAIL_ACCOUNTS_JSON [ROUNDS]
//
// The load, interleaved 20 times: 5 sign-ins (password + app code), 1 password
// change to a 256-character password (with its strength check), 1 security key
// registered, signed in with, and removed, 1 app enrollment begun (its QR
// codes), 1 sign-in that mails a code. That is 100 app sign-ins (plus the key
// rounds' own), 20 changes, 20 keys, 20 QR codes and 20 mailed codes (plus the
// notices). One round before, not measured, warms up. A kind of work that
// blocks for over a second twice is not repeated: it fails the goal already,
// and twenty of them would hold the bench for minutes.
//
// The probe is a 1 ms timer. Between two of its ticks, the CPU time the main
// thread used (Linux: /proc/self/task/PID/schedstat, ns) is how long it ran
// without the loop turning: the figure, as it would be on a core of its own —
// on a machine shared with ~8 other processes, wall times stretch with their
// load. Beside it, the event loop's own
// account of its time (performance.eventLoopUtilization) says how long it was
// busy running JavaScript or native callbacks, as opposed to waiting in the
// poll phase: the longest such busy stretch is the longest block, and it does
// not count the time the OS gives to the ~8 other processes of the machine
// while this one is idle (which a bare timer delay would). The histogram of
// monitorEventLoopDelay (1 ms resolution) is reported beside it.

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Api } from '../src-main/contract/dispatch'
import { loadConfigFile } from '../src-main/config'
import { totpCodeAt } from '../src-main/engine/totp'
import { silentLogger } from '../src-main/log'
import { openRuntime } from '../src-main/runtime'
import { PASSWORD, TestClock, value } from '../test/support/env'
import type { AppAccount } from './lib/seed'

export interface StallChildResult {
  /**
   * The most CPU time the main thread used between two probe ticks, ms: how
   * long it ran without the loop turning, on a core of its own.
   */
  maxCpuMs: number
  maxCpuDuring: string
  cpuByWork: Record<string, number>
  /** The longest busy stretch of the event loop between two probe ticks, ms. */
  maxBusyMs: number
  /** What was running then. */
  maxBusyDuring: string
  /** The longest busy stretch per kind of work, ms. */
  busyByWork: Record<string, number>
  /** monitorEventLoopDelay's max, ms (includes the OS's scheduling of other processes). */
  maxDelayMs: number
  p99DelayMs: number
  operations: Record<string, number>
  seconds: number
}

/**
 * CPU time of this process's main thread (Linux: its task's schedstat, in ns;
 * the main thread's id is the process id). Other threads (argon2, SQLite, the
 * QR worker) are not counted: they do not hold the event loop.
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`
function mainThreadCpuMs(): number {
  return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6
}

function probe(): {
  current: string
  busyByWork: Record<string, number>
  stop(): Omit<StallChildResult, 'operations' | 'seconds'>
} {
  const state = { current: 'idle' }
  const busyByWork: Record<string, number> = {}
  let maxBusy = 0
  let maxBusyDuring = 'idle'
  let last = performance.eventLoopUtilization()
  let lastCpu = mainThreadCpuMs()
  const cpuByWork: Record<string, number> = {}
  let maxCpu = 0
  let maxCpuDuring = 'idle'
  let running = true
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const tick = (): void => {
    const now = performance.eventLoopUtilization()
    const busy = performance.eventLoopUtilization(now, last).active
    last = now
    const cpuNow = mainThreadCpuMs()
    const cpu = cpuNow - lastCpu
    lastCpu = cpuNow
    const work = state.current
    busyByWork[work] = Math.max(busyByWork[work] ?? 0, busy)
    cpuByWork[work] = Math.max(cpuByWork[work] ?? 0, cpu)
    if (cpu > maxCpu) {
      maxCpu = cpu
      maxCpuDuring = work
    }
    if (busy > maxBusy) {
      maxBusy = busy
      maxBusyDuring = work
    }
    if (running) setTimeout(tick, 1)
  }
  setTimeout(tick, 1)
  return {
    busyByWork,
    get current() {
      return state.current
    },
    set current(work: string) {
      state.current = work
    },
    stop() {
      running = false
      delay.disable()
      return {
        maxCpuMs: maxCpu,
        maxCpuDuring,
        cpuByWork,
        maxBusyMs: maxBusy,
        maxBusyDuring,
        busyByWork,
        maxDelayMs: delay.max / 1e6,
        p99DelayMs: delay.percentile(99) / 1e6,
      }
    },
  }
}

async function main(): Promise<void> {
  const [configPath, accountsPath, clockStart, mailAccountsPath, roundsArg] = process.argv.slice(2)
  if (!configPath || !accountsPath || !clockStart || !mailAccountsPath)
    throw new Error(
      'usage: stall-child.ts CONFIG ACCOUNTS_JSON CLOCK_START_MS MAIL_ACCOUNTS_JSON [ROUNDS]',
    )
  const rounds = Number(roundsArg ?? 20)
  const accounts = JSON.parse(await readFile(accountsPath, 'utf8')) as AppAccount[]
  const mailAccounts = JSON.parse(await readFile(mailAccountsPath, 'utf8')) as string[]
  const clock = new TestClock(Number(clockStart))
  const runtime = await openRuntime(loadConfigFile(configPath), { clock, log: silentLogger })
  const api: Api = runtime.api
  const passwords = new Map(accounts.map((a) => [a.email, PASSWORD]))
  const operations: Record<string, number> = {}
  const count = (op: string): void => {
    operations[op] = (operations[op] ?? 0) + 1
  }
  let next = 0

  /** Password, then the app's code, on a fresh time step: signed in, second factor fresh. */
  const appSignIn = async (account: AppAccount): Promise<void> => {
    clock.advance(30_000)
    const code = await totpCodeAt(account.secret, clock.t)
    const password = passwords.get(account.email) ?? PASSWORD
    value(await api.signIn({ email: account.email, password }))
    value(await api.verifyCode({ code }))
  }
  const nextAccount = (): AppAccount => accounts[next++ % accounts.length] as AppAccount

  let p: ReturnType<typeof probe> | undefined
  /** Kinds of work that blocked for over a second twice: not repeated (they fail the goal already). */
  const givenUp = new Set<string>()
  const work = async (label: string, run: () => Promise<void>): Promise<void> => {
    if (givenUp.has(label)) return
    if (p) p.current = label
    const t = performance.now()
    await run()
    if (!p) return
    count(label)
    process.stderr.write(`${label}: ${(performance.now() - t).toFixed(0)} ms\n`)
    p.current = 'between'
    if ((operations[label] ?? 0) >= 2 && (p.busyByWork[label] ?? 0) > 1_000) givenUp.add(label)
  }
  let started = 0
  // Round -1 warms up (each kind of work once, the password change with a short
  // password): what a process does once, at first use (loading and compiling
  // code, starting the QR worker), is not what this figure is about.
  for (let round = -1; round < rounds; round += 1) {
    if (round === 0) {
      p = probe()
      started = performance.now()
    }
    for (let i = 0; i < 5; i += 1)
      await work('app sign-in', async () => {
        await appSignIn(nextAccount())
        value(await api.signOut({}))
      })
    await work('password change (256 characters)', async () => {
      const account = nextAccount()
      await appSignIn(account)
      const next = randomBytes(round < 0 ? 15 : 192).toString('base64') // 20, then 256 characters
      value(await api.changePassword({ current: passwords.get(account.email) ?? '', next }))
      passwords.set(account.email, next)
      value(await api.signOut({}))
    })
    await work('security key: register, sign in, remove', async () => {
      const account = nextAccount()
      await appSignIn(account)
      value(await api.registerKey({ name: `Clé ${round + 1}` }))
      value(await api.signOut({}))
      clock.advance(1_000)
      const password = passwords.get(account.email) ?? PASSWORD
      value(await api.signIn({ email: account.email, password }))
      value(await api.signInWithKey({}))
      const factors = value(await api.listFactors({}))
      for (const key of factors.keys) value(await api.removeKey({ id: key.id }))
      value(await api.signOut({}))
    })
    await work('QR codes (app enrollment begun)', async () => {
      await appSignIn(nextAccount())
      const enrollment = value(await api.beginAppEnrollment({}))
      if (!enrollment.qrSvg.startsWith('<svg')) throw new Error('no QR code')
      value(await api.signOut({}))
    })
    await work('sign-in with a mailed code', async () => {
      clock.advance(1_000)
      const email = mailAccounts[(round + 1) % mailAccounts.length] as string
      const step = value(await api.signIn({ email, password: PASSWORD }))
      if (step.factor !== 'email') throw new Error(`expected a mailed code for ${email}`)
      value(await api.cancelSignIn({}))
    })
  }
  const seconds = (performance.now() - started) / 1000
  if (!p) throw new Error('no round was measured')
  const watched = p.stop()
  await runtime.close()
  const result: StallChildResult = { ...watched, operations, seconds }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

main().then(
  // Whatever the runtime leaves open (the mail pool, the key's socket) does not hold the bench.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
