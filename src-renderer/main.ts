// Renderer entry: the Bridge (Electron preload or HTTP), i18n, and the root.
//
// getStatus is asked first, so that its answer travels while Vue sets up, and
// the app is mounted once it has answered: the first screen rendered is then
// the one it says (sign-in, mostly), without a loading screen before it. If the
// answer is slow, the app is mounted anyway and the loading screen shows.
import { createApp } from 'vue'
import { createBridge } from './api'
import { createGuichetI18n, LOCALES, loadMessages } from './i18n'
import { BRIDGE, FIRST_STATUS } from './injection'
import Root from './Root.vue'
import { preloadScreens } from './screens/lazy'
import { askFirstStatus } from './state/firstStatus'
import './styles/main.css'

/** How long a blank page may wait for getStatus before the loading screen shows. */
const STATUS_GRACE_MS = 200

const bridge = createBridge()
const firstStatus = askFirstStatus(bridge)

const i18n = createGuichetI18n('fr')
const app = createApp(Root)
app.use(i18n)
app.provide(BRIDGE, bridge)
app.provide(FIRST_STATUS, firstStatus)

void firstStatus.settled(STATUS_GRACE_MS).then(() => {
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
})
