import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFileKeyProvider, DATA_KEY_BYTES } from '../../src-main/engine/keys'
import { tempDir } from '../support/env'

describe('the data key file', () => {
  let dir: { path: string; remove(): Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  it('is created whole, 0600, once, and read back by every later provider', async () => {
    const path = join(dir.path, 'data', 'data.key')
    const providers = Array.from({ length: 5 }, () => createFileKeyProvider(path))
    const keys = await Promise.all(providers.map((p) => p.getDataKey()))
    expect(keys[0]).toHaveLength(DATA_KEY_BYTES)
    for (const k of keys) expect(Buffer.from(k)).toEqual(Buffer.from(keys[0]!))
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readdir(join(dir.path, 'data'))).toEqual(['data.key']) // no temporary left
    expect(Buffer.from(await createFileKeyProvider(path).getDataKey())).toEqual(
      await readFile(path),
    )
  })

  it('names a damaged file instead of replacing it', async () => {
    const path = join(dir.path, 'data.key')
    await writeFile(path, '')
    await expect(createFileKeyProvider(path).getDataKey()).rejects.toThrow(/data\.key is damaged/)
    expect((await readFile(path)).length).toBe(0)
  })

  it('names the key file it cannot read, instead of making a new key over it', async () => {
    const path = join(dir.path, 'data.key')
    await mkdir(path) // not a file: reading it fails with EISDIR, not ENOENT
    await expect(createFileKeyProvider(path).getDataKey()).rejects.toThrow(
      `Cannot read the data key file ${path}: EISDIR`,
    )
  })

  it('names the key file it cannot create', async () => {
    // A name the file system takes, but not with the temporary suffix (> 255 bytes).
    const path = join(dir.path, 'k'.repeat(250))
    await expect(createFileKeyProvider(path).getDataKey()).rejects.toThrow(
      `Cannot create the data key file ${path}: ENAMETOOLONG`,
    )
  })

  it('leaves no file open once the key is created (Linux /proc)', async () => {
    const path = join(dir.path, 'data.key')
    await createFileKeyProvider(path).getDataKey()
    const open = await Promise.all(
      (await readdir('/proc/self/fd')).map((fd) =>
        readlink(join('/proc/self/fd', fd)).catch(() => ''),
      ),
    )
    expect(open.filter((target) => target.startsWith(dir.path))).toEqual([])
  })
})
