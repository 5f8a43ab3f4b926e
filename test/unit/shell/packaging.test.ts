// The electron-builder configuration behind `npm run dist`. Packaging itself
// needs the Electron binary, which cannot be downloaded here; what can be
// checked without it is checked: the schema, the fuses, targets, signing and
// the packaged resources.

import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import { afterEach, describe, expect, it, vi } from 'vitest'

import config, { UDEV_RULE_SOURCE, UDEV_RULE_TARGET } from '../../../electron-builder.config'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const require = createRequire(import.meta.url)

afterEach(() => {
  vi.unstubAllEnvs()
  vi.resetModules()
})

describe('electron-builder configuration', () => {
  it('passes electron-builder’s own schema validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>
    }
    const { DebugLogger } = require('builder-util') as {
      DebugLogger: new (enabled: boolean) => unknown
    }
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('flips the fuses: no RunAsNode, NODE_OPTIONS or --inspect; asar only, with integrity; encrypted cookies', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    })
    expect(config.asar).toBe(true)
  })

  it('ships only the electron-vite build (plus production dependencies)', () => {
    expect(config.files).toEqual(['out/**/*', 'package.json', '!**/*.map'])
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      main: string
      scripts: Record<string, string>
    }
    expect(pkg.main).toBe('out/main/main.js')
    expect(pkg.scripts.dist).toBe(
      'electron-vite build && electron-builder --config electron-builder.config.ts',
    )
  })

  it('builds a deb and an AppImage for Linux; the deb installs the FIDO udev rule', () => {
    expect(config.linux?.target).toEqual(['deb', 'AppImage'])
    expect(config.deb?.fpm).toContain(`${UDEV_RULE_SOURCE}=${UDEV_RULE_TARGET}`)
    expect(UDEV_RULE_TARGET).toMatch(
      /^\/usr\/lib\/udev\/rules\.d\/[0-6][0-9]-|^\/usr\/lib\/udev\/rules\.d\/7[0-2]-/,
    )
    expect(existsSync(`${ROOT}${UDEV_RULE_SOURCE}`)).toBe(true)
    expect(config.deb?.depends).toContain('libsecret-1-0')
  })

  it('the udev rule tags FIDO hidraw devices for the seat user, for any vendor', () => {
    const rules = readFileSync(`${ROOT}${UDEV_RULE_SOURCE}`, 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.trim().startsWith('#'))
    expect(rules).toContain('SUBSYSTEM!="hidraw", GOTO="guichet_fido_end"')
    expect(rules).toContain('ENV{ID_FIDO_TOKEN}!="1", IMPORT{program}="fido_id"')
    expect(rules).toContain('ENV{ID_FIDO_TOKEN}=="1", TAG+="uaccess"')
    // Never world-writable, never a fixed vendor list.
    expect(rules.join('\n')).not.toMatch(/MODE="0?666"|idVendor/)
  })

  it('signs Windows NSIS installers with SHA-256 through the CSC_* variables', () => {
    expect(config.win?.target).toEqual([{ target: 'nsis', arch: ['x64'] }])
    expect(config.win?.signtoolOptions?.signingHashAlgorithms).toEqual(['sha256'])
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true })
  })

  it('builds a hardened, notarised dmg for macOS with JIT as the only entitlement', () => {
    expect(config.mac).toMatchObject({
      target: [{ target: 'dmg', arch: ['universal'] }],
      hardenedRuntime: true,
      notarize: true,
      entitlements: 'build/entitlements.mac.plist',
    })
    const plist = readFileSync(`${ROOT}build/entitlements.mac.plist`, 'utf8')
    expect([...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1])).toEqual([
      'com.apple.security.cs.allow-jit',
    ])
  })

  it('refuses unsigned Windows and macOS builds unless GUICHET_ALLOW_UNSIGNED=1', async () => {
    vi.stubEnv('GUICHET_ALLOW_UNSIGNED', '')
    vi.resetModules()
    expect((await import('../../../electron-builder.config')).default.forceCodeSigning).toBe(true)
    vi.stubEnv('GUICHET_ALLOW_UNSIGNED', '1')
    vi.resetModules()
    expect((await import('../../../electron-builder.config')).default.forceCodeSigning).toBe(false)
  })
})
