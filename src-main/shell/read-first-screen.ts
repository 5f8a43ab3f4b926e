/**
 * The hosts' side of first-screen.ts: the page to serve under the configured
 * issuer, read from the built renderer.
 */

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ISSUER_PAGE, pageForIssuer } from './first-screen'

/** Reads index.html and ISSUER_PAGE (absent from a build before it: undefined) from the built renderer. */
export async function readFirstPage(
  rendererDir: string,
  issuer: string | undefined,
): Promise<string> {
  const indexHtml = await readFile(join(rendererDir, 'index.html'), 'utf8')
  if (issuer === undefined) return indexHtml
  const template = await readFile(join(rendererDir, ISSUER_PAGE), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    },
  )
  return pageForIssuer(indexHtml, template, issuer)
}
