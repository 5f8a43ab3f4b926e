/// <reference types="vite/client" />

import type { Bridge } from '../src-main/contract/bridge'

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser (web host). */
    guichet?: Bridge
  }
}
