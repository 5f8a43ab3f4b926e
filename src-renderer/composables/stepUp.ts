/** Step-up: a sensitive call that asks the clerk to confirm who they are first. */

import { onBeforeUnmount, ref } from 'vue'
import type { Result } from '../../src-main/contract/errors'

/** The changes a step-up protects, said on « Confirmez votre identité ». */
export type StepUpAction =
  | 'addApp'
  | 'replaceApp'
  | 'removeApp'
  | 'addKey'
  | 'removeKey'
  | 'newRecoveryCodes'
  | 'changePassword'
  | 'changeAddress'

/**
 * Step-up around a sensitive call. `run` makes the call; when it answers
 * STEP_UP_REQUIRED, `active` turns true (the screen shows « Confirmez votre
 * identité » in place of its content, keeping its own state), and once the clerk
 * has confirmed (`confirmed`), the same call is made again, so the clerk's action
 * goes through without being redone; `action` says which change it protects.
 * `cancelled` (« Annuler ») gives null: the
 * screen is back as it was. A screen that goes (sign-out) cancels it too.
 */
export function useStepUp() {
  const active = ref(false)
  const action = ref<StepUpAction | null>(null)
  let settle: ((confirmed: boolean) => void) | null = null

  async function run<T>(
    protects: StepUpAction,
    call: () => Promise<Result<T> | null>,
  ): Promise<Result<T> | null> {
    const first = await call()
    if (!first || first.ok || first.error.code !== 'STEP_UP_REQUIRED') return first
    action.value = protects
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
    action,
    run,
    confirmed: () => finish(true),
    cancelled: () => finish(false),
  }
}

export type StepUp = ReturnType<typeof useStepUp>
