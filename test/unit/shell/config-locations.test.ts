import { describe, expect, it } from 'vitest'

import { ConfigError } from '../../../src-main/config'
import {
  configCandidates,
  pickConfigLocation,
  systemConfigPath,
  type ConfigLocation,
} from '../../../src-main/shell/config-locations'

const electronArgv = ['/opt/Guichet/guichet', '.']

describe('configCandidates', () => {
  it('Linux: --config, then GUICHET_CONFIG, then /etc/guichet, then the user-data folder', () => {
    const candidates = configCandidates({
      argv: [...electronArgv, '--config', '/srv/kiosk.json'],
      env: { GUICHET_CONFIG: '/env/guichet.json' },
      platform: 'linux',
      userDataDir: '/home/clerk/.config/Guichet',
    })
    expect(candidates).toEqual<ConfigLocation[]>([
      { path: '/srv/kiosk.json', source: 'argument' },
      { path: '/etc/guichet/config.json', source: 'system' },
      { path: '/home/clerk/.config/Guichet/config.json', source: 'user-data' },
    ])
  })

  it('packaged: ignores --config and GUICHET_CONFIG, only the documented files count', () => {
    for (const argv of [
      ['/opt/Guichet/guichet', '--config', '/tmp/evil.json'],
      ['/opt/Guichet/guichet', '--config=/tmp/evil.json'],
      ['/opt/Guichet/guichet', '--config'],
    ]) {
      expect(
        configCandidates({
          argv,
          env: { GUICHET_CONFIG: '/tmp/evil-env.json' },
          platform: 'linux',
          userDataDir: '/home/clerk/.config/Guichet',
          isPackaged: true,
        }),
      ).toEqual<ConfigLocation[]>([
        { path: '/etc/guichet/config.json', source: 'system' },
        { path: '/home/clerk/.config/Guichet/config.json', source: 'user-data' },
      ])
    }
  })

  it('takes GUICHET_CONFIG when there is no --config', () => {
    const [first] = configCandidates({
      argv: electronArgv,
      env: { GUICHET_CONFIG: '/env/guichet.json' },
      platform: 'linux',
      userDataDir: '/u',
    })
    expect(first).toEqual({ path: '/env/guichet.json', source: 'environment' })
  })

  it('accepts --config=FILE', () => {
    const [first] = configCandidates({
      argv: [...electronArgv, '--config=/srv/k.json'],
      env: {},
      platform: 'linux',
      userDataDir: '/u',
    })
    expect(first).toEqual({ path: '/srv/k.json', source: 'argument' })
  })

  it('Windows: %ProgramData%\\Guichet\\config.json, then %APPDATA%\\Guichet', () => {
    const candidates = configCandidates({
      argv: ['C:\\Program Files\\Guichet\\Guichet.exe'],
      env: { ProgramData: 'D:\\ProgramData' },
      platform: 'win32',
      userDataDir: 'C:\\Users\\clerk\\AppData\\Roaming\\Guichet',
    })
    expect(candidates).toEqual<ConfigLocation[]>([
      { path: 'D:\\ProgramData\\Guichet\\config.json', source: 'system' },
      { path: 'C:\\Users\\clerk\\AppData\\Roaming\\Guichet\\config.json', source: 'user-data' },
    ])
  })

  it('Windows without ProgramData in the environment uses C:\\ProgramData', () => {
    expect(systemConfigPath('win32', {})).toBe('C:\\ProgramData\\Guichet\\config.json')
  })

  it('macOS: /Library/Application Support/Guichet', () => {
    expect(systemConfigPath('darwin', {})).toBe('/Library/Application Support/Guichet/config.json')
  })

  it('refuses --config without a path', () => {
    expect(() =>
      configCandidates({
        argv: [...electronArgv, '--config'],
        env: {},
        platform: 'linux',
        userDataDir: '/u',
      }),
    ).toThrow(ConfigError)
  })
})

describe('pickConfigLocation', () => {
  const system: ConfigLocation = { path: '/etc/guichet/config.json', source: 'system' }
  const user: ConfigLocation = { path: '/u/config.json', source: 'user-data' }

  it('uses an explicit file even when it is missing, so a typo is reported', () => {
    const explicit: ConfigLocation = { path: '/typo.json', source: 'argument' }
    expect(pickConfigLocation([explicit, system, user], () => true)).toBe(explicit)
    const fromEnv: ConfigLocation = { path: '/typo.json', source: 'environment' }
    expect(pickConfigLocation([fromEnv, system, user], () => false)).toBe(fromEnv)
  })

  it('prefers the system-wide file to the user-data one', () => {
    expect(pickConfigLocation([system, user], () => true)).toBe(system)
  })

  it('falls back to the user-data file, then to nothing', () => {
    expect(pickConfigLocation([system, user], (p) => p === user.path)).toBe(user)
    expect(pickConfigLocation([system, user], () => false)).toBeUndefined()
  })
})
