// IT's command. Exit codes: 0 done, 1 refused (with a sentence why), 2 usage.
//
//   npm run admin -- --config FILE user add --email E --name N --password-stdin
//   npm run admin -- --config FILE user list [--json]
//   npm run admin -- --config FILE user disable --email E
//   npm run admin -- --config FILE user enable --email E
//   npm run admin -- --config FILE user unlock --email E
//   npm run admin -- --config FILE user reset-factors --email E
//   npm run admin -- --config FILE audit [--json] [--since ISO]
//   npm run admin -- --config FILE store migrate
//   npm run admin -- --config FILE store copy --from sqlite:PATH [--to postgres://…]

import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, configPathFromArgs, loadConfigFile, type Config } from '../config'
import { DisplayName, Email, UNSAFE_NAME_CHARS } from '../contract/methods'
import { checkNewPassword, hashPassword } from '../engine/password'
import { newRecoveryCode } from '../engine/recovery-codes'
import { createMailer } from '../mail/mailer'
import { noticeLetter, type NoticeKind } from '../mail/templates'
import { openStore, StartupError } from '../runtime'
import { DB_FILE_NAME, migrate } from '../store/sqlite/open'
import { copySqliteToPg, type CopyCounts } from '../store/pg/copy'
import { describeUrl } from '../store/pg/database'
import type { PgStore } from '../store/pg/open'
import { openSharedStore } from '../store/select'
import { SqliteDatabase } from '../store/sqlite/sqlite'
import type { Store, UserRecord } from '../store/types'

export const USAGE = `Usage: npm run admin -- --config FILE <command>

Commands:
  user add --email E --name N --password-stdin   create an account (password read from standard input)
  user add --email E --name N --temp-password    create an account with a temporary password (printed)
  user temp-password --email E                   a new single-use password, valid 24 h, to change at sign-in
  user list [--json]                             list accounts and their factors
  user disable --email E                         refuse every sign-in of this account
  user enable --email E                          allow sign-in again
  user unlock --email E                          clear the failed-attempt wait
  user reset-factors --email E                   remove the app and keys (lost phone): next sign-in by e-mailed code
  audit [--json] [--since ISO-DATE]              print the audit log
  store migrate                                  apply the database migrations and exit
  store copy --from sqlite:PATH [--to URL]       copy a terminal's SQLite store (file or data folder) into
                                                 the PostgreSQL store (default: the configured one); idempotent

The configuration comes from --config FILE or the GUICHET_CONFIG variable.
Exit codes: 0 done, 1 refused, 2 usage.`

/** IT's temporary passwords work for 24 hours, once: the clerk must choose their own at sign-in. */
export const TEMP_PASSWORD_TTL_MS = 24 * 3600_000

/** 20 characters from the recovery-code alphabet: about 100 bits, easy to read out on the phone. */
function newTemporaryPassword(): string {
  return [newRecoveryCode(), newRecoveryCode().slice(0, 4)].join('-')
}

function temporaryPasswordLines(password: string): string {
  return (
    `Temporary password (valid 24 hours, to be changed at the first sign-in): ${password}\n` +
    'Give it to the clerk in person or by phone; it is not stored anywhere in clear.\n'
  )
}

export class UsageError extends Error {}
export class Refusal extends Error {}

export interface AdminIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
}

/**
 * A name for the terminal: every character a name may not hold (names stored
 * before they were checked) shown as its code point, `\u{202E}`, never raw.
 */
