// Renderer entry: the Bridge (Electron preload or HTTP), then the rest.
//
// getStatus is asked first of all, so that its answer travels while the rest of
// the renderer (app.ts: Vue, i18n, the screens) arrives, is compiled and sets up.
// index.html preloads that chunk (guichet-preload-app in vite.renderer.config.ts),
// so it is fetched along with this one, not after it. index.html also holds the
// sign-in screen pre-rendered at build time (guichet-prerender-first-screen):
// what a clerk does on it before Vue takes it over is held until then.
import { createBridge } from './api'
import { holdEarlyInput } from './prerender/takeover'
import { askFirstStatus } from './state/firstStatus'
import './styles/main.css'

const bridge = createBridge()
const firstStatus = askFirstStatus(bridge)
const container = document.getElementById('app')
const early = container?.hasAttribute('data-prerendered') ? holdEarlyInput(container) : null
void import('./app').then(({ startApp }) => startApp(bridge, firstStatus, early))
