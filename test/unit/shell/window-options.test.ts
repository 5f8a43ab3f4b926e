import type { BrowserWindowConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'

import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  createKioskWindow,
  isBlockedShortcut,
  SESSION_PARTITION,
  type KeyInput,
} from '../../../src-main/shell/window-options'

/** Records what main.ts would pass to `new BrowserWindow`. */
class RecordingWindow {
  constructor(readonly options: BrowserWindowConstructorOptions) {}
}

const input = { preloadPath: '/opt/Guichet/out/preload/preload.cjs', kiosk: true, isPackaged: true }

describe('kiosk window options', () => {
  it('isolates the page: context isolation, sandbox, no Node, no webview, web security untouched', () => {
    const { options } = createKioskWindow(RecordingWindow, input)
    const prefs = options.webPreferences
    expect(prefs).toBeDefined()
    expect(prefs).toMatchObject({
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
      navigateOnDragDrop: false,
    })
    // webSecurity must keep Electron's default (true): not set at all.
    expect(prefs).not.toHaveProperty('webSecurity')
    expect(prefs).not.toHaveProperty('enableBlinkFeatures')
    expect(prefs?.disableBlinkFeatures).toBe('Auxclick')
  })

  it('uses an in-memory session, so the renderer storage never reaches the disk', () => {
    expect(SESSION_PARTITION.startsWith('persist:')).toBe(false)
  })

  it('opens in kiosk mode unless the configuration turns it off', () => {
    expect(createKioskWindow(RecordingWindow, input).options).toMatchObject({
      kiosk: true,
      fullscreen: true,
    })
    expect(createKioskWindow(RecordingWindow, { ...input, kiosk: false }).options).toMatchObject({
      kiosk: false,
      fullscreen: false,
    })
  })

  it('has devtools only in development builds', () => {
    expect(createKioskWindow(RecordingWindow, input).options.webPreferences?.devTools).toBe(false)
    expect(
      createKioskWindow(RecordingWindow, { ...input, isPackaged: false }).options.webPreferences
        ?.devTools,
    ).toBe(true)
  })

  it('waits for the first paint before showing', () => {
    expect(createKioskWindow(RecordingWindow, input).options.show).toBe(false)
  })
})

describe('app:// scheme', () => {
  it('serves the UI from app://guichet, never file://', () => {
    expect(APP_ORIGIN).toBe('app://guichet')
    expect(APP_ENTRY_URL).toBe('app://guichet/index.html')
  })

  it('is a secure standard scheme without CSP bypass, CORS or service workers', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true })
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP')
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('corsEnabled')
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('allowServiceWorkers')
  })
})

describe('Content-Security-Policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/)
      return [name, values.join(' ')] as const
    }),
  )

  it('is exactly the policy of the issue, directive by directive', () => {
    expect(Object.fromEntries(directives)).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'self'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
      'object-src': "'none'",
    })
  })

  it('allows no inline code, eval or remote origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:|blob:|wasm/)
  })
})

describe('shortcuts', () => {
  const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
    type: 'keyDown',
    key: k,
    control: false,
    meta: false,
    shift: false,
    alt: false,
    ...mods,
  })

  it.each([
    ['F5', key('F5')],
    ['Ctrl+R', key('r', { control: true })],
    ['Ctrl+Shift+R', key('R', { control: true, shift: true })],
    ['Cmd+R', key('r', { meta: true })],
    ['F12', key('F12')],
    ['Ctrl+Shift+I', key('I', { control: true, shift: true })],
    ['Ctrl+Shift+J', key('J', { control: true, shift: true })],
    ['Cmd+Alt+I', key('i', { meta: true, alt: true })],
  ])('blocks %s in packaged builds', (_name, input) => {
    expect(isBlockedShortcut(input, { isPackaged: true })).toBe(true)
    expect(isBlockedShortcut(input, { isPackaged: false })).toBe(false)
  })

  it('leaves typing and form navigation alone', () => {
    for (const input of [
      key('r'),
      key('R', { shift: true }),
      key('Tab'),
      key('Enter'),
      key('c', { control: true }),
    ]) {
      expect(isBlockedShortcut(input, { isPackaged: true })).toBe(false)
    }
    expect(isBlockedShortcut({ ...key('F5'), type: 'keyUp' }, { isPackaged: true })).toBe(false)
  })
})
