// The typed client: the preload's Bridge when there is one, otherwise HTTP to the
// web host with no credential of its own (the door's HttpOnly cookie), the Result envelope (also on 4xx), network
// failures as SERVICE_UNAVAILABLE, and events over one EventSource.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { createBridge, createHttpBridge } from '../../../src-renderer/api'
import { FakeBridge } from './fakeBridge'

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

class FakeEventSource {
  static opened: FakeEventSource[] = []
  listeners = new Map<string, Set<(event: MessageEvent<string>) => void>>()
  closed = false
  constructor(public url: string) {
    FakeEventSource.opened.push(this)
  }
  addEventListener(name: string, listener: (event: MessageEvent<string>) => void): void {
    const set = this.listeners.get(name) ?? new Set()
    set.add(listener)
    this.listeners.set(name, set)
  }
  removeEventListener(name: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.get(name)?.delete(listener)
  }
  close(): void {
    this.closed = true
  }
  dispatch(name: string, data: string): void {
    for (const listener of this.listeners.get(name) ?? []) {
      listener(new MessageEvent(name, { data }))
    }
  }
}

describe('HTTP bridge (web host)', () => {
  afterEach(() => {
    document.head.innerHTML = ''
    FakeEventSource.opened = []
  })

  it('POSTs /api/<method> with a JSON body and no secret of its own, and returns the value', async () => {
    const fetch = vi.fn(async () => jsonResponse({ ok: true, value: { factor: 'email' } }))
    const bridge = createHttpBridge({ fetch })
    const result = await bridge.signIn({ email: 'agnes@mairie.fr', password: 'pw' })
    expect(result).toEqual({ ok: true, value: { factor: 'email' } })
    expect(fetch).toHaveBeenCalledTimes(1)
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('/api/signIn')
    expect(init.method).toBe('POST')
    expect([...new Headers(init.headers).keys()]).toEqual(['content-type'])
    expect(init.credentials).toBe('same-origin')
    expect(new Headers(init.headers).get('content-type')).toBe('application/json')
    expect(JSON.parse(init.body as string)).toEqual({ email: 'agnes@mairie.fr', password: 'pw' })
  })

  it('returns the error envelope of a 4xx answer as is', async () => {
    const error = { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: 60 } }
    const fetch = vi.fn(async () => jsonResponse({ ok: false, error }, 429))
    const bridge = createHttpBridge({ fetch })
    expect(await bridge.verifyCode({ code: '123456' })).toEqual({ ok: false, error })
  })

  it('turns a network failure into SERVICE_UNAVAILABLE', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    const bridge = createHttpBridge({ fetch })
    expect(await bridge.getStatus({})).toEqual({
      ok: false,
      error: { code: 'SERVICE_UNAVAILABLE' },
    })
  })

  it('turns an answer that is not the envelope into a sentence-able error', async () => {
    const html = vi.fn(async () => new Response('<html>Bad gateway</html>', { status: 502 }))
    expect(await createHttpBridge({ fetch: html }).getStatus({})).toEqual({
      ok: false,
      error: { code: 'SERVICE_UNAVAILABLE' },
    })
    const odd = vi.fn(async () => jsonResponse({ hello: 'world' }))
    expect(await createHttpBridge({ fetch: odd }).getStatus({})).toEqual({
      ok: false,
      error: { code: 'INTERNAL' },
    })
  })

  it('has every contract method', () => {
    const bridge = createHttpBridge({ fetch: vi.fn() })
    const methods = Object.keys(new FakeBridge()).filter(
      (key) => typeof (new FakeBridge() as unknown as Record<string, unknown>)[key] === 'function',
    )
    expect(methods.length).toBeGreaterThanOrEqual(12)
    for (const method of methods) {
      expect(typeof (bridge as unknown as Record<string, unknown>)[method], method).toBe('function')
    }
  })

  it('subscribes to events over one EventSource (no secret in its URL), and closes it after the last listener', () => {
    const bridge = createHttpBridge({
      fetch: vi.fn(),
      createEventSource: (url) => new FakeEventSource(url) as unknown as EventSource,
    })
    const seen: string[] = []
    const stopA = bridge.on('keyStatus', (payload) => seen.push(`a:${payload.status}`))
    const stopB = bridge.on('keyStatus', (payload) => seen.push(`b:${payload.status}`))
    expect(FakeEventSource.opened).toHaveLength(1)
    const source = FakeEventSource.opened[0]!
    expect(source.url).toBe('/api/events')
    source.dispatch('keyStatus', JSON.stringify({ status: 'touch' }))
    source.dispatch('keyStatus', 'not json')
    expect(seen).toEqual(['a:touch', 'b:touch'])
    stopA()
    stopA()
    expect(source.closed).toBe(false)
    stopB()
    expect(source.closed).toBe(true)
  })
})

describe('createBridge', () => {
  afterEach(() => {
    delete window.guichet
  })

  it('uses the Electron preload bridge when there is one', () => {
    const preload = new FakeBridge()
    window.guichet = preload
    expect(createBridge()).toBe(preload)
  })

  it('falls back to HTTP in a browser', async () => {
    const fetch = vi.fn(async () => jsonResponse({ ok: true, value: {} }))
    vi.stubGlobal('fetch', fetch)
    try {
      const bridge = createBridge()
      expect(await bridge.signOut({})).toEqual({ ok: true, value: {} })
      expect(fetch).toHaveBeenCalledWith(
        '/api/signOut',
        expect.objectContaining({ method: 'POST' }),
      )
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
