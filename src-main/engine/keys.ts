/**
 * The data key protects secrets at rest (TOTP secrets, code HMACs). Where it
 * lives is the host's choice: a 0600 file in dataDir (web host, admin command)
 * or the OS keychain through Electron's safeStorage (src-main/shell).
 */

import { randomBytes } from 'node:crypto'
import { chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export const DATA_KEY_BYTES = 32

export interface KeyProvider {
  /** The 32-byte data key, created on first use. */
  getDataKey(): Promise<Uint8Array>
}

export class KeyProviderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KeyProviderError'
  }
}

/** Reads `path`, or creates it with a fresh random key, mode 0600, never overwriting. */
export function createFileKeyProvider(path: string): KeyProvider {
  let cached: Promise<Uint8Array> | undefined
  const read = async (): Promise<Uint8Array | undefined> => {
    const key = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw new KeyProviderError(`Cannot read the data key file ${path}: ${error.message}`)
    })
    if (key === undefined) return undefined
    if (key.length !== DATA_KEY_BYTES) {
      throw new KeyProviderError(
        `The data key file ${path} is damaged (expected ${DATA_KEY_BYTES} bytes).`,
      )
    }
    await chmod(path, 0o600).catch(() => undefined)
    return new Uint8Array(key)
  }
  /**
   * Writes a new key whole to a temporary file, synced, then links it into
   * place: a crash leaves either no key file or a complete one, and `link`
   * never replaces a key that another process put there first.
   */
  const create = async (): Promise<void> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      const handle = await open(temporary, 'wx', 0o600)
      try {
        await handle.writeFile(randomBytes(DATA_KEY_BYTES))
        await handle.sync()
      } finally {
        await handle.close()
      }
      await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error
      })
    } catch (error) {
      throw new KeyProviderError(
        `Cannot create the data key file ${path}: ${(error as Error).message}`,
      )
    } finally {
      await unlink(temporary).catch(() => undefined)
    }
  }
  const load = async (): Promise<Uint8Array> => {
    const existing = await read()
    if (existing) return existing
    await create()
    const created = await read()
    if (!created)
      throw new KeyProviderError(`The data key file ${path} vanished after it was created.`)
    return created
  }
  return {
    getDataKey(): Promise<Uint8Array> {
      cached ??= load()
      return cached
    },
  }
}

export function defaultKeyFilePath(dataDir: string): string {
  return join(dataDir, 'data.key')
}
