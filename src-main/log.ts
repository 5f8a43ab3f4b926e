/**
 * Logs are English, for IT, one JSON object a line on stderr. They never hold a
 * password, code, secret, PIN or hash: callers pass identifiers and outcomes only.
 */

export type LogLevel = 'info' | 'warn' | 'error'

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

function describeError(value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack }
  return value
}

export function createLogger(
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const log =
    (level: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      const entry: Record<string, unknown> = { time: new Date().toISOString(), level, message }
      for (const [k, v] of Object.entries(fields)) entry[k] = describeError(v)
      write(JSON.stringify(entry) + '\n')
    }
  return { info: log('info'), warn: log('warn'), error: log('error') }
}

/** A logger that drops everything (tests that assert on other things). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} }
