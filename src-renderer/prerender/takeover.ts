// The page's side of the pre-rendered first screen (prerender/render.ts). From
// the moment main.ts runs until Vue has taken the markup over, what a clerk does
// on it is held: clicks are stopped and the last button clicked is clicked again
// once the screen works; what was typed, and the focus, are put back after the
// hydration (which sets every input to its model, and focuses the screen's title).

export interface EarlyInput {
  /** Just before the hydration: what is typed in the fields, and where the focus is. */
  snapshot(): void
  /** Just after: puts the typing and the focus back, and replays the last click held. */
  release(): void
}

type Field = HTMLInputElement | HTMLTextAreaElement

export function holdEarlyInput(container: HTMLElement): EarlyInput {
  let clicked: HTMLElement | null = null
  const hold = (event: Event): void => {
    event.preventDefault()
    event.stopImmediatePropagation()
    if (event.type !== 'click') return
    const target = event.target instanceof Element ? event.target.closest('button') : null
    if (target) clicked = target
  }
  container.addEventListener('click', hold, true)
  container.addEventListener('submit', hold, true)
  let typed: [Field, string][] = []
  let focused: Element | null = null
  return {
    snapshot() {
      const fields = container.querySelectorAll<Field>('input, textarea')
      typed = [...fields].map((field) => [field, field.value])
      focused = container.contains(document.activeElement) ? document.activeElement : null
    },
    release() {
      container.removeEventListener('click', hold, true)
      container.removeEventListener('submit', hold, true)
      for (const [field, text] of typed) {
        if (!field.isConnected || field.value === text) continue
        field.value = text
        field.dispatchEvent(new Event('input', { bubbles: true }))
      }
      if (focused instanceof HTMLElement && focused.isConnected) focused.focus()
      if (clicked?.isConnected) clicked.click()
    },
  }
}
