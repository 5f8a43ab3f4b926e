// Build time only (vite.renderer.config.ts runs it with vue/server-renderer):
// the HTML of whatever the kiosk renders first for PRERENDERED_STATUS (the
// sign-in screen), written into index.html so that the first paint needs none
// of the renderer's JavaScript. The page then hydrates it (app.ts). Never
// imported by the page.

import { createSSRApp } from 'vue'
import { renderToString } from 'vue/server-renderer'
import type { Bridge } from '../../src-main/contract/bridge'
import type { Result } from '../../src-main/contract/errors'
import type { Status } from '../../src-main/contract/methods'
import { createGuichetI18n } from '../i18n'
import { BRIDGE, FIRST_STATUS } from '../injection'
import Root from '../Root.vue'
import type { FirstStatusRequest } from '../state/firstStatus'
import { PRERENDERED_STATUS } from './status'

export { PRERENDERED_STATUS }

/** `issuer`: the issuer to show (the build renders the default one, and a slot for the hosts to fill). */
export async function renderFirstScreen(
  issuer: string = PRERENDERED_STATUS.issuer,
): Promise<string> {
  const answer: Result<Status> = { ok: true, value: { ...PRERENDERED_STATUS, issuer } }
  const bridge = new Proxy({} as Bridge, {
    get: (_target, method) => () => {
      throw new Error(`pre-rendering called the bridge's ${String(method)}`)
    },
  })
  let taken = false
  const firstStatus: FirstStatusRequest = {
    take() {
      if (taken) return null
      taken = true
      return { promise: Promise.resolve(answer), result: answer }
    },
    settled: () => Promise.resolve(),
    answered: () => answer,
  }
  const app = createSSRApp(Root)
  // A component that fails must fail the build, not pre-render an empty screen.
  const errors: unknown[] = []
  app.config.errorHandler = (error) => {
    errors.push(error)
  }
  app.use(createGuichetI18n('fr'))
  app.provide(BRIDGE, bridge)
  app.provide(FIRST_STATUS, firstStatus)
  const html = await renderToString(app)
  if (errors.length > 0) throw errors[0]
  return html
}
