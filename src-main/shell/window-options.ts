/**
 * The kiosk window's security settings, as plain data so a unit test can
 * assert them without Electron. main.ts passes these to `new BrowserWindow`
 * and the app:// protocol handler sends CONTENT_SECURITY_POLICY with every page.
 */

import type { BrowserWindowConstructorOptions } from 'electron'

/** The UI is served from this privileged custom scheme, never from file://. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'guichet'
/** Scheme and host of every page the kiosk window may show. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

/** Privileges of the app:// scheme (protocol.registerSchemesAsPrivileged). */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  // Deliberately absent: bypassCSP, corsEnabled, allowServiceWorkers, stream.
} as const

// The kiosk's Content-Security-Policy, sent as a header with every app://
// answer. Written as one header assignment with a string literal because
// electronegativity's CSP checks recognise that form (they do not follow
// constants); test/unit/shell/window-options.test.ts asserts every directive.
const cspHeader = { 'Content-Security-Policy': '' }
cspHeader['Content-Security-Policy'] =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
export const CONTENT_SECURITY_POLICY: string = cspHeader['Content-Security-Policy']

/** In-memory session: nothing the renderer stores reaches the disk. */
export const SESSION_PARTITION = 'guichet-kiosk'

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (out/preload/preload.cjs). */
  preloadPath: string
  /** `config.kiosk`: false only on IT's desk. */
  kiosk: boolean
  /** `app.isPackaged`: devtools exist only in development builds. */
  isPackaged: boolean
}

/** What `createKioskWindow` needs of Electron's BrowserWindow class. */
export type WindowConstructor<W> = new (options: BrowserWindowConstructorOptions) => W

/**
 * Creates the kiosk window. The options are one literal, here and nowhere
 * else, so electronegativity reads them and the unit test asserts them (it
 * passes a recording stand-in for BrowserWindow). Every security-relevant web
 * preference is spelled out even where it is Electron's default, so a change
 * of default cannot weaken it; `webSecurity` is left untouched (true).
 */
export function createKioskWindow<W>(
  BrowserWindow: WindowConstructor<W>,
  input: WindowOptionsInput,
): W {
  return new BrowserWindow({
    title: 'Guichet',
    show: false,
    kiosk: input.kiosk,
    fullscreen: input.kiosk,
    autoHideMenuBar: true,
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: input.preloadPath,
      partition: SESSION_PARTITION,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: !input.isPackaged,
    },
  })
}

/** A keyboard shortcut as `before-input-event` reports it. */
export interface KeyInput {
  type: string
  key: string
  control: boolean
  meta: boolean
  shift: boolean
  alt: boolean
}

/**
 * Reload and devtools shortcuts, refused in packaged builds (with no
 * application menu most are already gone; this catches the rest).
 */
export function isBlockedShortcut(input: KeyInput, options: { isPackaged: boolean }): boolean {
  if (!options.isPackaged || input.type !== 'keyDown') return false
  const key = input.key.toLowerCase()
  const mod = input.control || input.meta
  if (key === 'f5' || key === 'f12') return true
  if (mod && key === 'r') return true // reload, force reload (with shift)
  if (mod && input.shift && (key === 'i' || key === 'j' || key === 'c')) return true // devtools
  if (input.meta && input.alt && key === 'i') return true // devtools on macOS
  return false
}
