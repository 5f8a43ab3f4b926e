/**
 * The data key file when the file system fails in ways a test cannot arrange
 * with permissions alone (src-main/engine/keys.ts; issue 18): `link` refused
 * for another reason than "a key is already there", and the key file removed
 * by someone else between its creation and its reading. node:fs/promises is
 * the real one, with a fault switched on per test.
 */

import type * as FsPromises from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { tempDir } from '../support/env'

const faults = vi.hoisted(() => ({
  link: undefined as string | undefined,
  reads: 0,
  vanish: false,
}))

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>()
  return {
    ...real,
    link: async (from: string, to: string) => {
      if (faults.link) {
        const error = new Error(`${faults.link}: operation refused, link '${from}'`)
        Object.assign(error, { code: faults.link })
        throw error
      }
      return real.link(from, to)
    },
    readFile: async (...args: Parameters<typeof real.readFile>) => {
      faults.reads += 1
      // the second read is the one after the creation: someone removed the file meanwhile
      if (faults.vanish && faults.reads === 2) await real.unlink(args[0] as string)
      return real.readFile(...args)
    },
  }
})

const { createFileKeyProvider, KeyProviderError } = await import('../../src-main/engine/keys')

let dir: { path: string; remove(): Promise<void> }
beforeEach(async () => {
  dir = await tempDir()
  Object.assign(faults, { link: undefined, reads: 0, vanish: false })
})
afterEach(() => dir.remove())

it('a key file that cannot be linked into place is named with the system’s reason, not as vanished', async () => {
  faults.link = 'EACCES'
  const path = join(dir.path, 'data.key')
  const failure = createFileKeyProvider(path).getDataKey()
  await expect(failure).rejects.toThrow(
    new RegExp(`^Cannot create the data key file ${path}: EACCES: operation refused`),
  )
  await expect(failure).rejects.toBeInstanceOf(KeyProviderError)
})

it('a key file removed between its creation and its reading is named as vanished', async () => {
  faults.vanish = true
  const path = join(dir.path, 'data.key')
  await expect(createFileKeyProvider(path).getDataKey()).rejects.toThrow(
    `The data key file ${path} vanished after it was created.`,
  )
})

it('the error reads « KeyProviderError: … » where a start-up failure is printed whole', async () => {
  faults.link = 'EROFS'
  const failure = await createFileKeyProvider(join(dir.path, 'data.key'))
    .getDataKey()
    .then(
      () => undefined,
      (error: unknown) => error,
    )
  expect(String(failure)).toMatch(/^KeyProviderError: Cannot create the data key file /)
})
