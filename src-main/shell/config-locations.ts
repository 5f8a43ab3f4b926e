/**
 * Where the kiosk looks for its configuration, in order:
 *   1. --config FILE
 *   2. the GUICHET_CONFIG environment variable
 *   3. the system-wide file IT installs:
 *        Linux   /etc/guichet/config.json
 *        Windows %ProgramData%\Guichet\config.json
 *        macOS   /Library/Application Support/Guichet/config.json
 *   4. config.json in Electron's user-data folder
 * 1 and 2 are explicit: the file must exist. A packaged build skips them: its
 * configuration comes from the documented files 3 and 4 only, never from
 * whoever launches it (see command-line.ts). 3 and 4 are used when present;
 * with none of them, the kiosk starts on defaults with its data in the
 * user-data folder (first start on a fresh machine).
 */

import { posix, win32 } from 'node:path'

import { configPathFromArgs } from '../config'

export type ConfigSource = 'argument' | 'environment' | 'system' | 'user-data'

export interface ConfigLocation {
  path: string
  source: ConfigSource
}

export interface ConfigLocationInput {
  argv: readonly string[]
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  /** app.getPath('userData') */
  userDataDir: string
  /** app.isPackaged: --config and GUICHET_CONFIG are ignored. */
  isPackaged?: boolean
}

export function systemConfigPath(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): string | undefined {
  switch (platform) {
    case 'win32': {
      const programData = env.ProgramData || env.PROGRAMDATA || 'C:\\ProgramData'
      return win32.join(programData, 'Guichet', 'config.json')
    }
    case 'darwin':
      return '/Library/Application Support/Guichet/config.json'
    case 'linux':
    case 'freebsd':
    case 'openbsd':
      return '/etc/guichet/config.json'
    default:
      return undefined
  }
}

/** Every candidate, in the order they are tried. Throws ConfigError for `--config` without a path. */
export function configCandidates(input: ConfigLocationInput): ConfigLocation[] {
  const candidates: ConfigLocation[] = []
  const explicit = input.isPackaged ? undefined : configPathFromArgs(input.argv, input.env)
  if (explicit !== undefined) {
    const fromArgs = configPathFromArgs(input.argv, {})
    candidates.push({ path: explicit, source: fromArgs === undefined ? 'environment' : 'argument' })
  }
  const system = systemConfigPath(input.platform, input.env)
  if (system) candidates.push({ path: system, source: 'system' })
  const join = input.platform === 'win32' ? win32.join : posix.join
  candidates.push({ path: join(input.userDataDir, 'config.json'), source: 'user-data' })
  return candidates
}

/**
 * The file to load: an explicit one (argument, environment) whether or not it
 * exists, so a typo is reported instead of silently falling back; otherwise
 * the first that exists; undefined when there is none.
 */
export function pickConfigLocation(
  candidates: readonly ConfigLocation[],
  exists: (path: string) => boolean,
): ConfigLocation | undefined {
  for (const candidate of candidates) {
    if (candidate.source === 'argument' || candidate.source === 'environment') return candidate
    if (exists(candidate.path)) return candidate
  }
  return undefined
}
