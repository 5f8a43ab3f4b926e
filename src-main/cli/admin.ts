/**
 * IT's command. Exit codes: 0 done, 1 refused (with a sentence why), 2 usage.
 * It speaks the configuration's `locale` (or `--lang fr|en`); without
 * --config or GUICHET_CONFIG it opens the data of `npm run web` without
 * configuration (.guichet/data inside the checkout) and says so.
 *
 *   npm run admin -- --config FILE user add --email E --name N --password-stdin
 *   npm run admin -- --config FILE user list [--json]
 *   npm run admin -- --config FILE user disable --email E
 *   npm run admin -- --config FILE user enable --email E
 *   npm run admin -- --config FILE user unlock --email E
 *   npm run admin -- --config FILE user reset-factors --email E
 *   npm run admin -- --config FILE audit [--json] [--since ISO]
 *   npm run admin -- --config FILE store migrate
 *   npm run admin -- --config FILE store copy --from sqlite:PATH [--to postgres://…]
 */

import { readFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { NO_CONFIG_DATA_DIR } from '../checkout'
import {
  ConfigError,
  configPathFromArgs,
  loadConfigFile,
  parseConfig,
  type Config,
} from '../config'
import { Email, UNSAFE_NAME_CHARS } from '../contract/methods'
import { checkNewPassword, hashPassword } from '../engine/password'
import { newRecoveryCode } from '../engine/recovery-codes'
import { createMailer } from '../mail/mailer'
import { noticeLetter, type NoticeKind } from '../mail/templates'
import { openStore } from '../runtime'
import { DB_FILE_NAME, migrate } from '../store/sqlite/open'
import { copySqliteToPg, type CopyCounts } from '../store/pg/copy'
import { describeUrl } from '../store/pg/database'
import type { PgStore } from '../store/pg/open'
import { openSharedStore } from '../store/select'
import { SqliteDatabase } from '../store/sqlite/sqlite'
import type { Store, UserRecord } from '../store/types'
import { argumentProblem, isStoreFailure, storeProblem } from './admin-errors'
import { MESSAGES, printable, type Lang, type ListRow } from './admin-messages'

/** The usage text in English (`MESSAGES.fr.usage` in French). */
export const USAGE = MESSAGES.en.usage

/** IT's temporary passwords work for 24 hours, once: the clerk must choose their own at sign-in. */
export const TEMP_PASSWORD_TTL_MS = 24 * 3600_000

/** 20 characters from the recovery-code alphabet: about 100 bits, easy to read out on the phone. */
function newTemporaryPassword(): string {
  return [newRecoveryCode(), newRecoveryCode().slice(0, 4)].join('-')
}

export class UsageError extends Error {}
export class Refusal extends Error {}

export interface AdminIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
}

/** The longest name accepted, as on the first-start screen. */
export const NAME_MAX = 100

/**
 * A clerk's name as IT typed it: trimmed, NFC, at most NAME_MAX characters,
 * with no control, invisible (zero-width, soft hyphen) or writing-direction
 * (bidi) character — they would hide or reorder what screens and logs show.
 */
export function checkName(raw: string | undefined, t: Messages): string {
  const name = raw?.normalize('NFC').trim()
  if (!name) throw new UsageError(t.nameRequired)
  const bad = name.match(new RegExp(UNSAFE_NAME_CHARS.source, 'gu'))
  if (bad) throw new Refusal(t.nameInvisible([...new Set(bad)].map(printable).join(', ')))
  if ([...name].length > NAME_MAX) throw new Refusal(t.nameTooLong(NAME_MAX))
  return name
}

type Messages = (typeof MESSAGES)['fr']

function parseEmail(value: string | undefined, t: Messages): string {
  if (!value) throw new UsageError(t.emailRequired)
  const parsed = Email.safeParse(value)
  if (!parsed.success) throw new Refusal(t.badEmail(value))
  return parsed.data
}

