// Handlers, preload and contract list the same methods and events.

import { describe, expect, it } from 'vitest'

import { events, METHOD_NAMES, methods } from '../../../src-main/contract/methods'
import { createHandlers } from '../../../src-main/shell/ipc'
import { SHELL_EVENT_NAMES, SHELL_METHOD_NAMES } from '../../../src-main/shell/method-list'
import { createBridge, type IpcRendererLike } from '../../../src-main/shell/preload-bridge'
import { fakeApi, recordingLogger } from './stand-ins'

const inertIpc: IpcRendererLike = {
  invoke: () => Promise.resolve(undefined),
  on: () => undefined,
  removeListener: () => undefined,
}

describe('contract coverage', () => {
  const contractMethods = [...METHOD_NAMES].sort()

  it('the preload method list is the contract method list', () => {
    expect([...SHELL_METHOD_NAMES].sort()).toEqual(contractMethods)
    expect(SHELL_METHOD_NAMES).toHaveLength(Object.keys(methods).length)
  })

  it('the IPC handler table has exactly the contract methods', () => {
    const handlers = createHandlers(fakeApi().api, { log: recordingLogger() })
    expect(Object.keys(handlers).sort()).toEqual(contractMethods)
  })

  it('window.guichet has exactly the contract methods, plus `on` for events', () => {
    const bridge = createBridge(inertIpc)
    expect(Object.keys(bridge).sort()).toEqual([...contractMethods, 'on'].sort())
    for (const key of Object.keys(bridge))
      expect(typeof (bridge as Record<string, unknown>)[key]).toBe('function')
  })

  it('the preload event list is the contract event list', () => {
    expect([...SHELL_EVENT_NAMES].sort()).toEqual(Object.keys(events).sort())
  })
})
