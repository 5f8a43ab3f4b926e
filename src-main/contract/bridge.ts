/**
 * What the renderer sees as `window.guichet`: the contract's methods, plus one
 * subscription function for main → renderer events. The Electron preload and
 * the web host's HTTP client both produce exactly this shape.
 */

import type { Client } from './dispatch'
import type { EventName, EventPayload } from './methods'

export type Unsubscribe = () => void

export type Bridge = Client & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe
}

/** IPC channel of a contract method (Electron). */
export function channelOf(method: string): string {
  return `guichet:${method}`
}

/** IPC channel of a main → renderer event (Electron). */
export function eventChannelOf(event: string): string {
  return `guichet-event:${event}`
}
