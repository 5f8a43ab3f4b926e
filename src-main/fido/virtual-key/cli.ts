/**
 * `npm run virtual-key`: software security keys on udp://127.0.0.1:8111 for demos and tests.
 *
 *   --port N        listen on N (default 8111); repeat it for several keys, one a port
 *   --count N       N keys, on consecutive ports from --port (or N ephemeral ports with --port 0)
 *   --pin PIN       set this PIN on a fresh key (without it the key has none: the kiosk offers
 *                   to choose one)
 *   --min-pin-length N   the shortest PIN the key accepts (getInfo minPINLength; default 4)
 *   --u2f-only      speak CTAP1/U2F only
 *   --ctap20        behave as a CTAP 2.0 key (FIDO_2_0, PIN protocol 1, getPinToken, no selection)
 *   --state FILE    keep credentials, counter and PIN in FILE across restarts (with several
 *                   keys: FILE-1, FILE-2, …)
 *
 * Prints one "Guichet virtual key listening on udp://127.0.0.1:PORT" line a key. Every touch is
 * approved. Stops on SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util'
import { UDP_AUTHENTICATOR_PORT } from '../transport/udp-transport'
import { VirtualKey } from './key'
import { startVirtualKeyUdpServer } from './udp-server'
import type { VirtualKeyUdpServer } from './udp-server'

const USAGE =
  'usage: npm run virtual-key -- [--port N]… [--count N] [--pin PIN] [--min-pin-length N] [--u2f-only | --ctap20] [--state FILE]\n'

function parsePort(text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --port "${text}"`)
  return port
}

/** The ports to listen on: every --port, or --count consecutive ones from the first. */
export function portsFromArgs(ports: string[] | undefined, count: string | undefined): number[] {
  const given = (ports ?? []).map(parsePort)
  if (count === undefined) return given.length > 0 ? given : [UDP_AUTHENTICATOR_PORT]
  const n = Number(count)
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error(`invalid --count "${count}"`)
  if (given.length > 1) throw new Error('--count goes with one --port at most')
  const first = given[0] ?? UDP_AUTHENTICATOR_PORT
  if (first !== 0 && first + n - 1 > 65535) throw new Error('--count runs past port 65535')
  return Array.from({ length: n }, (_, index) => (first === 0 ? 0 : first + index))
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', multiple: true },
      count: { type: 'string' },
      pin: { type: 'string' },
      'min-pin-length': { type: 'string' },
      'u2f-only': { type: 'boolean' },
      ctap20: { type: 'boolean' },
      state: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  if (values['u2f-only'] && values.ctap20)
    throw new Error('--u2f-only and --ctap20 exclude each other')
  const minPinLength =
    values['min-pin-length'] === undefined ? undefined : Number(values['min-pin-length'])
  const ports = portsFromArgs(values.port, values.count)
  const servers: VirtualKeyUdpServer[] = []
  const stop = (): void => {
    void Promise.all(servers.map((server) => server.close())).then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  for (const [index, port] of ports.entries()) {
    const statePath =
      values.state === undefined
        ? undefined
        : ports.length === 1
          ? values.state
          : `${values.state}-${index + 1}`
    const key = new VirtualKey({
      ...(values.pin !== undefined ? { pin: values.pin } : {}),
      ...(minPinLength !== undefined ? { minPinLength } : {}),
      ...(values['u2f-only'] ? { u2fOnly: true } : {}),
      ...(values.ctap20 ? { ctap20: true } : {}),
      ...(statePath !== undefined ? { statePath } : {}),
    })
    const server = await startVirtualKeyUdpServer({ key, port })
    servers.push(server)
    process.stdout.write(`Guichet virtual key listening on udp://${server.host}:${server.port}\n`)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`virtual key: ${(error as Error).message}\n`)
  process.exit(1)
})