async function userByEmail(store: Store, email: string, t: Messages): Promise<UserRecord> {
  const user = await store.users.byEmail(email)
  if (!user) throw new Refusal(t.noAccount(email))
  return user
}

function adminAudit(
  store: Store,
  config: Config,
  event: string,
  user: UserRecord | undefined,
  detail?: string,
): Promise<void> {
  return store.audit.append({
    at: Date.now(),
    terminalId: config.terminalId,
    event: `admin.${event}`,
    outcome: 'ok',
    userId: user?.id ?? null,
    email: user?.email ?? null,
    detail: detail ?? null,
  })
}

async function notify(
  config: Config,
  user: UserRecord,
  kind: NoticeKind,
  io: AdminIo,
  t: Messages,
): Promise<void> {
  const mailer = createMailer(config)
  try {
    const letter = noticeLetter(kind, config.locale, {
      at: Date.now(),
      issuer: config.issuer,
      terminalId: config.terminalId,
    })
    await mailer.send({ to: user.email, ...letter })
  } catch (error) {
    io.stderr(`${t.noticeFailed(user.email, (error as Error).message)}\n`)
  } finally {
    mailer.close()
  }
}

async function readPassword(io: AdminIo): Promise<string> {
  const text = await io.readStdin()
  return text.replace(/\r?\n$/, '')
}

/** `--lang fr|en` as given (undefined when absent; anything else is a usage error later). */
function langFlag(argv: readonly string[]): string | undefined {
  const i = argv.indexOf('--lang')
  if (i >= 0) return argv[i + 1]
  return argv.find((a) => a.startsWith('--lang='))?.slice('--lang='.length)
}

function isLang(value: string | undefined): value is Lang {
  return value === 'fr' || value === 'en'
}

/** Where the configuration is: --config, GUICHET_CONFIG, else the no-config web host's. */
function loadConfig(argv: readonly string[], lang: Lang): { config: Config; byDefault: boolean } {
  const path = configPathFromArgs(argv, process.env, lang)
  if (path) return { config: loadConfigFile(path, lang), byDefault: false }
  return { config: parseConfig({ dataDir: NO_CONFIG_DATA_DIR }), byDefault: true }
}

/**
 * The language before the configuration is validated (usage, and the
 * configuration's own errors): --lang, else the file's "locale" when it
 * names one, else French (the default locale).
 */
function earlyLang(argv: readonly string[]): Lang {
  const flag = langFlag(argv)
  if (isLang(flag)) return flag
  try {
    const path = configPathFromArgs(argv)
    const locale: unknown = path
      ? (JSON.parse(readFileSync(path, 'utf8')) as { locale?: unknown }).locale
      : undefined
    return isLang(locale as string) ? (locale as Lang) : 'fr'
  } catch {
    return 'fr'
  }
}

const KNOWN = [
  'user add',
  'user temp-password',
  'user list',
  'user disable',
  'user enable',
  'user unlock',
  'user reset-factors',
  'audit',
  'store migrate',
  'store copy',
]

