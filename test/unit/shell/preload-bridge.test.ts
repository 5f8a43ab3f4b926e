import { describe, expect, it } from 'vitest'

import { channelOf, eventChannelOf } from '../../../src-main/contract/bridge'
import { createBridge, type IpcRendererLike } from '../../../src-main/shell/preload-bridge'

type Relay = (event: unknown, ...args: unknown[]) => void

class FakeIpcRenderer implements IpcRendererLike {
  readonly invoked: unknown[][] = []
  readonly listeners = new Map<string, Set<Relay>>()

  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push([channel, ...args])
    return Promise.resolve({ ok: true, value: { channel } })
  }

  on(channel: string, listener: Relay): this {
    const set = this.listeners.get(channel) ?? new Set()
    set.add(listener)
    this.listeners.set(channel, set)
    return this
  }

  removeListener(channel: string, listener: Relay): this {
    this.listeners.get(channel)?.delete(listener)
    return this
  }

  /** What main's webContents.send would deliver: an IPC event carrying `sender`. */
  deliver(channel: string, payload: unknown): void {
    for (const listener of this.listeners.get(channel) ?? []) listener({ sender: this }, payload)
  }
}

describe('createBridge (window.guichet)', () => {
  it('calls each method with ipcRenderer.invoke on its channel, with exactly one argument', async () => {
    const ipc = new FakeIpcRenderer()
    const bridge = createBridge(ipc)
    const result = await bridge.verifyCode({ code: '123456' })
    expect(result).toEqual({ ok: true, value: { channel: channelOf('verifyCode') } })
    await bridge.getStatus({})
    expect(ipc.invoked).toEqual([
      [channelOf('verifyCode'), { code: '123456' }],
      [channelOf('getStatus'), {}],
    ])
  })

  it('relays event payloads, never the IPC event (it holds ipcRenderer)', () => {
    const ipc = new FakeIpcRenderer()
    const received: unknown[][] = []
    createBridge(ipc).on('keyStatus', (...args: unknown[]) => void received.push(args))
    ipc.deliver(eventChannelOf('keyStatus'), { status: 'touch' })
    expect(received).toEqual([[{ status: 'touch' }]])
  })

  it('stops relaying after unsubscribing', () => {
    const ipc = new FakeIpcRenderer()
    const received: unknown[] = []
    const unsubscribe = createBridge(ipc).on('keyStatus', (p) => void received.push(p))
    unsubscribe()
    ipc.deliver(eventChannelOf('keyStatus'), { status: 'processing' })
    expect(received).toEqual([])
    expect(ipc.listeners.get(eventChannelOf('keyStatus'))?.size).toBe(0)
  })

  it('refuses to subscribe to a channel that is not a contract event', () => {
    const ipc = new FakeIpcRenderer()
    const on = createBridge(ipc).on as (event: string, listener: () => void) => unknown
    expect(() => on('guichet:signIn', () => undefined)).toThrow(TypeError)
    expect(() => on('__proto__', () => undefined)).toThrow(TypeError)
    expect(ipc.listeners.size).toBe(0)
  })

  it('is frozen: the page cannot swap a method', () => {
    const bridge = createBridge(new FakeIpcRenderer())
    expect(Object.isFrozen(bridge)).toBe(true)
    expect(() => Object.assign(bridge, { signOut: () => undefined })).toThrow(TypeError)
  })
})
