// "store.passwordFile": its first line is the role's password, and a file other
// users may read or write is refused with a sentence that says how to fix it.

import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storePassword } from '../../src-main/store/select'
import { tempDir } from '../support/env'

const URL = 'postgres://guichet@db.mairie.fr:5432/guichet'

describe('store.passwordFile', () => {
  let dir: { path: string; remove(): Promise<void> }
  let file: string
  const config = () => ({ url: URL, passwordFile: file, startupWaitSeconds: 0 })
  beforeAll(async () => {
    dir = await tempDir()
    file = join(dir.path, 'db-password')
    await writeFile(file, 's3cret-role-password\nignored\n', { mode: 0o600 })
  })
  afterAll(() => dir.remove())

  it('reads the first line of a 0600 file', async () => {
    await chmod(file, 0o600)
    expect(await storePassword(config())).toBe('s3cret-role-password')
    await chmod(file, 0o400)
    expect(await storePassword(config())).toBe('s3cret-role-password')
  })

  it.each([0o640, 0o604, 0o644, 0o620, 0o602, 0o666])(
    'refuses a file of mode %o, naming chmod 600',
    async (mode) => {
      await chmod(file, mode)
      await expect(storePassword(config())).rejects.toThrow(
        `can be read or written by other users (mode 0${mode.toString(8)}): run "chmod 600 ${file}"`,
      )
    },
  )

  it('does not look at Unix modes on Windows', async () => {
    await chmod(file, 0o644)
    expect(await storePassword(config(), 'win32')).toBe('s3cret-role-password')
  })
})