export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  const early = earlyLang(argv)
  let t = MESSAGES[early]
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        lang: { type: 'string' },
        email: { type: 'string' },
        name: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        'temp-password': { type: 'boolean' },
        json: { type: 'boolean' },
        since: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    io.stderr(`${t.argumentProblem(argumentProblem(error))}\n\n${t.usage}\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.lang !== undefined && !isLang(values.lang)) {
    io.stderr(`${t.badLang(printable(values.lang))}\n\n${t.usage}\n`)
    return 2
  }
  if (values.help) {
    io.stdout(`${t.usage}\n`)
    return 0
  }
  const command = positionals.join(' ')
  if (!KNOWN.includes(command)) {
    io.stderr(`${command ? t.unknownCommand(printable(command)) : t.noCommand}\n\n${t.usage}\n`)
    return 2
  }

  let config: Config
  try {
    const loaded = loadConfig(argv, early)
    config = loaded.config
    t = MESSAGES[values.lang ?? config.locale]
    // On standard error, so that --json output stays parseable.
    if (loaded.byDefault) io.stderr(`${t.defaultConfig(config.dataDir)}\n`)
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`)
      return 1
    }
    throw error
  }

  let store: Store | undefined
  try {
    // Validate arguments before opening anything.
    let since: number | undefined
    if (values.since !== undefined) {
      since = Date.parse(values.since)
      if (Number.isNaN(since)) throw new UsageError(t.badSince(values.since))
    }
    const name = command === 'user add' ? checkName(values.name, t) : undefined
    store = await openStore(config).catch((error: unknown) => {
      throw new Refusal(t.storeProblem(storeProblem(error, storeLocation(config))))
    })
    switch (command) {
      case 'user add': {
        const email = parseEmail(values.email, t)
        if (values['password-stdin'] === values['temp-password'])
          throw new UsageError(t.onePasswordOption)
        let passwordHash: string
        let temporary: string | undefined
        if (values['password-stdin']) {
          const password = await readPassword(io)
          const reason = await checkNewPassword(password, {
            email,
            name: name!,
            issuer: config.issuer,
          })
          if (reason) {
            const names = reason === 'contains-email' || reason === 'contains-product'
            const why = names ? t.containsNames(config.issuer) : t.passwordReasons[reason]
            throw new Refusal(t.passwordRefused(why ?? reason))
          }
          passwordHash = await hashPassword(password)
        } else {
          temporary = newTemporaryPassword()
          passwordHash = await hashPassword(temporary)
        }
        const now = Date.now()
        const id = await store.users.insert({
          email,
          name: name!,
          passwordHash,
          mustChangePassword: temporary !== undefined,
          passwordExpiresAt: temporary === undefined ? null : now + TEMP_PASSWORD_TTL_MS,
          now,
        })
        if (id === undefined) throw new Refusal(t.exists(email))
        await adminAudit(
          store,
          config,
          'user-add',
          { id, email } as UserRecord,
          temporary && 'temporary password',
        )
        io.stdout(`${t.created(email)}\n${temporary ? `${t.temporary(temporary)}\n` : ''}`)
        return 0
      }
      case 'user temp-password': {
        const user = await userByEmail(store, parseEmail(values.email, t), t)
        const temporary = newTemporaryPassword()
        const now = Date.now()
        await store.users.setPassword(user.id, {
          passwordHash: await hashPassword(temporary),
          mustChange: true,
          expiresAt: now + TEMP_PASSWORD_TTL_MS,
          now,
        })
        await store.throttle.reset(user.email)
        await adminAudit(store, config, 'temp-password', user)
        io.stdout(`${t.temporarySet(user.email)}\n${t.temporary(temporary)}\n`)
        return 0
      }
      case 'user list': {
        const rows = await listRows(store)
        if (values.json)
          io.stdout(
            `${JSON.stringify(
              rows.map((r) => ({
                ...r,
                app: r.app !== null,
                appDevice: r.app,
                lockedUntil: r.lockedUntil === null ? null : new Date(r.lockedUntil).toISOString(),
                lastSignIn: r.lastSignIn && {
                  ...r.lastSignIn,
                  at: new Date(r.lastSignIn.at).toISOString(),
                },
                createdAt: new Date(r.createdAt).toISOString(),
              })),
              null,
              2,
            )}\n`,
          )
        else if (rows.length === 0) io.stdout(`${t.noAccounts}\n`)
        else io.stdout(`${rows.map((r) => t.row(r)).join('\n\n')}\n`)
        return 0
      }
      case 'user disable':
      case 'user enable': {
        const user = await userByEmail(store, parseEmail(values.email, t), t)
        const disable = command === 'user disable'
        await store.users.setDisabled(user.id, disable, Date.now())
        await adminAudit(store, config, disable ? 'user-disable' : 'user-enable', user)
        io.stdout(`${disable ? t.disabled(user.email) : t.enabled(user.email)}\n`)
        return 0
      }
      case 'user unlock': {
        const email = parseEmail(values.email, t)
        const user = await userByEmail(store, email, t)
        await store.throttle.reset(email)
        await adminAudit(store, config, 'user-unlock', user)
        io.stdout(`${t.unlocked(email)}\n`)
        return 0
      }
      case 'user reset-factors': {
        const user = await userByEmail(store, parseEmail(values.email, t), t)
        const removed = await store.transaction(async (tx) => {
          const app = await tx.apps.remove(user.id)
          const keys = await tx.keys.removeAll(user.id)
          await tx.recovery.removeAll(user.id)
          await tx.codes.voidAll(user.id)
          // The audit detail is data, kept in one language.
          const what = [
            app ? 'authenticator app' : '',
            keys ? `${keys} security key${keys > 1 ? 's' : ''}` : '',
          ]
            .filter(Boolean)
            .join(' and ')
          await tx.audit.append({
            at: Date.now(),
            terminalId: config.terminalId,
            event: 'admin.reset-factors',
            outcome: 'ok',
            userId: user.id,
            email: user.email,
            detail: what ? `removed ${what}` : 'nothing to remove',
          })
          return { app, keys }
        })
        await notify(config, user, 'factors-reset', io, t)
        io.stdout(`${t.resetDone(user.email, removed.app, removed.keys)}\n`)
        return 0
      }
      case 'audit': {
        const entries = await store.audit.list(since === undefined ? {} : { since })
        const rows = entries.map((e) => ({
          at: new Date(e.at).toISOString(),
          terminalId: e.terminalId,
          event: e.event,
          outcome: e.outcome,
          email: e.email,
          factor: e.factor,
          detail: e.detail,
        }))
        if (values.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`)
        else
          for (const r of rows)
            io.stdout(
              `${[r.at, r.terminalId, r.event, r.outcome, r.email ?? '', r.factor ?? '', r.detail ?? ''].map(printable).join('\t')}\n`,
            )
        return 0
      }
      case 'store migrate': {
        io.stdout(`${t.upToDate(store.location)}\n`)
        return 0
      }
      case 'store copy': {
        const counts = await storeCopy(config, store, values.from, values.to, io, t)
        io.stdout(`${t.copied(counts)}\n`)
        return 0
      }
    }
    return 2
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${t.usage}\n`)
      return 2
    }
    if (error instanceof Refusal) {
      io.stderr(`${error.message}\n`)
      return 1
    }
    // The store failed under a command (server gone, disk full, file locked): a sentence, not a stack.
    if (isStoreFailure(error)) {
      const where = store?.location ?? storeLocation(config)
      io.stderr(`${t.storeProblem(storeProblem(error, where))}\n`)
      return 1
    }
    throw error
  } finally {
    await store?.close().catch(() => undefined)
  }
}

