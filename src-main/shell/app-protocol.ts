/**
 * The app:// handler: serves the built renderer (out/renderer) to the kiosk
 * window with the strict CSP header, and nothing outside that folder; the page
 * is the one pre-rendered under the configured issuer (first-screen.ts).
 * Written against the Fetch API's Request and Response so it runs in tests
 * without Electron; main.ts passes it to session.protocol.handle.
 */

import { readFile, stat } from 'node:fs/promises'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'

import { readFirstPage } from './read-first-screen'
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './window-options'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

/** Headers sent with every answer, documents and assets alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
}

function answer(status: number, body: string | Uint8Array | null, type?: string): Response {
  const headers = new Headers(SECURITY_HEADERS)
  if (type) headers.set('Content-Type', type)
  return new Response(body, { status, headers })
}

/**
 * Maps a request path to a file under `rootDir`, or undefined when it would
 * leave the folder. Paths without an extension are the single-page app's
 * routes and get index.html.
 */
export function resolveAppPath(rootDir: string, pathname: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const wanted = decoded === '/' || extname(decoded) === '' ? '/index.html' : decoded
  const root = resolve(rootDir)
  const file = resolve(root, '.' + wanted)
  const rel = relative(root, file)
  if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) return undefined
  return file
}

export function createAppProtocolHandler(
  rootDir: string,
  /** The configured issuer; without it, index.html as built. */
  options: { issuer?: string } = {},
): (request: Request) => Promise<Response> {
  const indexFile = resolve(rootDir, 'index.html')
  return async (request) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return answer(400, 'Bad request', 'text/plain; charset=utf-8')
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
      return answer(404, 'Not found', 'text/plain; charset=utf-8')
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return answer(405, 'Method not allowed', 'text/plain; charset=utf-8')
    }
    const file = resolveAppPath(rootDir, url.pathname)
    if (!file) return answer(404, 'Not found', 'text/plain; charset=utf-8')
    try {
      const info = await stat(file)
      if (!info.isFile()) return answer(404, 'Not found', 'text/plain; charset=utf-8')
      const content =
        file === indexFile
          ? new TextEncoder().encode(await readFirstPage(rootDir, options.issuer))
          : new Uint8Array(await readFile(file))
      const body = request.method === 'HEAD' ? null : content
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
      return answer(200, body, type)
    } catch {
      return answer(404, 'Not found', 'text/plain; charset=utf-8')
    }
  }
}
