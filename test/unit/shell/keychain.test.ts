import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { defaultKeyFilePath, KeyProviderError } from '../../../src-main/engine/keys'
import {
  chooseKeyProvider,
  createSafeStorageKeyProvider,
  KeychainUnavailableError,
  keychainStatus,
  safeStorageKeyPath,
  type SafeStorageLike,
} from '../../../src-main/shell/keychain'
import { recordingLogger } from './stand-ins'

/** safeStorage stand-in: a reversible transform tagged with the keychain's identity. */
function fakeSafeStorage(
  options: { isAvailable?: boolean; backend?: string; identity?: string } = {},
): SafeStorageLike {
  const tag = `sealed-by:${options.identity ?? 'clerk'}:`
  return {
    isEncryptionAvailable: () => options.isAvailable ?? true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString: (plain) => Buffer.from(tag + Buffer.from(plain).reverse().toString('hex')),
    decryptString: (sealed) => {
      const text = sealed.toString()
      if (!text.startsWith(tag))
        throw new Error(
          'Error while decrypting the ciphertext provided to safeStorage.decryptString.',
        )
      return Buffer.from(text.slice(tag.length), 'hex').reverse().toString()
    },
  }
}

let dataDir: string
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'guichet-keychain-'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

describe('keychainStatus', () => {
  it('is unavailable when safeStorage cannot encrypt', () => {
    expect(keychainStatus(fakeSafeStorage({ isAvailable: false }), 'win32').isAvailable).toBe(false)
  })

  it.each(['basic_text', 'unknown'])('is unavailable on Linux with the %s backend', (backend) => {
    const status = keychainStatus(fakeSafeStorage({ backend }), 'linux')
    expect(status).toMatchObject({ isAvailable: false, reason: expect.stringContaining(backend) })
  })

  it.each(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'])(
    'is available on Linux with %s',
    (backend) => {
      expect(keychainStatus(fakeSafeStorage({ backend }), 'linux').isAvailable).toBe(true)
    },
  )

  it('ignores the Linux backend elsewhere', () => {
    expect(keychainStatus(fakeSafeStorage({ backend: 'basic_text' }), 'darwin').isAvailable).toBe(
      true,
    )
  })
})

