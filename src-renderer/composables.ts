// Small shared behaviours of the screens.

import { onBeforeUnmount, onMounted, ref } from 'vue'
import type { Unsubscribe } from '../src-main/contract/bridge'
import type { ContractError, Result } from '../src-main/contract/errors'
import type { EventPayload } from '../src-main/contract/methods'
import { useStore } from './injection'

/**
 * Escape does the screen's « Retour », unless a dialog or the idle warning has it,
 * or `enabled` says another part of the screen (the step-up) has it now.
 */
export function useEscape(action: () => void, enabled: () => boolean = () => true): void {
  const store = useStore()
  function onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || event.defaultPrevented || store.state.idleWarning) return
    if (!enabled()) return
    event.preventDefault()
    action()
  }
  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
}

export type KeyStatus = EventPayload<'keyStatus'>['status']

/** The PIN errors that lead to the « Code PIN de la clé » entry. */
const PIN_ENTRY: ReadonlySet<string> = new Set([
  'FIDO_PIN_REQUIRED',
  'FIDO_PIN_INVALID',
  'FIDO_PIN_AUTH_BLOCKED',
])

/** The key's PIN is asked for (or was wrong): show the PIN entry. */
export function needsPin(error: ContractError): boolean {
  return PIN_ENTRY.has(error.code)
}

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

  async function run<T>(call: () => Promise<Result<T>>): Promise<Result<T> | null> {
    if (waiting.value) return null
    waiting.value = true
    cancelled = false
    status.value = 'touch'
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

/**
 * Step-up around a sensitive call. `run` makes the call; when it answers
 * STEP_UP_REQUIRED, `active` turns true (the screen shows « Confirmez votre
 * identité » in place of its content, keeping its own state), and once the clerk
 * has confirmed (`confirmed`), the same call is made again, so the clerk's action
 * goes through without being redone. `cancelled` (« Annuler ») gives null: the
 * screen is back as it was. A screen that goes (sign-out) cancels it too.
 */
export function useStepUp() {
  const active = ref(false)
  let settle: ((confirmed: boolean) => void) | null = null

  async function run<T>(call: () => Promise<Result<T> | null>): Promise<Result<T> | null> {
    const first = await call()
    if (!first || first.ok || first.error.code !== 'STEP_UP_REQUIRED') return first
    const confirmed = await new Promise<boolean>((resolve) => {
      settle = resolve
      active.value = true
    })
    active.value = false
    return confirmed ? call() : null
  }

  function finish(confirmed: boolean): void {
    const resolve = settle
    settle = null
    resolve?.(confirmed)
  }

  onBeforeUnmount(() => finish(false))

  return {
    active,
    run,
    confirmed: () => finish(true),
    cancelled: () => finish(false),
  }
}
