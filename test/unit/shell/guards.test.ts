import { describe, expect, it } from 'vitest'

import {
  guardSession,
  guardWebContents,
  type GuardedContents,
  type GuardedSession,
} from '../../../src-main/shell/guards'
import type { KeyInput } from '../../../src-main/shell/window-options'
import { recordingLogger } from './stand-ins'

type Listener = (event: { preventDefault(): void }, input: KeyInput) => void

const noKey: KeyInput = {
  type: 'keyUp',
  key: '',
  control: false,
  meta: false,
  shift: false,
  alt: false,
}
const f5: KeyInput = {
  type: 'keyDown',
  key: 'F5',
  control: false,
  meta: false,
  shift: false,
  alt: false,
}

class FakeContents implements GuardedContents {
  readonly listeners = new Map<string, Listener[]>()
  openHandler: ((details: unknown) => { action: 'deny' }) | undefined

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }

  setWindowOpenHandler(handler: (details: unknown) => { action: 'deny' }): void {
    this.openHandler = handler
  }

  /** Emits `event`; true when a listener prevented it. */
  emit(event: string, input: KeyInput = noKey): boolean {
    let prevented = false
    for (const listener of this.listeners.get(event) ?? []) {
      listener({ preventDefault: () => void (prevented = true) }, input)
    }
    return prevented
  }
}

describe('guardWebContents', () => {
  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview'])(
    'prevents %s',
    (event) => {
      const contents = new FakeContents()
      const log = recordingLogger()
      guardWebContents(contents, { isPackaged: true, log })
      expect(contents.emit(event)).toBe(true)
      expect(log.entries).toContainEqual(
        expect.objectContaining({ level: 'warn', fields: { event } }),
      )
    },
  )

  it('denies every new window', () => {
    const contents = new FakeContents()
    guardWebContents(contents, { isPackaged: true, log: recordingLogger() })
    expect(contents.openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' })
    expect(contents.openHandler?.({ url: 'app://guichet/index.html' })).toEqual({ action: 'deny' })
  })

  it('blocks reload and devtools shortcuts in packaged builds only', () => {
    const packaged = new FakeContents()
    guardWebContents(packaged, { isPackaged: true, log: recordingLogger() })
    expect(packaged.emit('before-input-event', f5)).toBe(true)
    const dev = new FakeContents()
    guardWebContents(dev, { isPackaged: false, log: recordingLogger() })
    expect(dev.emit('before-input-event', f5)).toBe(false)
  })
})

describe('guardSession', () => {
  it('denies every permission request, check and device access', () => {
    const recorded: {
      request?: Parameters<GuardedSession['setPermissionRequestHandler']>[0]
      check?: Parameters<GuardedSession['setPermissionCheckHandler']>[0]
      device?: Parameters<GuardedSession['setDevicePermissionHandler']>[0]
    } = {}
    guardSession({
      setPermissionRequestHandler: (h) => void (recorded.request = h),
      setPermissionCheckHandler: (h) => void (recorded.check = h),
      setDevicePermissionHandler: (h) => void (recorded.device = h),
    })
    for (const permission of [
      'media',
      'notifications',
      'geolocation',
      'hid',
      'usb',
      'clipboard-read',
      'openExternal',
    ]) {
      let granted: boolean | undefined
      recorded.request?.({}, permission, (answer) => void (granted = answer))
      expect(granted, permission).toBe(false)
      expect(recorded.check?.({}, permission), permission).toBe(false)
    }
    expect(recorded.device?.({ deviceType: 'hid' })).toBe(false)
  })
})
