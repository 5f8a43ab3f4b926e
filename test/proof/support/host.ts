// The web host as a child process that a test may SIGKILL, plus a small HTTP
// client for its API.
//
// Two differences from test/e2e/support/kiosk.ts's startWebHostProcess, both
// needed to kill the host for real and to keep the proof independent of the
// interface being edited:
//
// - The child is `node --import tsx cli.ts`, not the `tsx` wrapper: the wrapper
//   runs the program in a grandchild and relays signals, so a SIGKILL sent to
//   it (which it cannot relay) leaves the real host running, orphaned, with
//   the database still open.
// - cli.ts runs from a staging copy of src-main taken when the test starts,
//   beside a stub built UI (an index.html newer than
//   the empty interface sources), so `buildRendererIfNeeded` never starts a
//   vite build of the shared src-renderer (slow, and broken whenever someone
//   is half-way through an edit). Everything else is exactly `npm run web`.

import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { request, type OutgoingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enterDoor } from '../../support/door'

export const ROOT = join(import.meta.dirname, '..', '..', '..')

export interface Stage {
  root: string
  cli: string
  remove(): Promise<void>
}

/** A copy of src-main with a stub built UI; node_modules is the repository's. */
export async function stageHost(): Promise<Stage> {
  const root = await mkdtemp(join(tmpdir(), 'guichet-proof-stage-'))
  await cp(join(ROOT, 'src-main'), join(root, 'src-main'), { recursive: true })
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.base.json'])
    await cp(join(ROOT, f), join(root, f))
  await symlink(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir')
  await mkdir(join(root, 'src-renderer'))
  await mkdir(join(root, 'out', 'renderer'), { recursive: true })
  await writeFile(join(root, 'vite.renderer.config.ts'), 'export {}\n')
  const old = new Date(1_000_000)
  await utimes(join(root, 'vite.renderer.config.ts'), old, old)
  await utimes(join(root, 'src-renderer'), old, old)
  await writeFile(
    join(root, 'out', 'renderer', 'index.html'),
    '<!doctype html><html><head><title>Guichet</title></head><body></body></html>\n',
  )
  return {
    root,
    cli: join(root, 'src-main', 'host', 'cli.ts'),
    remove: () => rm(root, { recursive: true, force: true }),
  }
}

export interface HostProcess {
  url: string
  /** The launch URL the host printed (single use: already exchanged for `cookie`). */
  launchUrl: string
  port: number
  /** The kiosk browser's `Cookie` header, from the door as a browser gets it. */
  cookie: string
  /** The host's own pid (the process that holds the database). */
  pid: number
  child: ChildProcess
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
  alive(): boolean
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Writes `config` to `configPath` and starts the host; resolves once it serves its page. */
export async function startHost(
  stage: Stage,
  configPath: string,
  config: Record<string, unknown>,
  startTimeoutMs = 120_000,
): Promise<HostProcess> {
  await writeFile(configPath, JSON.stringify(config))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', stage.cli, '--config', configPath, '--port', '0'],
    { cwd: stage.root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`web host did not start within ${startTimeoutMs} ms:\n${out}`))
    }, startTimeoutMs)
    const check = (): void => {
      const m = out.match(/Guichet web host on (http:\/\/127\.0\.0\.1:\d+\/\S*)/)
      if (m?.[1]) {
        clearTimeout(timer)
        child.stdout?.off('data', check)
        resolve(m[1])
      }
    }
    child.stdout?.on('data', check)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`web host exited (${code ?? signal}) before serving:\n${out}`))
    })
  })
  const port = Number(new URL(launchUrl).port)
  const cookie = await enterDoor(launchUrl)
  const pid = child.pid as number
  return {
    url: `http://127.0.0.1:${port}/`,
    launchUrl,
    port,
    cookie,
    pid,
    child,
    exited,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** One request on its own connection; rejects on a network error or after `timeoutMs`. */
export function http(options: {
  port: number
  path: string
  method?: string
  headers?: OutgoingHttpHeaders
  body?: string | Buffer
  timeoutMs?: number
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    req.setTimeout(options.timeoutMs ?? 60_000, () =>
      req.destroy(new Error(`no answer within ${options.timeoutMs ?? 60_000} ms`)),
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

export interface ApiAnswer<T = unknown> {
  status: number
  ok: boolean
  value?: T
  error?: { code: string; params?: Record<string, unknown> }
}

/** POST /api/<method> as the kiosk page does: same origin, the door's cookie, JSON. */
export async function api<T = unknown>(
  host: Pick<HostProcess, 'port' | 'cookie'>,
  method: string,
  payload: unknown = {},
): Promise<ApiAnswer<T>> {
  const r = await http({
    port: host.port,
    path: `/api/${method}`,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: `http://127.0.0.1:${host.port}`,
      cookie: host.cookie,
    },
    body: JSON.stringify(payload),
  })
  const body = JSON.parse(r.text) as { ok: boolean; value?: T; error?: ApiAnswer['error'] }
  return { status: r.status, ...body }
}

/** Unwraps an ok answer or throws with the method and the error code. */
export function valueOf<T>(method: string, a: ApiAnswer<T>): T {
  if (!a.ok) throw new Error(`${method}: expected ok, got ${a.status} ${JSON.stringify(a.error)}`)
  return a.value as T
}

/** Resident set size of a live process, in kB (Linux /proc). */
export async function vmRssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m)
  if (!m?.[1]) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1])
}

export interface VirtualKeyProcess {
  port: number
  pid: number
  stop(): Promise<void>
}

/** `npm run virtual-key -- --port 0` as a child: a software key on a UDP loopback port. */
export async function startVirtualKey(stage: Stage): Promise<VirtualKeyProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(stage.root, 'src-main', 'fido', 'virtual-key', 'cli.ts'),
      '--port',
      '0',
    ],
    { cwd: stage.root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`virtual key did not start:\n${out}`)), 60_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = out.match(/listening on udp:\/\/127\.0\.0\.1:(\d+)/)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    void exited.then(() => reject(new Error(`virtual key exited:\n${out}`)))
  })
  return {
    port,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
