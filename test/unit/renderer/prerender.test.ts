// The sign-in screen pre-rendered at build time (src-renderer/prerender): what
// the kiosk renders for a signed-out kiosk, taken over by Vue when getStatus
// agrees (the same nodes, no mismatch), what a clerk typed or clicked before
// the takeover kept, and a fresh render when getStatus says another screen.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startApp } from '../../../src-renderer/app'
import { renderFirstScreen } from '../../../src-renderer/prerender/render'
import { holdEarlyInput } from '../../../src-renderer/prerender/takeover'
import { preloadScreens } from '../../../src-renderer/screens/lazy'
import { askFirstStatus } from '../../../src-renderer/state/firstStatus'
import { FakeBridge } from './fakeBridge'
import { m, settle } from './helpers'

const fr = m('fr')

function prerendered(html: string): HTMLElement {
  const container = document.createElement('div')
  container.id = 'app'
  container.setAttribute('data-prerendered', '')
  container.innerHTML = html
  document.body.append(container)
  return container
}

function buttonNamed(container: HTMLElement, name: string): HTMLButtonElement {
  const found = [...container.querySelectorAll('button')].find(
    (b) => b.textContent?.trim() === name,
  )
  if (!found) throw new Error(`no button « ${name} »`)
  return found
}

function input(container: HTMLElement, label: string): HTMLInputElement {
  const l = [...container.querySelectorAll('label')].find((x) => x.textContent?.trim() === label)
  const el = l && container.querySelector<HTMLInputElement>(`#${l.htmlFor}`)
  if (!el) throw new Error(`no field « ${label} »`)
  return el
}

let html: string
beforeEach(async () => {
  html ??= await renderFirstScreen()
  vi.stubGlobal('requestIdleCallback', () => 0)
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

describe('the pre-rendered first screen', () => {
  it('is the sign-in screen, rendered by the kiosk itself', () => {
    const container = prerendered(html)
    expect(container.querySelector('h1')?.textContent?.trim()).toBe(fr.signIn.title)
    expect(input(container, fr.signIn.email).type).toBe('email')
    expect(input(container, fr.signIn.password).type).toBe('password')
    expect(buttonNamed(container, fr.signIn.submit).disabled).toBe(false)
  })

  it('is taken over by Vue when getStatus agrees: the same nodes, no mismatch, and it works', async () => {
    const errors = vi.spyOn(console, 'error')
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const container = prerendered(html)
    const submit = buttonNamed(container, fr.signIn.submit)
    const email = input(container, fr.signIn.email)
    await startApp(bridge, askFirstStatus(bridge), holdEarlyInput(container), container)
    await settle()
    expect(buttonNamed(container, fr.signIn.submit)).toBe(submit)
    expect(input(container, fr.signIn.email)).toBe(email)
    expect(errors).not.toHaveBeenCalled()
    email.value = 'agnes@mairie.fr'
    email.dispatchEvent(new Event('input'))
    const password = input(container, fr.signIn.password)
    password.value = 'correct horse battery'
    password.dispatchEvent(new Event('input'))
    submit.click()
    await settle()
    expect(bridge.callsOf('signIn')).toEqual([
      { email: 'agnes@mairie.fr', password: 'correct horse battery' },
    ])
  })

  it('keeps what was typed before the takeover, and replays the click on « Se connecter »', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const container = prerendered(html)
    const early = holdEarlyInput(container)
    input(container, fr.signIn.email).value = 'agnes@mairie.fr'
    input(container, fr.signIn.password).value = 'correct horse battery'
    input(container, fr.signIn.password).focus()
    buttonNamed(container, fr.signIn.submit).click()
    expect(bridge.callsOf('signIn')).toEqual([])
    await startApp(bridge, askFirstStatus(bridge), early, container)
    await settle()
    expect(bridge.callsOf('signIn')).toEqual([
      { email: 'agnes@mairie.fr', password: 'correct horse battery' },
    ])
  })

  it('is replaced by a fresh render when getStatus says another screen (first start)', async () => {
    await preloadScreens()
    const bridge = new FakeBridge() // no account: first start
    const container = prerendered(html)
    const before = container.querySelector('h1')
    await startApp(bridge, askFirstStatus(bridge), holdEarlyInput(container), container)
    await settle()
    expect(container.querySelector('h1')).not.toBe(before)
    expect(container.querySelector('h1')?.textContent?.trim()).toBe(fr.firstStart.title)
    expect(
      [...container.querySelectorAll('button')].map((b) => b.textContent?.trim()),
    ).not.toContain(fr.signIn.submit)
  })
})
