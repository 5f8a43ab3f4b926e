// The renderer proper: i18n, the root, and its mounting. main.ts loads it (from
// index.html's modulepreload, so it arrives along with main.ts) once it has
// asked getStatus.
import { createApp, createSSRApp } from 'vue'
import type { Bridge } from '../src-main/contract/bridge'
import { createGuichetI18n, LOCALES, loadMessages } from './i18n'
import { BRIDGE, FIRST_STATUS } from './injection'
import { showsPrerendered } from './prerender/status'
import type { EarlyInput } from './prerender/takeover'
import Root from './Root.vue'
import { preloadScreens } from './screens/lazy'
import type { FirstStatusRequest } from './state/firstStatus'

/** How long a blank page may wait for getStatus before the loading screen shows. */
const STATUS_GRACE_MS = 200
/** How long the pre-rendered sign-in screen may wait for getStatus to confirm it. */
const PRERENDERED_GRACE_MS = 5_000

/**
 * Mounts the kiosk once getStatus has answered, so that the first screen rendered
 * is the one it says (sign-in, mostly), with no loading screen before it; if the
 * answer is slow, mounts anyway and the loading screen shows.
 *
 * With the sign-in screen pre-rendered in `#app` (`early`: main.ts holds the
 * clerk's input on it meanwhile), Vue takes that markup over (hydration) when
 * getStatus says that screen, exactly as pre-rendered; otherwise it renders
 * afresh in its place.
 */
export async function startApp(
  bridge: Bridge,
  firstStatus: FirstStatusRequest,
  early: EarlyInput | null = null,
  container: HTMLElement | string = '#app',
): Promise<void> {
  const i18n = createGuichetI18n('fr')
  await firstStatus.settled(early ? PRERENDERED_GRACE_MS : STATUS_GRACE_MS)
  const answer = firstStatus.answered()
  const element = typeof container === 'string' ? document.querySelector(container) : container
  // The issuer that the pre-rendered markup shows (the hosts serve it under the
  // configured one); an empty attribute stands for the default one.
  const issuer = element?.getAttribute('data-prerendered') || undefined
  const hydrate = early !== null && answer?.ok === true && showsPrerendered(answer.value, issuer)
  const app = hydrate ? createSSRApp(Root) : createApp(Root)
  app.use(i18n)
  app.provide(BRIDGE, bridge)
  app.provide(FIRST_STATUS, firstStatus)
  early?.snapshot()
  // createApp's mount empties the container first; createSSRApp's adopts it.
  app.mount(container)
  early?.release()
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