export function printable(name: string): string {
  return name.replace(
    new RegExp(UNSAFE_NAME_CHARS.source, 'gu'),
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`,
  )
}

const PASSWORD_REASONS: Record<string, string> = {
  'too-short': 'it is shorter than 12 characters',
  'too-long': 'it is longer than 256 characters',
  'too-common': 'it is too common or too easy to guess',
  'contains-email': 'it contains the address',
  'contains-product': 'it contains the product name',
}

function parseEmail(value: string | undefined): string {
  if (!value) throw new UsageError('--email is required.')
  const parsed = Email.safeParse(value)
  if (!parsed.success) throw new Refusal(`"${value}" is not a valid e-mail address.`)
  return parsed.data
}

async function userByEmail(store: Store, email: string): Promise<UserRecord> {
  const user = await store.users.byEmail(email)
  if (!user) throw new Refusal(`No account has the address ${email}.`)
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
    io.stderr(
      `Warning: the notice to ${user.email} could not be sent (${(error as Error).message}).\n`,
    )
  } finally {
    mailer.close()
  }
}

async function readPassword(io: AdminIo): Promise<string> {
  const text = await io.readStdin()
  return text.replace(/\r?\n$/, '')
}

export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
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
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  const command = positionals.join(' ')
  const known = [
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
  if (!known.includes(command)) {
    io.stderr(`${command ? `Unknown command "${command}".` : 'No command given.'}\n\n${USAGE}\n`)
    return 2
  }

  let config: Config
  try {
    const path = configPathFromArgs(argv)
    if (!path) throw new UsageError('No configuration: pass --config FILE or set GUICHET_CONFIG.')
    config = loadConfigFile(path)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`)
      return 2
    }
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
      if (Number.isNaN(since))
        throw new UsageError(
          `--since "${values.since}" is not an ISO date (e.g. 2026-11-29 or 2026-11-29T08:00:00Z).`,
        )
    }
    store = await openStore(config)
    switch (command) {
      case 'user add': {
        const email = parseEmail(values.email)
        if (values.name === undefined) throw new UsageError('--name is required.')
        const parsedName = DisplayName.safeParse(values.name)
        if (!parsedName.success)
          throw new UsageError(
            '--name must be 1 to 100 characters, without control, bidi or zero-width characters.',
          )
        const name = parsedName.data
        if (values['password-stdin'] === values['temp-password'])
          throw new UsageError(
            'Give exactly one of --password-stdin (the password on standard input) or --temp-password.',
          )
        let passwordHash: string
        let temporary: string | undefined
        if (values['password-stdin']) {
          const password = await readPassword(io)
          const reason = await checkNewPassword(password, { email, name, issuer: config.issuer })
          if (reason) throw new Refusal(`The password was refused: ${PASSWORD_REASONS[reason]}.`)
          passwordHash = await hashPassword(password)
        } else {
          temporary = newTemporaryPassword()
          passwordHash = await hashPassword(temporary)
        }
        const now = Date.now()
        const id = await store.users.insert({
          email,
          name,
          passwordHash,
          mustChangePassword: temporary !== undefined,
          passwordExpiresAt: temporary === undefined ? null : now + TEMP_PASSWORD_TTL_MS,
          now,
        })
        if (id === undefined)
          throw new Refusal(`An account with the address ${email} already exists.`)
        await adminAudit(
          store,
          config,
          'user-add',
          { id, email } as UserRecord,
          temporary && 'temporary password',
        )
        io.stdout(
          `Account ${email} created. At the first sign-in a code is sent to this address.\n` +
            (temporary ? temporaryPasswordLines(temporary) : ''),
        )
        return 0
      }
      case 'user temp-password': {
        const user = await userByEmail(store, parseEmail(values.email))
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
        io.stdout(`Temporary password set for ${user.email}.\n${temporaryPasswordLines(temporary)}`)
        return 0
      }
      case 'user list': {
        const users = await store.users.list()
        const rows = await Promise.all(
          users.map(async (u) => {
            const t = await store!.throttle.get(u.email)
            return {
              email: u.email,
              name: u.name,
              disabled: u.disabled,
              app: (await store!.apps.get(u.id)) !== undefined,
              keys: (await store!.keys.listByUser(u.id)).length,
              lockedUntil:
                t && t.lockedUntil > Date.now() ? new Date(t.lockedUntil).toISOString() : null,
              failures: t?.failures ?? 0,
              createdAt: new Date(u.createdAt).toISOString(),
            }
          }),
        )
        if (values.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`)
        else if (rows.length === 0) io.stdout('No accounts.\n')
        else
          for (const r of rows)
            io.stdout(
              `${r.email}\t${printable(r.name)}\t${r.disabled ? 'disabled' : 'active'}\t${[r.app ? 'app' : '', r.keys ? `${r.keys} key(s)` : ''].filter(Boolean).join(' + ') || 'e-mail code'}${r.lockedUntil ? `\tlocked until ${r.lockedUntil}` : ''}\n`,
            )
        return 0
      }
      case 'user disable':
      case 'user enable': {
        const user = await userByEmail(store, parseEmail(values.email))
        const disable = command === 'user disable'
        await store.users.setDisabled(user.id, disable, Date.now())
        await adminAudit(store, config, disable ? 'user-disable' : 'user-enable', user)
        io.stdout(`Account ${user.email} ${disable ? 'disabled' : 'enabled'}.\n`)
        return 0
      }
      case 'user unlock': {
        const email = parseEmail(values.email)
        const user = await userByEmail(store, email)
        await store.throttle.reset(email)
        await adminAudit(store, config, 'user-unlock', user)
        io.stdout(`Account ${email} unlocked: failed attempts cleared.\n`)
        return 0
      }
      case 'user reset-factors': {
        const user = await userByEmail(store, parseEmail(values.email))
        const removed = await store.transaction(async (tx) => {
          const app = await tx.apps.remove(user.id)
          const keys = await tx.keys.removeAll(user.id)
          await tx.recovery.removeAll(user.id)
          await tx.codes.voidAll(user.id)
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
          return what
        })
        await notify(config, user, 'factors-reset', io)
        io.stdout(
          `Factors of ${user.email} reset (${removed ? `removed ${removed}` : 'nothing was enrolled'}). The next sign-in uses a code sent by e-mail.\n`,
        )
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
              `${r.at}\t${r.terminalId}\t${r.event}\t${r.outcome}\t${r.email ?? ''}\t${r.factor ?? ''}\t${r.detail ?? ''}\n`,
            )
        return 0
      }
      case 'store migrate': {
        io.stdout(`Database ${store.location} is up to date.\n`)
        return 0
      }
      case 'store copy': {
        const counts = await storeCopy(config, store, values.from, values.to, io)
        io.stdout(copySummary(counts).text)
        return 0
      }
    }
    return 2
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n\n${USAGE}\n`)
      return 2
    }
    if (error instanceof Refusal || error instanceof StartupError) {
      io.stderr(`${error.message}\n`)
      return 1
    }
    throw error
  } finally {
    await store?.close().catch(() => undefined)
  }
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
): Promise<CopyCounts> {
  if (!from?.startsWith('sqlite:'))
    throw new UsageError(
      '--from is required: sqlite:PATH (a guichet.sqlite file or its data folder).',
    )
  let path = resolve(from.slice('sqlite:'.length))
  const info = await stat(path).catch(() => undefined)
  if (info?.isDirectory()) path = join(path, DB_FILE_NAME)
  else if (!info) throw new Refusal(`There is no SQLite store at ${path}.`)
  if (!(await stat(path).catch(() => undefined))?.isFile())
    throw new Refusal(`There is no SQLite store at ${path}.`)

  let target: PgStore | undefined
  let own = false
  if (to !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(to))
      throw new UsageError('--to must be a postgres:// or postgresql:// URL.')
    const url = new URL(to)
    if (url.password || url.searchParams.has('password'))
      throw new Refusal(
        'Put no password in --to: set the PGPASSWORD variable (or "store.passwordFile" for the configured store).',
      )
    if (config.store && describeUrl(config.store.url) === describeUrl(to) && 'pg' in configured) {
      target = configured as PgStore
    } else {
      // Another server than the configured one: its password comes from PGPASSWORD (or ~/.pgpass).
      target = (await openSharedStore({ url: to, startupWaitSeconds: 0 }).catch(
        (error: unknown) => {
          throw new StartupError((error as Error).message, { cause: error })
        },
      )) as PgStore
      own = true
    }
  } else if ('pg' in configured) {
    target = configured as PgStore
  } else {
    throw new UsageError(
      'The configured store is SQLite: give the PostgreSQL store with --to postgres://…, or set "store.url" in the configuration.',
    )
  }

  const source = await SqliteDatabase.open(path).catch((error: unknown) => {
    throw new Refusal((error as Error).message)
  })
  try {
    await migrate(source)
    io.stderr(`Copying ${path} into ${target.location}…\n`)
    const counts = await copySqliteToPg(source, target.pg)
    await target.audit.append({
      at: Date.now(),
      terminalId: config.terminalId,
      event: 'admin.store-copy',
      outcome: 'ok',
      userId: null,
      email: null,
      detail: `from ${path}: ${copySummary(counts).detail}`,
    })
    return counts
  } finally {
    await source.close().catch(() => undefined)
    if (own) await target.close().catch(() => undefined)
  }
}

function copySummary(c: CopyCounts): { text: string; detail: string } {
  const n = (count: number, one: string, many = `${one}s`): string =>
    `${count} ${count === 1 ? one : many}`
  const detail =
    `copied ${n(c.accounts, 'account')} (${n(c.apps, 'app')}, ${n(c.keys, 'security key')}, ${n(c.recoveryCodes, 'recovery code')}), ` +
    `${n(c.throttle, 'throttle record')}, ${n(c.audit, 'audit entry', 'audit entries')}`
  const present =
    `already in the shared store, left as they are there: ${n(c.accountsPresent, 'account')}, ` +
    `${n(c.keysPresent, 'security key')}, ${n(c.auditPresent, 'audit entry', 'audit entries')}`
  return {
    detail,
    text: `Copied: ${detail.slice('copied '.length)}.\n${present[0]!.toUpperCase()}${present.slice(1)}.\n`,
  }
}

async function readAllStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write('Type the password, then press Enter and Ctrl-D:\n')
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
      process.stderr.write(`Unexpected error: ${(error as Error).stack ?? String(error)}\n`)
      process.exitCode = 1
    },
  )
}
