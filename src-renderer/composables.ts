// Small shared behaviours of the screens.

import { onBeforeUnmount, onMounted } from 'vue'
import { useStore } from './injection'

/** Escape does the screen's « Retour », unless a dialog or the idle warning has it. */
export function useEscape(action: () => void): void {
  const store = useStore()
  function onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || event.defaultPrevented || store.state.idleWarning) return
    event.preventDefault()
    action()
  }
  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
}
