// The renderer proper: i18n, the root, and its mounting. main.ts loads it (from
// index.html's modulepreload, so it arrives along with main.ts) once it has
// asked getStatus.
import { createApp } from 'vue'
import type { Bridge } from '../src-main/contract/bridge'
import { createGuichetI18n, LOCALES, loadMessages } from './i18n'
import { BRIDGE, FIRST_STATUS } from './injection'
import Root from './Root.vue'
import { preloadScreens } from './screens/lazy'
import type { FirstStatusRequest } from './state/firstStatus'

/** How long a blank page may wait for getStatus before the loading screen shows. */
const STATUS_GRACE_MS = 200

/**
 * Mounts the kiosk once getStatus has answered, so that the first screen rendered
 * is the one it says (sign-in, mostly), with no loading screen before it; if the
 * answer is slow, mounts anyway and the loading screen shows.
 */
export async function startApp(bridge: Bridge, firstStatus: FirstStatusRequest): Promise<void> {
  const i18n = createGuichetI18n('fr')
  const app = createApp(Root)
  app.use(i18n)
  app.provide(BRIDGE, bridge)
  app.provide(FIRST_STATUS, firstStatus)
  await firstStatus.settled(STATUS_GRACE_MS)
  app.mount('#app')
  // The rest of the renderer (other screens, other languages), once the first
  // screen is up: long before a clerk can ask for any of it.
  requestIdleCallback(
    () => {
      preloadScreens().catch(() => undefined)
      for (const locale of LOCALES) loadMessages(i18n.global, locale)?.catch(() => undefined)
    },
    { timeout: 1000 },
  )
}
