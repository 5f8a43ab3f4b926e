// Child processes of the bench: `npm run virtual-key` on a free loopback port,
// and a tsx script whose last stdout line is JSON.

import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../../test/e2e/support/kiosk'

export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')

export interface VirtualKeyProcess {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** `tsx src-main/fido/virtual-key/cli.ts --port 0 [--pin PIN]`, resolved once it prints its port. */
export async function startVirtualKeyProcess(
  options: { pin?: string } = {},
): Promise<VirtualKeyProcess> {
  const args = [join(ROOT, 'src-main', 'fido', 'virtual-key', 'cli.ts'), '--port', '0']
  if (options.pin !== undefined) args.push('--pin', options.pin)
  const child = spawn(TSX, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`virtual key did not start:\n${out}`)), 60_000)
    child.stdout?.on('data', () => {
      const m = /listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`virtual key exited with ${code}:\n${out}`))
    })
  })
  return { port, child, stop: () => stopChild(child) }
}

/** Runs `tsx script args…` to the end; resolves the JSON on its last stdout line. */
export function runJsonChild<T>(
  script: string,
  args: string[],
  options: { timeoutMs: number; nodeOptions?: string },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    if (options.nodeOptions) env['NODE_OPTIONS'] = options.nodeOptions
    const child = spawn(TSX, [script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    })
    let out = ''
    let err = ''
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} took more than ${options.timeoutMs} ms\n${err}`))
    }, options.timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      const last = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0) return reject(new Error(`${script} exited with ${code}\n${err}${out}`))
      try {
        resolve(JSON.parse(last) as T)
      } catch {
        reject(new Error(`${script} printed no JSON line:\n${out}\n${err}`))
      }
    })
  })
}
