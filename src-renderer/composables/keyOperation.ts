/** One security-key operation at a time: the touch, its status, « Annuler ». */

import { onBeforeUnmount, ref } from 'vue'
import type { Unsubscribe } from '../../src-main/contract/bridge'
import type { Result } from '../../src-main/contract/errors'
import type { EventPayload } from '../../src-main/contract/methods'
import { useStore } from '../injection'

export type KeyStatus = EventPayload<'keyStatus'>['status']

/**
 * One security-key call at a time for a screen: while it runs, `waiting` is true
 * and `status` follows main's `keyStatus` events (« Touchez votre clé de sécurité »
 * until told otherwise). `cancel` is « Annuler »: main stops the operation and the
 * pending call answers FIDO_CANCELLED, which `run` turns into null (nothing to
 * show, the screen goes back to where it was). Flow-ending errors are the store's.
 */
export function useKeyOperation() {
  const store = useStore()
  const waiting = ref(false)
  const status = ref<KeyStatus>('touch')
  let cancelled = false
  let unsubscribe: Unsubscribe | null = null

  function stopListening(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  /** `initial`: what is shown until main reports (« Vérification… » for a call without a touch). */
  async function run<T>(
    call: () => Promise<Result<T>>,
    initial?: KeyStatus,
  ): Promise<Result<T> | null> {
    if (waiting.value) return null
    waiting.value = true
    cancelled = false
    // until main says otherwise: what the call asked for, else Windows' own window, or the
    // key to touch
    status.value = initial ?? (store.platformTakesPin.value ? 'platform' : 'touch')
    store.state.keyOperation = true
    unsubscribe = store.bridge.on('keyStatus', (payload) => {
      status.value = payload.status
    })
    let result: Result<T>
    try {
      result = await call()
    } finally {
      stopListening()
      waiting.value = false
      store.state.keyOperation = false
    }
    if (!result.ok && result.error.code === 'FIDO_CANCELLED') return null
    // « Annuler » won the race against an answer: the clerk asked to stop.
    if (cancelled && !result.ok) return null
    return store.settle(result)
  }

  async function cancel(): Promise<void> {
    if (!waiting.value || cancelled) return
    cancelled = true
    await store.bridge.cancelKeyOperation({})
  }

  onBeforeUnmount(stopListening)

  return { waiting, status, run, cancel }
}
