/**
 * Which store a terminal uses: SQLite in dataDir (the default, one terminal),
 * or the PostgreSQL database named by "store.url" (a fleet of terminals sharing
 * their accounts). A server that is down at start is waited for, backing off,
 * for "store.startupWaitSeconds"; then the terminal gives up with a sentence
 * that names the setting (the shells show « service indisponible »).
 */

import { open } from 'node:fs/promises'
import type { Config } from '../config'
import { silentLogger, type Logger } from '../log'
import { openSqliteStore } from './sqlite/open'
import { describeUrl, reasonOf } from './pg/database'
import { StoreUnavailableError } from './pg/errors'
import { openPgStore } from './pg/open'
import { StoreOpenError } from './sqlite/sqlite'
import type { Store } from './types'

export interface SelectOptions {
  log?: Logger
  /** Tests: a clock and a sleep that do not wait. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

type StoreConfig = NonNullable<Config['store']>

/**
 * The role's password: "store.passwordFile" (first line) if set, else
 * undefined (PGPASSWORD, ~/.pgpass). A file that group or others may read or
 * write is refused, as libpq does with ~/.pgpass and ssh with a private key:
 * the mode is read from the open file, the one whose text is used.
 */
export async function storePassword(
  store: StoreConfig,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  if (!store.passwordFile) return undefined
  let text: string
  try {
    const file = await open(store.passwordFile, 'r')
    try {
      const { mode } = await file.stat()
      if (platform !== 'win32' && (mode & 0o066) !== 0)
        throw new StoreOpenError(
          `The password file ${store.passwordFile} set by "store.passwordFile" can be read or written by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): run "chmod 600 ${store.passwordFile}" (owned by the kiosk's user), then start Guichet again.`,
        )
      text = await file.readFile('utf8')
    } finally {
      await file.close()
    }
  } catch (error) {
    if (error instanceof StoreOpenError) throw error
    throw new StoreOpenError(
      `The password file ${store.passwordFile} set by "store.passwordFile" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`,
      { cause: error },
    )
  }
  const password = text.split(/\r?\n/, 1)[0] ?? ''
  if (!password)
    throw new StoreOpenError(
      `The password file ${store.passwordFile} set by "store.passwordFile" is empty.`,
    )
  return password
}

export const FIRST_RETRY_MS = 500
export const MAX_RETRY_MS = 5_000

/** Opens PostgreSQL, waiting with backoff while the server cannot be reached. */
export async function openSharedStore(
  store: StoreConfig,
  options: SelectOptions = {},
): Promise<Store> {
  const log = options.log ?? silentLogger
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const password = await storePassword(store)
  const location = describeUrl(store.url)
  const started = now()
  const deadline = started + store.startupWaitSeconds * 1000
  let delay = FIRST_RETRY_MS
  for (let attempt = 1; ; attempt++) {
    try {
      const opened = await openPgStore({ url: store.url, password, log })
      if (attempt > 1)
        log.info('The account store answered; starting.', { store: location, attempt })
      return opened
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error
      const reason = reasonOf(error.cause ?? error)
      const left = deadline - now()
      if (left <= 0) {
        const waited = Math.round((now() - started) / 1000)
        throw new StoreOpenError(
          `The account store set by "store.url" (${location}) cannot be reached (${reason}) after ${attempt} attempt${attempt > 1 ? 's' : ''} over ${waited} s: check that the PostgreSQL server is running and reachable from this terminal, then start Guichet again.`,
          { cause: error },
        )
      }
      const wait = Math.min(delay, left)
      log.warn(
        `The account store set by "store.url" (${location}) cannot be reached (${reason}); trying again in ${(wait / 1000).toFixed(1)} s.`,
        { store: location, attempt, reason },
      )
      await sleep(wait)
      delay = Math.min(delay * 2, MAX_RETRY_MS)
    }
  }
}

/** The store this configuration names: PostgreSQL when "store" is set, SQLite in dataDir otherwise. */
export function openConfiguredStore(config: Config, options: SelectOptions = {}): Promise<Store> {
  return config.store ? openSharedStore(config.store, options) : openSqliteStore(config.dataDir)
}
