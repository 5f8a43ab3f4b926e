import { describe, expect, it } from 'vitest'

import { channelOf, eventChannelOf } from '../../../src-main/contract/bridge'
import { MAX_PAYLOAD_BYTES, METHOD_NAMES } from '../../../src-main/contract/methods'
import {
  bindIpc,
  createEventForwarder,
  createTrustedSenderCheck,
  isAppUrl,
} from '../../../src-main/shell/ipc'
import { FakeFrame, FakeIpcMain, fakeApi, recordingLogger, VALID_INPUTS } from './stand-ins'

const APP_PAGE = 'app://guichet/index.html'

function setUp(options: { afterSignOut?: () => Promise<void> } = {}) {
  const ipc = new FakeIpcMain<FakeFrame>()
  const { api, calls } = fakeApi()
  const log = recordingLogger()
  const kioskFrame = new FakeFrame(APP_PAGE)
  const unbind = bindIpc(ipc, api, {
    log,
    isTrustedSender: createTrustedSenderCheck(() => kioskFrame),
    ...options,
  })
  return { ipc, api, calls, log, kioskFrame, unbind }
}

describe('bindIpc', () => {
  it('binds one handler per contract method, on the contract channel, and nothing else', () => {
    const { ipc } = setUp()
    expect([...ipc.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(channelOf).sort())
  })

  it('runs every method from the kiosk frame through the engine and answers with the envelope', async () => {
    const { ipc, calls, kioskFrame } = setUp()
    for (const method of METHOD_NAMES) {
      const result = await ipc.invoke(channelOf(method), kioskFrame, VALID_INPUTS[method])
      expect(result, method).toMatchObject({ ok: true })
    }
    expect(calls.map((c) => c.method)).toEqual(METHOD_NAMES)
  })

  it('hands the engine the parsed input, not the raw payload', async () => {
    const { ipc, calls, kioskFrame } = setUp()
    await ipc.invoke(channelOf('signIn'), kioskFrame, VALID_INPUTS.signIn)
    expect(calls).toEqual([
      { method: 'signIn', input: { email: 'ada@mairie.fr', password: 'a long enough passphrase' } },
    ])
  })

  it('accepts a method without input called with no argument', async () => {
    const { ipc, calls, kioskFrame } = setUp()
    expect(await ipc.invoke(channelOf('getStatus'), kioskFrame)).toMatchObject({ ok: true })
    expect(calls).toEqual([{ method: 'getStatus', input: {} }])
  })

  it.each([
    ['a subframe at the app origin', () => new FakeFrame(APP_PAGE, new FakeFrame(APP_PAGE))],
    ['another top frame at the app origin', () => new FakeFrame(APP_PAGE)],
    ['no frame (disposed)', () => null],
  ])('refuses a call from %s and never calls the engine', async (_name, makeFrame) => {
    const { ipc, calls, log } = setUp()
    const result = await ipc.invoke(channelOf('getStatus'), makeFrame(), {})
    expect(result).toEqual({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(calls).toEqual([])
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: { method: 'getStatus' } }),
    )
  })

  it.each([
    'https://evil.example/',
    'file:///opt/Guichet/resources/app.asar/out/renderer/index.html',
    'app://other/index.html',
    'http://guichet/index.html',
    'devtools://devtools/bundled/inspector.html',
  ])('refuses the kiosk frame once it shows %s', async (url) => {
    const { ipc, calls, kioskFrame } = setUp()
    kioskFrame.url = url
    const result = await ipc.invoke(channelOf('signIn'), kioskFrame, VALID_INPUTS.signIn)
    expect(result).toEqual({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(calls).toEqual([])
  })

  it('refuses when the sender check itself throws (frame disposed mid-call)', async () => {
    const ipc = new FakeIpcMain<FakeFrame>()
    const { api, calls } = fakeApi()
    bindIpc(ipc, api, {
      log: recordingLogger(),
      isTrustedSender: () => {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed')
      },
    })
    const result = await ipc.invoke(channelOf('getStatus'), new FakeFrame(APP_PAGE), {})
    expect(result).toEqual({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(calls).toEqual([])
  })

  it.each([
    ['a wrong type', 'signIn', { email: 'ada@mairie.fr', password: 42 }, 'password'],
    ['a malformed address', 'signIn', { email: 'not an address', password: 'x' }, 'email'],
    ['an unknown key', 'getStatus', { admin: true }, undefined],
    ['a code that is not six digits', 'verifyCode', { code: '12345a' }, 'code'],
    ['a string instead of an object', 'verifyCode', '123456', undefined],
    [
      'a control character in a name',
      'confirmSetup',
      { code: '123456', deviceName: 'a\u0000b' },
      'deviceName',
    ],
  ] as const)(
    'refuses %s with VALIDATION and never calls the engine',
    async (_name, method, payload, field) => {
      const { ipc, calls, kioskFrame } = setUp()
      const result = await ipc.invoke(channelOf(method), kioskFrame, payload)
      expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
      const error = (result as { error: { params?: { field?: string } } }).error
      expect(error.params?.field).toBe(field)
      expect(calls).toEqual([])
    },
  )

  it('refuses an oversized payload with VALIDATION before parsing, and never calls the engine', async () => {
    const { ipc, calls, kioskFrame } = setUp()
    const password = 'x'.repeat(MAX_PAYLOAD_BYTES + 1)
    const result = await ipc.invoke(channelOf('signIn'), kioskFrame, {
      email: 'ada@mairie.fr',
      password,
    })
    expect(result).toEqual({ ok: false, error: { code: 'VALIDATION' } })
    expect(calls).toEqual([])
  })

  it('refuses a call with more than one argument', async () => {
    const { ipc, calls, kioskFrame } = setUp()
    const result = await ipc.invoke(channelOf('getStatus'), kioskFrame, {}, { extra: true })
    expect(result).toEqual({ ok: false, error: { code: 'VALIDATION' } })
    expect(calls).toEqual([])
  })

  it('turns an engine exception into INTERNAL, logged in main and not sent to the renderer', async () => {
    const ipc = new FakeIpcMain<FakeFrame>()
    const { api } = fakeApi()
    const log = recordingLogger()
    const kioskFrame = new FakeFrame(APP_PAGE)
    const failing = {
      ...api,
      listFactors: () => Promise.reject(new Error('SQLITE_CORRUPT at /data/guichet.db')),
    }
    bindIpc(ipc, failing, { log, isTrustedSender: createTrustedSenderCheck(() => kioskFrame) })
    const result = await ipc.invoke(channelOf('listFactors'), kioskFrame, {})
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL' } })
    expect(JSON.stringify(result)).not.toContain('SQLITE')
    const logged = log.entries.find((e) => e.level === 'error')
    expect(logged?.fields?.method).toBe('listFactors')
    expect((logged?.fields?.error as Error).message).toContain('SQLITE_CORRUPT')
  })

  it('clears the renderer storage after the engine accepted a sign-out', async () => {
    let cleared = 0
    const { ipc, kioskFrame, calls } = setUp({ afterSignOut: async () => void cleared++ })
    expect(await ipc.invoke(channelOf('signOut'), kioskFrame, {})).toEqual({ ok: true, value: {} })
    expect(calls.map((c) => c.method)).toEqual(['signOut'])
    expect(cleared).toBe(1)
  })

  it('does not clear storage when the sign-out was refused', async () => {
    let cleared = 0
    const { ipc, kioskFrame } = setUp({ afterSignOut: async () => void cleared++ })
    await ipc.invoke(channelOf('signOut'), new FakeFrame(APP_PAGE), {})
    await ipc.invoke(channelOf('signOut'), kioskFrame, { everything: true })
    expect(cleared).toBe(0)
  })

  it('keeps the sign-out when clearing storage fails, and logs the failure', async () => {
    const { ipc, kioskFrame, log } = setUp({
      afterSignOut: () => Promise.reject(new Error('clearStorageData failed')),
    })
    expect(await ipc.invoke(channelOf('signOut'), kioskFrame, {})).toEqual({ ok: true, value: {} })
    expect(log.entries.map((e) => e.level)).toContain('error')
  })

  it('removes every handler when unbound', () => {
    const { ipc, unbind } = setUp()
    unbind()
    expect(ipc.handlers.size).toBe(0)
  })
})

describe('createTrustedSenderCheck', () => {
  it('trusts only the window main frame, at the top, on an app:// page', () => {
    const main = new FakeFrame('app://guichet/index.html#/home')
    const check = createTrustedSenderCheck(() => main)
    expect(check(main)).toBe(true)
    expect(check(null)).toBe(false)
    expect(check(new FakeFrame(main.url))).toBe(false)
    main.parent = new FakeFrame(APP_PAGE)
    expect(check(main)).toBe(false)
  })

  it('recognises the main frame by process and frame token when Electron hands over another wrapper', () => {
    const main = new FakeFrame(APP_PAGE)
    const check = createTrustedSenderCheck(() => main)
    const sameFrame = Object.assign(new FakeFrame(APP_PAGE), { frameToken: main.frameToken })
    expect(check(sameFrame)).toBe(true)
    const otherProcess = Object.assign(new FakeFrame(APP_PAGE), {
      frameToken: main.frameToken,
      processId: 99,
    })
    expect(check(otherProcess)).toBe(false)
  })

  it('refuses a detached main frame', () => {
    const main = new FakeFrame(APP_PAGE)
    main.detached = true
    expect(createTrustedSenderCheck(() => main)(main)).toBe(false)
  })

  it('trusts nothing while there is no window', () => {
    const frame = new FakeFrame(APP_PAGE)
    expect(createTrustedSenderCheck<FakeFrame>(() => undefined)(frame)).toBe(false)
    expect(createTrustedSenderCheck<FakeFrame>(() => null)(frame)).toBe(false)
  })

  it('recognises app URLs by scheme and host only', () => {
    expect(isAppUrl('app://guichet/')).toBe(true)
    expect(isAppUrl('app://guichet/assets/index.js')).toBe(true)
    expect(isAppUrl('app://guichet.evil/')).toBe(false)
    expect(isAppUrl('app://user@guichet:8080/')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })
})

describe('createEventForwarder', () => {
  it('sends contract events on their channel to the live window', () => {
    const sent: [string, unknown][] = []
    const target = {
      isDestroyed: () => false,
      send: (c: string, p: unknown) => void sent.push([c, p]),
    }
    const emit = createEventForwarder(() => target, recordingLogger())
    emit('keyStatus', { status: 'touch' })
    expect(sent).toEqual([[eventChannelOf('keyStatus'), { status: 'touch' }]])
  })

  it('drops events when the window is gone or destroyed', () => {
    const sent: unknown[] = []
    const destroyed = {
      isDestroyed: () => true,
      send: (_c: string, p: unknown) => void sent.push(p),
    }
    createEventForwarder(() => destroyed, recordingLogger())('keyStatus', { status: 'processing' })
    createEventForwarder(() => undefined, recordingLogger())('keyStatus', { status: 'processing' })
    expect(sent).toEqual([])
  })

  it('drops and logs an event name that is not in the contract', () => {
    const sent: unknown[] = []
    const log = recordingLogger()
    const target = { isDestroyed: () => false, send: (_c: string, p: unknown) => void sent.push(p) }
    const emit = createEventForwarder(() => target, log) as (
      event: string,
      payload: unknown,
    ) => void
    emit('openExternal', { url: 'https://evil.example' })
    expect(sent).toEqual([])
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn' }))
  })
})
