/** Escape, the keyboard's « Retour » or « Annuler ». */

import { onBeforeUnmount, onMounted } from 'vue'
import { useStore } from '../injection'

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