/** Where the configured store is, for a sentence about it: the SQLite file, or the PostgreSQL address. */
function storeLocation(config: Config): string {
  return config.store ? describeUrl(config.store.url) : join(config.dataDir, DB_FILE_NAME)
}

/** What IT needs to help a clerk on the phone, one row an account. */
async function listRows(
  store: Store,
): Promise<(ListRow & { failures: number; createdAt: number })[]> {
  const users = await store.users.list()
  const last = new Map((await store.audit.lastSignIns()).map((s) => [s.userId, s]))
  const now = Date.now()
  return Promise.all(
    users.map(async (u) => {
      const throttle = await store.throttle.get(u.email)
      const app = await store.apps.get(u.id)
      const signIn = last.get(u.id)
      return {
        email: u.email,
        name: u.name,
        disabled: u.disabled,
        app: app ? app.deviceName : null,
        keys: (await store.keys.listByUser(u.id)).length,
        recoveryCodesLeft: await store.recovery.countUnused(u.id),
        lockedUntil: throttle && throttle.lockedUntil > now ? throttle.lockedUntil : null,
        failures: throttle?.failures ?? 0,
        lastSignIn: signIn
          ? { at: signIn.at, terminalId: signIn.terminalId, factor: signIn.factor }
          : null,
        createdAt: u.createdAt,
      }
    }),
  )
}

