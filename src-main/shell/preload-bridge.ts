/**
 * Builds `window.guichet` for the preload: the contract's methods, each one an
 * IPC invoke on its channel, and `on` for main → renderer events. The renderer
 * never sees the IPC object, an IPC event object or a channel name. Imports
 * stay type-only or free of schema libraries: this is bundled into the
 * sandboxed preload (whose bundle keeps this comment: it names no module).
 */

import { channelOf, eventChannelOf, type Bridge, type Unsubscribe } from '../contract/bridge'
import type { Client } from '../contract/dispatch'
import type { EventName, EventPayload } from '../contract/methods'
import { isShellEventName, SHELL_METHOD_NAMES } from './method-list'

/** What the bridge uses of `ipcRenderer`. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown
}

export function createBridge(ipc: IpcRendererLike): Bridge {
  const methods: Record<string, (input?: unknown) => Promise<unknown>> = {}
  for (const method of SHELL_METHOD_NAMES) {
    const channel = channelOf(method)
    // One argument, always: the handler refuses calls with more.
    methods[method] = (input?: unknown) => ipc.invoke(channel, input)
  }
  const on = <E extends EventName>(
    event: E,
    listener: (payload: EventPayload<E>) => void,
  ): Unsubscribe => {
    if (!isShellEventName(event)) throw new TypeError(`Unknown event: ${String(event)}`)
    if (typeof listener !== 'function') throw new TypeError('The listener must be a function.')
    const channel = eventChannelOf(event)
    // The IPC event carries `sender` (ipcRenderer itself): never hand it over.
    const relay = (_event: unknown, payload: unknown): void => {
      listener(payload as EventPayload<E>)
    }
    ipc.on(channel, relay)
    return () => {
      ipc.removeListener(channel, relay)
    }
  }
  return Object.freeze({ ...(methods as Client), on })
}
