// rss_100k_mb's process: it only opens the runtime on the seeded store (as the
// web host does, from a configuration file) and runs full sign-ins (password,
// then the app's code), then prints its resident memory as JSON.
//
//   tsx bench/rss-child.ts CONFIG ACCOUNTS_JSON CLOCK_START_MS SIGN_INS

import { readFile } from 'node:fs/promises'
import { loadConfigFile } from '../src-main/config'
import { totpCodeAt } from '../src-main/engine/totp'
import { silentLogger } from '../src-main/log'
import { openRuntime } from '../src-main/runtime'
import { PASSWORD, TestClock, value } from '../test/support/env'
import type { AppAccount } from './lib/seed'

const MB = 1024 * 1024

async function main(): Promise<void> {
  const [configPath, accountsPath, clockStart, count] = process.argv.slice(2)
  if (!configPath || !accountsPath || !clockStart || !count)
    throw new Error('usage: rss-child.ts CONFIG ACCOUNTS_JSON CLOCK_START_MS SIGN_INS')
  const accounts = JSON.parse(await readFile(accountsPath, 'utf8')) as AppAccount[]
  const clock = new TestClock(Number(clockStart))
  const runtime = await openRuntime(loadConfigFile(configPath), { clock, log: silentLogger })
  const api = runtime.api
  const rssAfterOpen = process.memoryUsage().rss
  const started = performance.now()
  const signIns = Number(count)
  for (let i = 0; i < signIns; i += 1) {
    const account = accounts[i % accounts.length] as AppAccount
    clock.advance(30_000)
    const code = await totpCodeAt(account.secret, clock.t)
    value(await api.signIn({ email: account.email, password: PASSWORD }))
    value(await api.verifyCode({ code }))
    value(await api.signOut({}))
  }
  const seconds = (performance.now() - started) / 1000
  const usage = process.memoryUsage()
  await runtime.close()
  process.stdout.write(
    `${JSON.stringify({
      rssMb: usage.rss / MB,
      rssAfterOpenMb: rssAfterOpen / MB,
      heapUsedMb: usage.heapUsed / MB,
      externalMb: usage.external / MB,
      signIns,
      seconds,
    })}\n`,
  )
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