/**
 * `store copy`: the source is a SQLite file or data folder (never created: it
 * must exist); the target is `--to`, else the configured store, and must be
 * PostgreSQL. Both are migrated first (the source too: it is brought to the
 * current schema, as its terminal would at start).
 */
async function storeCopy(
  config: Config,
  configured: Store,
  from: string | undefined,
  to: string | undefined,
  io: AdminIo,
  t: Messages,
): Promise<CopyCounts> {
  if (!from?.startsWith('sqlite:')) throw new UsageError(t.fromRequired)
  let path = resolve(from.slice('sqlite:'.length))
  const info = await stat(path).catch(() => undefined)
  if (info?.isDirectory()) path = join(path, DB_FILE_NAME)
  else if (!info) throw new Refusal(t.noSqlite(path))
  if (!(await stat(path).catch(() => undefined))?.isFile()) throw new Refusal(t.noSqlite(path))

  let target: PgStore | undefined
  let own = false
  if (to !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError(t.toUrl)
    const url = new URL(to)
    if (url.password || url.searchParams.has('password')) throw new Refusal(t.noPasswordInTo)
    if (config.store && describeUrl(config.store.url) === describeUrl(to) && 'pg' in configured) {
      target = configured as PgStore
    } else {
      // Another server than the configured one: its password comes from PGPASSWORD (or ~/.pgpass).
      target = (await openSharedStore({ url: to, startupWaitSeconds: 0 }).catch(
        (error: unknown) => {
          throw new Refusal(t.storeProblem(storeProblem(error, describeUrl(to))))
        },
      )) as PgStore
      own = true
    }
  } else if ('pg' in configured) {
    target = configured as PgStore
  } else {
    throw new UsageError(t.configuredIsSqlite)
  }

  const source = await SqliteDatabase.open(path).catch((error: unknown) => {
    throw new Refusal(t.storeProblem(storeProblem(error, path)))
  })
  try {
    await migrate(source)
    io.stderr(`${t.copying(path, target.location)}\n`)
    const counts = await copySqliteToPg(source, target.pg)
    await target.audit.append({
      at: Date.now(),
      terminalId: config.terminalId,
      event: 'admin.store-copy',
      outcome: 'ok',
      userId: null,
      email: null,
      detail: `from ${path}: ${copyDetail(counts)}`,
    })
    return counts
  } finally {
    await source.close().catch(() => undefined)
    if (own) await target.close().catch(() => undefined)
  }
}

/** The audit entry's detail: data, kept in one language. */
function copyDetail(c: CopyCounts): string {
  const n = (count: number, one: string, many = `${one}s`): string =>
    `${count} ${count === 1 ? one : many}`
  return (
    `copied ${n(c.accounts, 'account')} (${n(c.apps, 'app')}, ${n(c.keys, 'security key')}, ${n(c.recoveryCodes, 'recovery code')}), ` +
    `${n(c.throttle, 'throttle record')}, ${n(c.audit, 'audit entry', 'audit entries')}`
  )
}

async function readAllStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write(`${MESSAGES[earlyLang(process.argv.slice(2))].typePassword}\n`)
  }
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href
if (isMain) {
  runAdmin(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: readAllStdin,
  }).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      const t = MESSAGES[earlyLang(process.argv.slice(2))]
      process.stderr.write(`${t.unexpected}: ${(error as Error).stack ?? String(error)}\n`)
      process.exitCode = 1
    },
  )
}
