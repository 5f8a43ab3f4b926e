/**
 * "Builds the renderer if needed": the web host serves out/renderer, rebuilt
 * with vite when it is missing or older than any renderer source.
 */

import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

async function newestMtime(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const s = await stat(join(entry.parentPath, entry.name))
    newest = Math.max(newest, s.mtimeMs)
  }
  return newest
}

export async function isRendererStale(root: string, outDir: string): Promise<boolean> {
  const built = await stat(join(outDir, 'index.html')).catch(() => undefined)
  if (!built) return true
  const sources = Math.max(
    await newestMtime(join(root, 'src-renderer')),
    (await stat(join(root, 'vite.renderer.config.ts'))).mtimeMs,
  )
  return sources > built.mtimeMs
}

export async function buildRendererIfNeeded(
  root: string,
  outDir: string,
  log: (line: string) => void,
): Promise<void> {
  if (!(await isRendererStale(root, outDir))) return
  log('Building the kiosk UI…')
  const { build } = await import('vite')
  const { rendererConfig } = await import('../../vite.renderer.config')
  await build({ ...rendererConfig, configFile: false, logLevel: 'warn' })
}
