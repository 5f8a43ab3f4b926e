/**
 * The engine's data key under Electron: sealed with safeStorage (the OS
 * keychain: Keychain on macOS, DPAPI on Windows, Secret Service or KWallet on
 * Linux) and stored in dataDir. Without a keychain the kiosk refuses to start,
 * unless the configuration explicitly allows the 0600 key file.
 * safeStorage and the file system reach this module as arguments, so it is
 * tested without Electron.
 */

import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'

import type { Config } from '../config'
import {
  createFileKeyProvider,
  DATA_KEY_BYTES,
  defaultKeyFilePath,
  KeyProviderError,
  type KeyProvider,
} from '../engine/keys'
import type { Logger } from '../log'

/** What this module uses of Electron's `safeStorage`. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  /** Linux only: which secret store backs safeStorage. */
  getSelectedStorageBackend?(): string
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
}

export type KeychainStatus = { isAvailable: true } | { isAvailable: false; reason: string }

/** Linux backends that keep secrets in clear text, or that could not be identified. */
const WEAK_LINUX_BACKENDS = new Set(['basic_text', 'unknown'])

export function keychainStatus(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
): KeychainStatus {
  if (!safeStorage.isEncryptionAvailable()) {
    return { isAvailable: false, reason: 'the operating system offers no keychain to Electron' }
  }
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend) {
    const backend = safeStorage.getSelectedStorageBackend()
    if (WEAK_LINUX_BACKENDS.has(backend)) {
      return {
        isAvailable: false,
        reason: `no Secret Service or KWallet is running, so Electron would fall back to its "${backend}" store, which is not encrypted`,
      }
    }
  }
  return { isAvailable: true }
}

export class KeychainUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KeychainUnavailableError'
  }
}

export function safeStorageKeyPath(dataDir: string): string {
  return join(dataDir, 'data.key.sealed')
}

function decodeKey(plain: string, path: string): Uint8Array {
  const key = Buffer.from(plain, 'base64')
  if (key.length !== DATA_KEY_BYTES || key.toString('base64') !== plain) {
    throw new KeyProviderError(
      `The data key in ${path} is damaged (expected ${DATA_KEY_BYTES} bytes).`,
    )
  }
  return new Uint8Array(key)
}

export interface SafeStorageKeyProviderOptions {
  /**
   * A key file written earlier (allowKeyFile, or the web host on the same
   * dataDir, or the fleet's key put there by IT): on first use its key is
   * sealed into the keychain instead of a fresh one, so existing secrets still
   * decrypt. Once the sealed copy is written and reads back as the same key,
   * the plaintext file is removed; so is one found later beside the sealed key
   * when it holds that same key. A file holding another key is left, with a
   * warning (it is not this terminal's key: IT decides).
   */
  adoptKeyFile?: string
  log?: Logger
}

