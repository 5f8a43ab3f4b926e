// The data key protects secrets at rest (TOTP secrets, code HMACs). Where it
// lives is the host's choice: a 0600 file in dataDir (web host, admin command)
// or the OS keychain through Electron's safeStorage (src-main/shell).

import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile } from 'node:fs/promises'
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
  const load = async (): Promise<Uint8Array> => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    try {
      // 'wx': fails if the file exists, so two processes never write two keys.
      const handle = await open(path, 'wx', 0o600)
      try {
        const key = randomBytes(DATA_KEY_BYTES)
        await handle.writeFile(key)
        await handle.sync()
        return new Uint8Array(key)
      } finally {
        await handle.close()
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new KeyProviderError(
          `Cannot create the data key file ${path}: ${(error as Error).message}`,
        )
      }
    }
    const key = await readFile(path).catch((error: Error) => {
      throw new KeyProviderError(`Cannot read the data key file ${path}: ${error.message}`)
    })
    if (key.length !== DATA_KEY_BYTES) {
      throw new KeyProviderError(
        `The data key file ${path} is damaged (expected ${DATA_KEY_BYTES} bytes).`,
      )
    }
    await chmod(path, 0o600).catch(() => undefined)
    return new Uint8Array(key)
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
