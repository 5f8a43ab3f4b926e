// The kiosk with a clock the test moves: the web host started in this process
// on a test bed's engine (test/support/env.ts, its clock injected), the built
// renderer, and Chromium with its clock installed at the engine's time. The
// product has no clock back door: only the test, which builds the engine,
// moves time — the engine's and the page's together.

import { join } from 'node:path'
import type { ConfigInput } from '../../../src-main/config'
import type { EventName, EventPayload } from '../../../src-main/contract/methods'
import { buildRendererIfNeeded } from '../../../src-main/host/build'
import { startWebHost, type WebHost } from '../../../src-main/host/server'
import { silentLogger } from '../../../src-main/log'
import { startBed, type TestBed } from '../../support/env'
import { openKioskBrowser, ROOT, type KioskBrowser } from './kiosk'

export interface BedKiosk extends KioskBrowser {
  bed: TestBed
  host: WebHost
  /** Moves the engine's clock and the page's by `ms`. */
  advance(ms: number): Promise<void>
}

export async function startBedKiosk(config: Partial<ConfigInput> = {}): Promise<BedKiosk> {
  // The engine emits before the host exists; its events go nowhere until it does.
  const target: { host?: WebHost } = {}
  const bed = await startBed(config, {
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) =>
      target.host?.emit(event, payload),
  })
  // The page's clock runs from now: the engine's starts at the same time.
  bed.clock.t = Date.now()
  const rendererDir = join(ROOT, 'out', 'renderer')
  await buildRendererIfNeeded(ROOT, rendererDir, () => undefined)
  const host = await startWebHost({
    api: bed.engine,
    rendererDir,
    issuer: bed.config.issuer,
    port: 0,
    log: silentLogger,
    onPageAttached: () => bed.engine.pageAttached(),
  })
  target.host = host
  const browser = await openKioskBrowser()
  await browser.page.clock.install({ time: bed.clock.now() })
  await browser.page.goto(host.launchUrl) // the door: the token for a cookie, then /
  return {
    ...browser,
    bed,
    host,
    async advance(ms) {
      bed.clock.advance(ms)
      await browser.page.clock.fastForward(ms)
    },
    async close() {
      try {
        await browser.close()
      } finally {
        await host.close()
        await bed.close()
      }
    },
  }
}