/** The data key, sealed by safeStorage in `path` (mode 0600), created on first use. */
export function createSafeStorageKeyProvider(
  safeStorage: SafeStorageLike,
  path: string,
  options: SafeStorageKeyProviderOptions = {},
): KeyProvider {
  let cached: Promise<Uint8Array> | undefined

  const unseal = async (): Promise<Uint8Array | undefined> => {
    let sealed: Buffer
    try {
      sealed = await readFile(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new KeyProviderError(
        `Cannot read the sealed data key ${path}: ${(error as Error).message}`,
      )
    }
    let plain: string
    try {
      plain = safeStorage.decryptString(sealed)
    } catch (error) {
      throw new KeyProviderError(
        `The OS keychain cannot open the data key in ${path} (${(error as Error).message}). ` +
          'It was sealed by another user account or keychain: start Guichet in that account, or restore its keychain.',
      )
    }
    return decodeKey(plain, path)
  }

  const initialKey = async (): Promise<Uint8Array> => {
    if (options.adoptKeyFile) {
      try {
        const existing = await readFile(options.adoptKeyFile)
        if (existing.length === DATA_KEY_BYTES) {
          options.log?.warn('Sealed the existing data key file into the OS keychain', {
            keyFile: options.adoptKeyFile,
            sealed: path,
          })
          return new Uint8Array(existing)
        }
      } catch {
        // no file to adopt: a fresh key
      }
    }
    return new Uint8Array(randomBytes(DATA_KEY_BYTES))
  }

  /** Removes the plaintext key file once the sealed key is the same key. */
  const removePlaintext = async (key: Uint8Array): Promise<void> => {
    const file = options.adoptKeyFile
    if (!file) return
    let plain: Buffer
    try {
      plain = await readFile(file)
    } catch {
      return // no plaintext key: nothing to remove
    }
    if (!Buffer.from(key).equals(plain)) {
      options.log?.warn('A data key file that is not the sealed key was left in place', {
        keyFile: file,
        sealed: path,
      })
      return
    }
    const check = await unseal()
    if (!check || !Buffer.from(check).equals(plain)) return // never lose the only copy
    try {
      await unlink(file)
      options.log?.warn(
        'Removed the plaintext data key file: the key is sealed in the OS keychain',
        {
          keyFile: file,
          sealed: path,
        },
      )
    } catch (error) {
      throw new KeyProviderError(
        `The data key is sealed in ${path}, but its plaintext copy ${file} cannot be removed (${(error as Error).message}): delete it.`,
      )
    }
  }

  const load = async (): Promise<Uint8Array> => {
    const dir = dirname(path)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const existing = await unseal()
    if (existing) {
      await removePlaintext(existing)
      return existing
    }
    const key = await initialKey()
    const sealed = safeStorage.encryptString(Buffer.from(key).toString('base64'))
    try {
      // 'wx': never overwrite a key another process sealed meanwhile.
      const handle = await open(path, 'wx', 0o600)
      try {
        await handle.writeFile(sealed)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await chmod(path, 0o600).catch(() => undefined)
      await removePlaintext(key)
      return key
    } catch (error) {
      if (error instanceof KeyProviderError) throw error
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new KeyProviderError(
          `Cannot write the sealed data key ${path}: ${(error as Error).message}`,
        )
      }
      const raced = await unseal()
      if (!raced)
        throw new KeyProviderError(`The sealed data key ${path} vanished while opening it.`)
      return raced
    }
  }

  return {
    getDataKey(): Promise<Uint8Array> {
      cached ??= load()
      return cached
    },
  }
}

export interface ChooseKeyProviderInput {
  config: Pick<Config, 'dataDir' | 'allowKeyFile'>
  /** The configuration file, for the refusal message (undefined: defaults were used). */
  configPath: string | undefined
  safeStorage: SafeStorageLike
  platform: NodeJS.Platform
  log: Logger
}

/**
 * The keychain when there is one; the 0600 key file only when the OS has no
 * keychain and the configuration says `"allowKeyFile": true`; otherwise a
 * KeychainUnavailableError whose message tells IT what to do.
 */
export function chooseKeyProvider(input: ChooseKeyProviderInput): KeyProvider {
  const { config, safeStorage, platform, log } = input
  const keyFile = defaultKeyFilePath(config.dataDir)
  const status = keychainStatus(safeStorage, platform)
  if (status.isAvailable) {
    return createSafeStorageKeyProvider(safeStorage, safeStorageKeyPath(config.dataDir), {
      adoptKeyFile: keyFile,
      log,
    })
  }
  if (config.allowKeyFile) {
    log.warn('No OS keychain: the data key is kept in a key file, as the configuration allows', {
      reason: status.reason,
      keyFile,
    })
    return createFileKeyProvider(keyFile)
  }
  const where = input.configPath ?? 'the configuration file'
  throw new KeychainUnavailableError(
    `Guichet will not start: ${status.reason}, so the data key that protects the stored secrets cannot be kept safe. ` +
      'Start Guichet in a desktop session with a keychain (GNOME Keyring or KWallet on Linux), ' +
      `or set "allowKeyFile": true in ${where} to keep the key in ${keyFile} (readable by this user only).`,
  )
}
