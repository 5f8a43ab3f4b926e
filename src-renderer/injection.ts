// Dependencies reach components by provide/inject, so tests pass a fake Bridge.

import { inject, type InjectionKey, type Ref } from 'vue'
import type { Bridge } from '../src-main/contract/bridge'
import type { FirstStatusRequest } from './state/firstStatus'
import type { ClerkStore } from './state/store'

export const BRIDGE: InjectionKey<Bridge> = Symbol('guichet-bridge')
export const STORE: InjectionKey<ClerkStore> = Symbol('guichet-clerk-store')
/** The getStatus that main.ts asked before mounting, for the first clerk tree. */
export const FIRST_STATUS: InjectionKey<FirstStatusRequest> = Symbol('guichet-first-status')
/** One ticking clock per clerk tree (epoch ms), shared by every countdown. */
export const NOW: InjectionKey<Readonly<Ref<number>>> = Symbol('guichet-now')

export function useBridge(): Bridge {
  const bridge = inject(BRIDGE)
  if (!bridge) throw new Error('No Bridge provided')
  return bridge
}

export function useStore(): ClerkStore {
  const store = inject(STORE)
  if (!store) throw new Error('No clerk store provided')
  return store
}

export function useNow(): Readonly<Ref<number>> {
  const now = inject(NOW)
  if (!now) throw new Error('No clock provided')
  return now
}
