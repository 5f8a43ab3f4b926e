/**
 * The web host: the built kiosk UI and the engine's contract over loopback
 * HTTP, for a browser on machines where Electron cannot start (and for the
 * end-to-end tests). A thin adapter like the Electron IPC binding: it checks
 * who is calling, reads a bounded body, and hands the rest to `dispatch`.
 *
 * The door: the host serves exactly one kiosk browser. It prints a URL that
 * carries a random launch token (like a notebook server); the first request
 * with it exchanges the token for a session cookie (`HttpOnly; SameSite=Strict;
 * Path=/`) and is redirected to `/`, so the token leaves the address bar. The
 * token is single use: a second exchange is refused. Every page, asset, API
 * call and the event stream need that cookie; without it the answer is 403.
 * The page itself carries no credential a script could reuse. Restarting the
 * browser takes a fresh URL (`newLaunchUrl`, printed on demand by cli.ts);
 * exchanging it revokes the previous browser's cookie and closes its streams.
 *
 * API calls must also name this host in `Host`, come from this origin
 * (`Origin`) and send JSON.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { dispatch, type Api } from '../contract/dispatch'
import type { ErrorCode } from '../contract/errors'
import {
  events as contractEvents,
  MAX_PAYLOAD_BYTES,
  type EventName,
  type EventPayload,
} from '../contract/methods'
import type { Logger } from '../log'
import { readFirstPage } from '../shell/read-first-screen'
import { CONTENT_SECURITY_POLICY } from '../shell/window-options'

export interface WebHostOptions {
  api: Api
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string
  /**
   * The configured issuer: the page served is the one pre-rendered under it
   * (shell/first-screen.ts). Without it, index.html as built.
   */
  issuer?: string
  /** 0 picks a free port. */
  port: number
  log: Logger
  /** Milliseconds a client has to send its whole request. */
  requestTimeoutMs?: number
  /** Most simultaneous connections; more are closed at once. */
  maxConnections?: number
  /** Most simultaneous event streams. */
  maxEventStreams?: number
  /**
   * Called when a browser comes in through the door and whenever a page is
   * loaded (`GET /`): a new page never inherits the previous one's session.
   */
  onPageAttached?: () => void | Promise<void>
}

