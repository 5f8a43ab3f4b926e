/** « Ajouter une application »: a new enrollment, then its QR code. */

import { ref } from 'vue'
import type { ContractError } from '../../src-main/contract/errors'
import { useStore } from '../injection'
import type { StepUp } from './stepUp'

/**
 * Starts adding an app (with the step-up first when the engine asks for one)
 * and goes to its QR code; `error` is what to show when it cannot start.
 */
export function useAddApp(stepUp: StepUp) {
  const store = useStore()
  const error = ref<ContractError | null>(null)
  const busy = ref(false)

  async function addApp(): Promise<void> {
    if (busy.value) return
    busy.value = true
    error.value = null
    const result = await stepUp.run('addApp', async () =>
      store.settle(await store.bridge.beginAppEnrollment({})),
    )
    busy.value = false
    if (!result) return
    if (result.ok) store.go({ name: 'addApp', enrollment: result.value })
    else error.value = result.error
  }

  return { error, addApp }
}
