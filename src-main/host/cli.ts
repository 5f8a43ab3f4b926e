/**
 * npm run web -- --config FILE --port N
 * The engine plus the built kiosk UI on http://127.0.0.1:N/ only, for one kiosk
 * browser. At start it says where the kiosk is — the door: a URL with a
 * single-use launch token — and where its data and mail go. To let a restarted
 * browser in, press Enter in this terminal (or send SIGUSR2): a fresh URL is
 * printed, and opening it shuts the previous browser out.
 */

import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CHECKOUT_ROOT, NO_CONFIG_DATA_DIR } from '../checkout'
import { ConfigError, configPathFromArgs, loadConfigFile, parseConfig } from '../config'
import type { EventName, EventPayload } from '../contract/methods'
import { createLogger } from '../log'
import { openRuntime, StartupError } from '../runtime'
import { buildRendererIfNeeded } from './build'
import { startWebHost, type WebHost } from './server'
import { startupLines } from './startup'

const ROOT = CHECKOUT_ROOT
const USAGE =
  'Usage: npm run web -- [--config FILE] [--port N]   (N = 0: a free port; default 4780; no configuration: defaults, data in .guichet/data inside the checkout)'

async function main(argv: string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean' } },
    }).values
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const port = Number(values.port ?? '4780')
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535.\n${USAGE}\n`)
    return 2
  }
  const log = createLogger()
  try {
    const path = configPathFromArgs(argv)
    let config
    if (path) {
      config = loadConfigFile(path)
    } else {
      // A first try needs no file: the defaults, with the data inside the checkout.
      config = parseConfig({ dataDir: NO_CONFIG_DATA_DIR })
      process.stdout.write(
        'No configuration given (--config FILE or GUICHET_CONFIG): the defaults, data in .guichet/data inside the checkout.\n',
      )
    }
    const rendererDir = join(ROOT, 'out', 'renderer')
    await buildRendererIfNeeded(ROOT, rendererDir, (l) => process.stdout.write(`${l}\n`))
    // The engine emits events before the host exists; they go nowhere until it does.
    const target: { host?: WebHost } = {}
    const runtime = await openRuntime(config, {
      log,
      emit: <E extends EventName>(event: E, payload: EventPayload<E>) =>
        target.host?.emit(event, payload),
    })
    const host = await startWebHost({
      api: runtime.api,
      rendererDir,
      issuer: config.issuer,
      port,
      log,
      // A browser coming in, or a page (re)loading, starts with no session.
      onPageAttached: () => runtime.api.pageAttached(),
    })
    target.host = host
    process.stdout.write(
      `${startupLines(config, { url: host.launchUrl, configPath: path }).join('\n')}\n`,
    )
    const fresh = (): void => {
      process.stdout.write(`Guichet web host, fresh door: ${host.newLaunchUrl()}\n`)
    }
    process.on('SIGUSR2', fresh)
    if (process.stdin.isTTY) {
      process.stdout.write('Press Enter for a fresh URL (a restarted browser).\n')
      process.stdin.on('data', (chunk: Buffer) => {
        if (chunk.includes(0x0a) || chunk.includes(0x0d)) fresh()
      })
    }
    const stop = (): void => {
      void (async () => {
        process.stdin.pause()
        await host.close()
        await runtime.close()
        process.exit(0)
      })()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    return -1 // keep running
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) {
      process.stderr.write(`${error.message}\n`)
      return 1
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(
        `Port ${port} on 127.0.0.1 is already in use: choose another with --port.\n`,
      )
      return 1
    }
    process.stderr.write(`${(error as Error).message}\n`)
    return 1
  }
}

main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exitCode = code
})
