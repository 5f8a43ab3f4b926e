/**
 * The admin command's runtime errors in IT's language. The store and the
 * runtime explain their failures in English sentences meant for the kiosk's
 * log; here a failure is read for what it is (its chain of causes: system
 * error codes, SQLite and PostgreSQL codes) so that admin-messages.ts can say
 * it in French too. The English words stay the store's own, which say more.
 */

import { StartupError } from '../runtime'
import { StoreUnavailableError } from '../store/pg/errors'

/** A store failure, by what IT can do about it. `original`: the store's own English sentence. */
export type StoreProblem = { original: string; location: string } & (
  | { kind: 'data-folder'; code: string }
  | { kind: 'damaged' }
  | { kind: 'locked' }
  | { kind: 'newer-schema' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'pg-password' }
  | { kind: 'pg-no-database' }
  | { kind: 'pg-role' }
  | { kind: 'pg-permission' }
  | { kind: 'other'; code: string | null }
)

/** The error and its causes, outermost first. */
function chain(error: unknown): unknown[] {
  const all: unknown[] = []
  let e: unknown = error
  while (e !== undefined && e !== null && all.length < 10) {
    all.push(e)
    e = e instanceof Error ? e.cause : undefined
  }
  return all
}

function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
])

/**
 * What went wrong with the store at `location` (a data folder, a SQLite file or
 * a PostgreSQL address), read from the error and its causes.
 */
export function storeProblem(error: unknown, location: string): StoreProblem {
  const errors = chain(error)
  const original = error instanceof Error ? error.message : String(error)
  const base = { original, location }
  const messages = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n')
  const codes = errors.map(codeOf).filter((c): c is string => c !== undefined)
  const pg = codes.find((c) => /^[0-9A-Z]{5}$/.test(c))
  if (pg === '28P01' || /client password must be a string/i.test(messages))
    return { ...base, kind: 'pg-password' }
  if (pg === '3D000') return { ...base, kind: 'pg-no-database' }
  if (pg === '28000') return { ...base, kind: 'pg-role' }
  if (pg === '42501') return { ...base, kind: 'pg-permission' }
  const connection = codes.find((c) => CONNECTION_CODES.has(c))
  if (connection || errors.some((e) => e instanceof StoreUnavailableError))
    return { ...base, kind: 'unreachable', code: connection ?? 'ECONNREFUSED' }
  if (/newer than this Guichet knows/.test(messages)) return { ...base, kind: 'newer-schema' }
  if (/SQLITE_BUSY|locked/i.test(messages)) return { ...base, kind: 'locked' }
  if (/NOTADB|CORRUPT|malformed|integrity|damaged/i.test(messages))
    return { ...base, kind: 'damaged' }
  const system = errors.find((e) => /^E[A-Z]+$/.test(codeOf(e) ?? ''))
  if (system) {
    // the folder or file the system refused, when it says which
    const path = (system as { path?: unknown }).path
    const where = typeof path === 'string' ? path : location
    return { ...base, location: where, kind: 'data-folder', code: codeOf(system)! }
  }
  return { ...base, kind: 'other', code: codes[0] ?? null }
}

/** True for a failure of the store itself (not a bug of the command): said as a sentence, exit 1. */
export function isStoreFailure(error: unknown): boolean {
  return chain(error).some(
    (e) =>
      e instanceof StoreUnavailableError ||
      e instanceof StartupError ||
      (e instanceof Error && e.name === 'StoreOpenError') ||
      /^SQLITE_/.test(codeOf(e) ?? '') ||
      (typeof (e as { severity?: unknown } | null)?.severity === 'string' &&
        /^[0-9A-Z]{5}$/.test(codeOf(e) ?? '')),
  )
}

/** A `node:util` parseArgs refusal, by what was wrong. */
export type ArgumentProblem =
  | { kind: 'unknown-option'; option: string }
  | { kind: 'needs-value'; option: string }
  | { kind: 'no-value'; option: string }
  | { kind: 'other'; detail: string }

export function argumentProblem(error: unknown): ArgumentProblem {
  const message = error instanceof Error ? error.message : String(error)
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? ''
  const code = codeOf(error)
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return { kind: 'unknown-option', option }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/argument missing/.test(message)) return { kind: 'needs-value', option }
    if (/does not take an argument/.test(message)) return { kind: 'no-value', option }
  }
  return { kind: 'other', detail: message }
}
