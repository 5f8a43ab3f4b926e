/**
 * Navigation, new windows, webviews, permissions and shortcuts: every
 * webContents and session the app creates is locked down here. Typed against
 * the few members used, so the unit tests drive the guards with stand-ins.
 */

import { isBlockedShortcut, type KeyInput } from './window-options'

interface PreventableEvent {
  preventDefault(): void
}

/** What the guards use of `WebContents`. */
export interface GuardedContents {
  on(
    event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview',
    listener: (event: PreventableEvent) => void,
  ): unknown
  on(
    event: 'before-input-event',
    listener: (event: PreventableEvent, input: KeyInput) => void,
  ): unknown
  setWindowOpenHandler(handler: (details: unknown) => { action: 'deny' }): void
}

/** What the guards use of `Session`. */
export interface GuardedSession {
  setPermissionRequestHandler(
    handler: (
      webContents: unknown,
      permission: string,
      callback: (permissionGranted: boolean) => void,
    ) => void,
  ): void
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void
}

export interface GuardLog {
  warn(message: string, fields?: Record<string, unknown>): void
}

/** The kiosk never navigates or opens windows: the UI is one page that routes in place. */
export function guardWebContents(
  contents: GuardedContents,
  options: { isPackaged: boolean; log: GuardLog },
): void {
  const refuse =
    (what: string) =>
    (event: PreventableEvent): void => {
      event.preventDefault()
      options.log.warn('Blocked a navigation attempt', { event: what })
    }
  contents.on('will-navigate', refuse('will-navigate'))
  contents.on('will-frame-navigate', refuse('will-frame-navigate'))
  contents.on('will-redirect', refuse('will-redirect'))
  contents.on('will-attach-webview', refuse('will-attach-webview'))
  contents.setWindowOpenHandler(() => {
    options.log.warn('Blocked a new window')
    return { action: 'deny' }
  })
  contents.on('before-input-event', (event, input) => {
    if (isBlockedShortcut(input, { isPackaged: options.isPackaged })) event.preventDefault()
  })
}

/** Camera, microphone, notifications, HID, USB, serial…: refused, asked or checked. */
export function guardSession(session: GuardedSession): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}
