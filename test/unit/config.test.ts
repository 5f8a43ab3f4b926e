import { mkdtempSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, configPathFromArgs, loadConfigFile, parseConfig } from '../../src-main/config'
import {
  createKeyClientFromConfig,
  resolveKeyTransport,
} from '../../src-main/fido/windows/key-client-config'

describe('configuration', () => {
  it('fills the defaults of DESIGN.md', () => {
    const c = parseConfig({ dataDir: 'data' }, '/srv/guichet')
    expect(c).toMatchObject({
      dataDir: '/srv/guichet/data',
      mail: { outbox: '/srv/guichet/data/outbox' },
      issuer: 'Guichet',
      emailCodeTtlSeconds: 600,
      locale: 'fr',
      terminalId: hostname(),
      policy: { emailCode: 'until-enrolled' },
      fido: { transport: 'auto', udp: '127.0.0.1:8111', origin: 'app://guichet', rpId: 'guichet' },
      kiosk: true,
    })
  })

  it.each([
    [{}, /"dataDir": expected string \(missing\)/],
    [{ dataDir: 'd', locale: 'de' }, /"locale": expected one of "fr", "en"/],
    [{ dataDir: 'd', emailCodeTtlSeconds: 'ten' }, /"emailCodeTtlSeconds": expected number/],
    [
      { dataDir: 'd', policy: { emailCode: 'never' } },
      /"policy.emailCode": expected one of "until-enrolled", "first-sign-in-only"/,
    ],
    [
      { dataDir: 'd', mail: { url: 'http://x' } },
      /"mail.url": expected an smtp:\/\/ or smtps:\/\/ URL/,
    ],
    [
      { dataDir: 'd', fido: { transport: 'udp', udp: 'nowhere' } },
      /"fido.udp": expected "host:port"/,
    ],
    [
      { dataDir: 'd', fido: { transport: 'bluetooth' } },
      /"fido.transport": expected one of "auto", "hid", "windows", "udp"/,
    ],
    [{ dataDir: 'd', idelLockSeconds: 30 }, /unknown key "idelLockSeconds"/],
  ])('names the bad key: %j', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError)
    expect(() => parseConfig(raw)).toThrow(message)
  })

  it('takes every key transport: auto (the default), hid, windows, udp', () => {
    for (const transport of ['auto', 'hid', 'windows', 'udp'] as const) {
      expect(parseConfig({ dataDir: 'd', fido: { transport } }).fido.transport).toBe(transport)
    }
    expect(parseConfig({ dataDir: 'd', fido: {} }).fido.transport).toBe('auto')
  })

  it('"auto" is webauthn.dll on Windows and USB HID elsewhere', () => {
    expect(resolveKeyTransport('auto', 'win32')).toBe('windows')
    expect(resolveKeyTransport(undefined, 'win32')).toBe('windows')
    expect(resolveKeyTransport('auto', 'linux')).toBe('hid')
    expect(resolveKeyTransport('auto', 'darwin')).toBe('hid')
    expect(resolveKeyTransport('hid', 'win32')).toBe('hid')
    expect(resolveKeyTransport('udp', 'win32')).toBe('udp')
    expect(resolveKeyTransport('windows', 'linux')).toBe('windows')
  })

  it('refuses "windows" away from Windows, naming the key', () => {
    expect(() =>
      createKeyClientFromConfig(
        { transport: 'windows', origin: 'app://guichet' },
        { platform: 'linux' },
      ),
    ).toThrow('"fido.transport": "windows" needs Windows (this is linux); use "auto" or "hid"')
  })

  it('names the file when it is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guichet-config-'))
    expect(() => loadConfigFile(join(dir, 'none.json'))).toThrow(/none\.json is not found/)
    writeFileSync(join(dir, 'bad.json'), '{ "dataDir": ')
    expect(() => loadConfigFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/)
    writeFileSync(join(dir, 'ok.json'), '{ "dataDir": "d", "locale": "en" }')
    expect(loadConfigFile(join(dir, 'ok.json'))).toMatchObject({
      dataDir: join(dir, 'd'),
      locale: 'en',
    })
  })

  it('takes --config, then GUICHET_CONFIG', () => {
    expect(configPathFromArgs(['--config', 'a.json'], { GUICHET_CONFIG: 'b.json' })).toBe('a.json')
    expect(configPathFromArgs(['--config=c.json'], {})).toBe('c.json')
    expect(configPathFromArgs([], { GUICHET_CONFIG: 'b.json' })).toBe('b.json')
    expect(configPathFromArgs([], {})).toBeUndefined()
    expect(() => configPathFromArgs(['--config'], {})).toThrow(/needs a file path/)
  })
})

describe('configuration errors in French (for the admin command)', () => {
  const N = '\u202f'
  const frError = (raw: unknown): string => {
    try {
      parseConfig(raw, '/srv', 'fr')
    } catch (error) {
      return (error as ConfigError).message
    }
    throw new Error('expected a ConfigError')
  }

  it('names each key and what was expected, with French typography', () => {
    expect(frError({ dataDir: 'd', idel: 1, kiosk: 'oui' })).toBe(
      `Configuration invalide${N}: «${N}kiosk${N}»${N}: attendu true ou false${N}; clé inconnue «${N}idel${N}»`,
    )
    expect(frError({})).toBe(
      `Configuration invalide${N}: «${N}dataDir${N}»${N}: attendu un texte (absente)`,
    )
    expect(frError({ dataDir: 'd', emailCodeTtlSeconds: 10 })).toBe(
      `Configuration invalide${N}: «${N}emailCodeTtlSeconds${N}»${N}: au moins 60`,
    )
  })

  it('says a file is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guichet-config-'))
    expect(() => loadConfigFile(join(dir, 'absent.json'), 'fr')).toThrow(
      `Le fichier de configuration ${join(dir, 'absent.json')} est introuvable.`,
    )
    writeFileSync(join(dir, 'bad.json'), '{ dataDir')
    expect(() => loadConfigFile(join(dir, 'bad.json'), 'fr')).toThrow(
      `Le fichier de configuration ${join(dir, 'bad.json')} n’est pas du JSON valide${N}: `,
    )
    expect(() => configPathFromArgs(['--config'], {}, 'fr')).toThrow(
      '--config attend un chemin de fichier.',
    )
  })
})
