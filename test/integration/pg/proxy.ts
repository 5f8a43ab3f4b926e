// A TCP relay between a kiosk and the test server, to take the server "down"
// and bring it back without touching the server the other test files share.

import { createServer, connect, type Server, type Socket } from 'node:net'

export interface Relay {
  port: number
  /** Listens and relays to the target (again, after `down`). */
  up(): Promise<void>
  /** Cuts every relayed connection and stops listening: the server looks down. */
  down(): Promise<void>
  close(): Promise<void>
}

export async function startRelay(
  target: { host: string; port: number },
  options: { listening?: boolean } = {},
): Promise<Relay> {
  // Reserve a port: listen once on port 0, remember it, close.
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port
      probe.close(() => resolve(p))
    })
  })
  const sockets = new Set<Socket>()
  let server: Server | undefined

  const relay: Relay = {
    port,
    async up() {
      if (server) return
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host)
        sockets.add(client).add(upstream)
        const drop = (): void => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on('error', drop).on('close', drop)
        upstream.on('error', drop).on('close', drop)
        client.pipe(upstream).pipe(client)
      })
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(port, '127.0.0.1', () => resolve())
      })
      server = s
    },
    async down() {
      const s = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      sockets.clear()
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    close: () => relay.down(),
  }
  if (options.listening !== false) await relay.up()
  return relay
}