export interface WebHost {
  /** The origin's root, `http://127.0.0.1:PORT/` (403 without the cookie). */
  url: string
  port: number
  /** The first door: `url` with the single-use launch token. */
  launchUrl: string
  /**
   * A fresh door for a restarted browser: a new single-use launch token (any
   * unused one is void). The current browser keeps its cookie until the new
   * URL is opened.
   */
  newLaunchUrl(): string
  /** Sends a main → renderer event to every open page. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
  close(): Promise<void>
}

const LOOPBACK = '127.0.0.1'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), hid=()',
  'Cache-Control': 'no-store',
}

const DOOR_CLOSED =
  'Guichet\u202f: accès refusé. Ouvrez l’adresse affichée par le web host au démarrage ' +
  '(une adresse ne sert qu’une fois\u202f; une nouvelle s’obtient avec Entrée dans son terminal).\n'

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
  ) {
    super(code)
  }
}

/** The value of one cookie in a `Cookie` header (the first of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string): void {
  if (res.headersSent) return
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  })
  res.end(body)
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8')
}

/** Name of the session cookie the door hands out. */
export const SESSION_COOKIE = 'guichet-kiosk'
/** Query parameter of the launch URL. */
export const LAUNCH_PARAM = 'launch'

function sameSecret(given: string | undefined, expected: Buffer | null): boolean {
  if (!given || !expected) return false
  const g = Buffer.from(given)
  return g.length === expected.length && timingSafeEqual(g, expected)
}

/** Reads at most MAX_PAYLOAD_BYTES within `timeoutMs`; refuses more, or slower, without waiting. */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > MAX_PAYLOAD_BYTES) return reject(new HttpRefusal(413, 'VALIDATION'))
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => {
      req.removeAllListeners('data')
      reject(new HttpRefusal(408, 'VALIDATION'))
    }, timeoutMs)
    req.on('close', () => clearTimeout(timer))
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_PAYLOAD_BYTES) {
        req.removeAllListeners('data')
        reject(new HttpRefusal(413, 'VALIDATION'))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { api, rendererDir, log } = options
  const indexHtml = await readFirstPage(rendererDir, options.issuer).catch(() => {
    throw new Error(
      `The built kiosk UI is missing (${join(rendererDir, 'index.html')}): run "npm run build:renderer".`,
    )
  })
  /** The unused launch token, if any (single use). */
  let launchToken: Buffer | null = null
  /** The cookie of the one browser that came in through the door. */
  let sessionCookie: Buffer | null = null
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000
  const streams = new Set<ServerResponse>()
  const sockets = new Set<Socket>()
  let origin = ''
  let hostHeader = ''

  function newLaunchUrl(): string {
    const token = randomBytes(32).toString('base64url')
    launchToken = Buffer.from(token)
    return `${origin}/?${LAUNCH_PARAM}=${token}`
  }

  function checkCookie(req: IncomingMessage): void {
    if (!sameSecret(cookieValue(req.headers.cookie, SESSION_COOKIE), sessionCookie))
      throw new HttpRefusal(403, 'FORBIDDEN')
  }

  /** `GET /?launch=TOKEN`: the token, once, for the cookie; then `/` without it. */
  async function enter(res: ServerResponse, given: string): Promise<void> {
    if (!sameSecret(given, launchToken)) throw new HttpRefusal(403, 'FORBIDDEN')
    launchToken = null
    const cookie = randomBytes(32).toString('base64url')
    sessionCookie = Buffer.from(cookie)
    // The previous browser, if any, is out: its streams end with its cookie.
    for (const s of streams) s.end()
    await options.onPageAttached?.()
    res.writeHead(303, {
      ...SECURITY_HEADERS,
      Location: '/',
      'Set-Cookie': `${SESSION_COOKIE}=${cookie}; HttpOnly; SameSite=Strict; Path=/`,
      'Content-Length': 0,
    })
    res.end()
  }

  function checkCaller(req: IncomingMessage, needsOrigin: boolean): void {
    if (req.headers.host !== hostHeader) throw new HttpRefusal(403, 'FORBIDDEN')
    checkCookie(req)
    const from = req.headers.origin
    if (needsOrigin ? from !== origin : from !== undefined && from !== origin) {
      throw new HttpRefusal(403, 'FORBIDDEN')
    }
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const pathname = url.pathname
    if (req.headers.host !== hostHeader) throw new HttpRefusal(403, 'FORBIDDEN')
    const launch = url.searchParams.get(LAUNCH_PARAM)
    if (pathname === '/' && launch !== null && req.method === 'GET') return enter(res, launch)
    checkCookie(req)
    if (pathname === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS).end()
      return
    }
    if (pathname === '/' || pathname === '/index.html') {
      // A page load: whatever session the previous page had ends here.
      if (req.method === 'GET') await options.onPageAttached?.()
      send(res, 200, indexHtml, MIME['.html']!)
      return
    }
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      throw new HttpRefusal(400, 'VALIDATION') // a malformed %-escape
    }
    const file = normalize(join(rendererDir, decoded))
    if (!file.startsWith(rendererDir + sep)) throw new HttpRefusal(404, 'UNKNOWN_METHOD')
    const body = await readFile(file).catch(() => undefined)
    if (!body) {
      send(res, 404, 'Not found', 'text/plain; charset=utf-8')
      return
    }
    send(res, 200, body, MIME[extname(file)] ?? 'application/octet-stream')
  }

  async function serveApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
  ): Promise<void> {
    checkCaller(req, true)
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      throw new HttpRefusal(415, 'VALIDATION')
    const body = await readBody(req, requestTimeoutMs)
    let payload: unknown
    try {
      payload =
        body.length === 0 ? {} : JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
    } catch {
      throw new HttpRefusal(400, 'VALIDATION')
    }
    const result = await dispatch(api, method, payload, {
      onInternalError: (m, error) => log.error('internal error', { method: m, error }),
    })
    if (!result.ok && result.error.code === 'UNKNOWN_METHOD') return sendJson(res, 404, result)
    if (!result.ok && result.error.code === 'VALIDATION') return sendJson(res, 400, result)
    sendJson(res, 200, result)
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    checkCaller(req, false)
    if (streams.size >= (options.maxEventStreams ?? 4)) throw new HttpRefusal(429, 'FORBIDDEN')
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream',
      Connection: 'keep-alive',
    })
    res.write(': guichet\n\n')
    streams.add(res)
    req.socket.setTimeout(0)
    res.on('close', () => streams.delete(res))
  }

  const server: Server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    let route = ''
    const work = (async () => {
      // Parsed inside the promise: a request target that is no URL (`GET http://[`)
      // must be refused, not thrown from the listener, which would end the process.
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://invalid')
      } catch {
        throw new HttpRefusal(400, 'VALIDATION')
      }
      route = url.pathname
      if (route.startsWith('/api/')) {
        if (route === '/api/events' && req.method === 'GET') return serveEvents(req, res)
        if (req.method !== 'POST') throw new HttpRefusal(405, 'UNKNOWN_METHOD')
        return serveApi(req, res, route.slice('/api/'.length))
      }
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpRefusal(405, 'UNKNOWN_METHOD')
      return serveStatic(req, res, url)
    })()
    work.catch((error: unknown) => {
      if (error instanceof HttpRefusal) {
        // After a refused body, close rather than read the rest of it.
        if (error.status === 413 || error.status === 408) res.setHeader('Connection', 'close')
        if (error.status === 403 && !route.startsWith('/api/')) {
          // A browser without the door's cookie: say how to get in, nothing else.
          send(res, 403, DOOR_CLOSED, 'text/plain; charset=utf-8')
          return
        }
        sendJson(res, error.status, { ok: false, error: { code: error.code } })
        return
      }
      log.error('web host request failed', { route, error })
      sendJson(res, 500, { ok: false, error: { code: 'INTERNAL' } })
    })
  })
  // Bounded in time and count: a slow-drip client is cut off, a flood is refused.
  server.requestTimeout = requestTimeoutMs
  server.headersTimeout = Math.min(server.requestTimeout, 5_000)
  server.keepAliveTimeout = 5_000
  server.maxHeadersCount = 50
  server.maxConnections = options.maxConnections ?? 256
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, LOOPBACK, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  hostHeader = `${LOOPBACK}:${port}`
  origin = `http://${hostHeader}`

  return {
    url: `${origin}/`,
    port,
    launchUrl: newLaunchUrl(),
    newLaunchUrl,
    emit(event, payload) {
      const checked = contractEvents[event].parse(payload)
      const frame = `event: ${event}\ndata: ${JSON.stringify(checked)}\n\n`
      for (const s of streams) s.write(frame)
    },
    close() {
      for (const s of streams) s.end()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
    },
  }
}
