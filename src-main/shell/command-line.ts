/**
 * A packaged kiosk takes its configuration from the documented files only
 * (config-locations.ts), never from whoever launches it: every command-line
 * switch is taken off Chromium's command line before `ready` (so Chromium does
 * not act on it later: a proxy, a remote-debugging port, web security off…),
 * `--config` and GUICHET_CONFIG are ignored, and a switch that may already have
 * acted, being read before any of Guichet's code runs, stops the start.
 * A development build (`npm start`) keeps them all.
 */

import type { Logger } from '../log'

/** What this module uses of Electron's `app.commandLine`. */
export interface CommandLineLike {
  hasSwitch(name: string): boolean
  removeSwitch(name: string): void
}

/**
 * Switches Chromium or Node read before the app's code runs, or whose effect
 * cannot be taken back: the packaged kiosk refuses to start with one of them.
 * (The Node inspector ones are also disabled by the build's fuses.)
 */
export const REFUSED_SWITCHES = new Set([
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-debugging-address',
  'remote-allow-origins',
  'inspect',
  'inspect-brk',
  'inspect-port',
  'debug',
  'js-flags',
  'user-data-dir',
  'no-sandbox',
  'disable-gpu-sandbox',
  'disable-web-security',
  'load-extension',
  'disable-site-isolation-trials',
  'enable-logging',
  'log-file',
  'proxy-server',
  'proxy-pac-url',
  'host-rules',
  'host-resolver-rules',
  'ignore-certificate-errors',
  'allow-insecure-localhost',
])

/** The switch names on `argv` after the executable: `--name`, `--name=value`, `-name`. */
export function switchNames(argv: readonly string[]): string[] {
  const names: string[] = []
  for (const arg of argv.slice(1)) {
    const m = /^--?([^=\s-][^=\s]*)/.exec(arg)
    if (m?.[1]) names.push(m[1].toLowerCase())
  }
  return [...new Set(names)]
}

export type CommandLineVerdict =
  { start: true; ignored: string[] } | { start: false; refused: string[]; message: string }

/**
 * Packaged: removes every switch of `argv` from `commandLine`, and says
 * whether the kiosk may start. Development: leaves everything.
 */
export function lockCommandLine(input: {
  argv: readonly string[]
  commandLine: CommandLineLike
  isPackaged: boolean
  log: Logger
}): CommandLineVerdict {
  if (!input.isPackaged) return { start: true, ignored: [] }
  const names = switchNames(input.argv)
  for (const name of names) {
    if (input.commandLine.hasSwitch(name)) input.commandLine.removeSwitch(name)
  }
  const refused = names.filter((n) => REFUSED_SWITCHES.has(n))
  if (refused.length > 0) {
    const message =
      `Guichet will not start with ${refused.map((n) => `--${n}`).join(', ')} on its command line: ` +
      'the kiosk takes no command-line options; its configuration lives in the documented files.'
    input.log.error('Refused command-line switches', { refused })
    return { start: false, refused, message }
  }
  if (names.length > 0)
    input.log.warn('Ignored the command line: the kiosk is configured by its files only', {
      ignored: names,
    })
  return { start: true, ignored: names }
}