describe('createSafeStorageKeyProvider', () => {
  it('creates a 32-byte key, stores it sealed with mode 0600, and reads the same key back', async () => {
    const path = safeStorageKeyPath(dataDir)
    const key = await createSafeStorageKeyProvider(fakeSafeStorage(), path).getDataKey()
    expect(key).toHaveLength(32)
    const sealed = await readFile(path)
    expect(sealed.toString()).toMatch(/^sealed-by:clerk:/)
    expect(sealed.includes(Buffer.from(key))).toBe(false)
    expect(sealed.toString().includes(Buffer.from(key).toString('base64'))).toBe(false)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const again = await createSafeStorageKeyProvider(fakeSafeStorage(), path).getDataKey()
    expect(Buffer.from(again).equals(Buffer.from(key))).toBe(true)
  })

  it('names the file when another keychain sealed it', async () => {
    const path = safeStorageKeyPath(dataDir)
    await createSafeStorageKeyProvider(fakeSafeStorage({ identity: 'it' }), path).getDataKey()
    const other = createSafeStorageKeyProvider(fakeSafeStorage({ identity: 'clerk' }), path)
    await expect(other.getDataKey()).rejects.toThrow(KeyProviderError)
    await expect(other.getDataKey()).rejects.toThrow(path)
  })

  it('refuses a damaged sealed key', async () => {
    const path = safeStorageKeyPath(dataDir)
    const storage = fakeSafeStorage()
    await writeFile(path, storage.encryptString('c2hvcnQ='))
    await expect(createSafeStorageKeyProvider(storage, path).getDataKey()).rejects.toThrow(
      /damaged/,
    )
  })

  it('seals an existing key file instead of a fresh key, so stored secrets still decrypt', async () => {
    const keyFile = defaultKeyFilePath(dataDir)
    const existing = Buffer.alloc(32, 7)
    await writeFile(keyFile, existing, { mode: 0o600 })
    const log = recordingLogger()
    const key = await createSafeStorageKeyProvider(fakeSafeStorage(), safeStorageKeyPath(dataDir), {
      adoptKeyFile: keyFile,
      log,
    }).getDataKey()
    expect(Buffer.from(key).equals(existing)).toBe(true)
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn' }))
    // the plaintext key file is gone once the sealed copy holds the key (issue 13)
    await expect(stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(log.entries).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining('Removed the plaintext data key'),
      }),
    )
    const again = await createSafeStorageKeyProvider(
      fakeSafeStorage(),
      safeStorageKeyPath(dataDir),
      { adoptKeyFile: keyFile },
    ).getDataKey()
    expect(Buffer.from(again).equals(existing), 'the sealed key still opens').toBe(true)
  })

  it('removes a plaintext copy of the sealed key found at a later start, and leaves a different key file', async () => {
    const keyFile = defaultKeyFilePath(dataDir)
    const provider = (): Promise<Uint8Array> =>
      createSafeStorageKeyProvider(fakeSafeStorage(), safeStorageKeyPath(dataDir), {
        adoptKeyFile: keyFile,
        log: recordingLogger(),
      }).getDataKey()
    const key = await provider()
    await writeFile(keyFile, Buffer.from(key), { mode: 0o600 })
    expect(Buffer.from(await provider()).equals(Buffer.from(key))).toBe(true)
    await expect(stat(keyFile)).rejects.toMatchObject({ code: 'ENOENT' })
    const other = Buffer.alloc(32, 9)
    await writeFile(keyFile, other, { mode: 0o600 })
    expect(Buffer.from(await provider()).equals(Buffer.from(key))).toBe(true)
    expect((await readFile(keyFile)).equals(other), 'another key is not ours to delete').toBe(true)
  })

  it('keeps the plaintext key file when the keychain does not give the same key back', async () => {
    const keyFile = defaultKeyFilePath(dataDir)
    const existing = Buffer.alloc(32, 5)
    await writeFile(keyFile, existing, { mode: 0o600 })
    const lossy: SafeStorageLike = {
      ...fakeSafeStorage(),
      decryptString: () => Buffer.alloc(32, 1).toString('base64'),
    }
    await createSafeStorageKeyProvider(lossy, safeStorageKeyPath(dataDir), {
      adoptKeyFile: keyFile,
    }).getDataKey()
    expect((await readFile(keyFile)).equals(existing), 'never lose the only copy').toBe(true)
  })
})

describe('chooseKeyProvider', () => {
  const configPath = '/etc/guichet/config.json'

  it('uses the keychain when there is one', async () => {
    const provider = chooseKeyProvider({
      config: { dataDir, allowKeyFile: false },
      configPath,
      safeStorage: fakeSafeStorage(),
      platform: 'linux',
      log: recordingLogger(),
    })
    await provider.getDataKey()
    await expect(stat(safeStorageKeyPath(dataDir))).resolves.toBeDefined()
    await expect(stat(defaultKeyFilePath(dataDir))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('refuses to start without a keychain unless the configuration allows a key file, and says how', () => {
    const attempt = (): unknown =>
      chooseKeyProvider({
        config: { dataDir, allowKeyFile: false },
        configPath,
        safeStorage: fakeSafeStorage({ backend: 'basic_text' }),
        platform: 'linux',
        log: recordingLogger(),
      })
    expect(attempt).toThrow(KeychainUnavailableError)
    expect(attempt).toThrow(/"allowKeyFile": true/)
    expect(attempt).toThrow(configPath)
    expect(attempt).toThrow(defaultKeyFilePath(dataDir))
  })

  it('uses the 0600 key file when the OS has no keychain and the configuration allows it', async () => {
    const log = recordingLogger()
    const provider = chooseKeyProvider({
      config: { dataDir, allowKeyFile: true },
      configPath,
      safeStorage: fakeSafeStorage({ isAvailable: false }),
      platform: 'win32',
      log,
    })
    expect(await provider.getDataKey()).toHaveLength(32)
    expect((await stat(defaultKeyFilePath(dataDir))).mode & 0o777).toBe(0o600)
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn' }))
  })
})
