/**
 * `npm run virtual-key`: a software security key on udp://127.0.0.1:8111 for demos and tests.
 *
 *   --port N        listen on N (default 8111)
 *   --pin PIN       set this PIN on a fresh key
 *   --u2f-only      speak CTAP1/U2F only
 *   --state FILE    keep credentials, counter and PIN in FILE across restarts
 *
 * Every touch is approved. Stops on SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util'
import { UDP_AUTHENTICATOR_PORT } from '../transport/udp-transport'
import { VirtualKey } from './key'
import { startVirtualKeyUdpServer } from './udp-server'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      pin: { type: 'string' },
      'u2f-only': { type: 'boolean' },
      state: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(
      'usage: npm run virtual-key -- [--port N] [--pin PIN] [--u2f-only] [--state FILE]\n',
    )
    return
  }
  const port = values.port === undefined ? UDP_AUTHENTICATOR_PORT : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid --port "${values.port}"`)
  const key = new VirtualKey({
    ...(values.pin !== undefined ? { pin: values.pin } : {}),
    ...(values['u2f-only'] ? { u2fOnly: true } : {}),
    ...(values.state !== undefined ? { statePath: values.state } : {}),
  })
  const server = await startVirtualKeyUdpServer({ key, port })
  process.stdout.write(`Guichet virtual key listening on udp://${server.host}:${server.port}\n`)
  const stop = (): void => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`virtual key: ${(error as Error).message}\n`)
  process.exit(1)
})
