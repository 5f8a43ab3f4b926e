// The sign-in screen pre-rendered at build time (src-renderer/prerender): what
// the kiosk renders for a signed-out kiosk, taken over by Vue when getStatus
// agrees (the same nodes, no mismatch), what a clerk typed or clicked before
// the takeover kept, and a fresh render when getStatus says another screen.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startApp } from '../../../src-renderer/app'
import { escapeHtml, fillIssuer, ISSUER_SLOT } from '../../../src-main/shell/first-screen'
import { renderFirstScreen } from '../../../src-renderer/prerender/render'
import { holdEarlyInput } from '../../../src-renderer/prerender/takeover'
import { preloadScreens } from '../../../src-renderer/screens/lazy'
import { askFirstStatus } from '../../../src-renderer/state/firstStatus'
import { FakeBridge } from './fakeBridge'
import { m, settle } from './helpers'

const fr = m('fr')

/** `#app` as the page has it: `issuerHtml` is the attribute's source text (escaped). */
function prerendered(html: string, issuerHtml = 'Guichet'): HTMLElement {
  document.body.innerHTML = `<div id="app" data-prerendered="${issuerHtml}"></div>`
  const container = document.getElementById('app')!
  container.innerHTML = html
  document.body.append(container)
  return container
}

/** What a host serves under `issuer`: the build's slotted page, filled in. */
async function servedFor(issuer: string): Promise<HTMLElement> {
  const page = `<div id="app" data-prerendered="${ISSUER_SLOT}">${await renderFirstScreen(ISSUER_SLOT)}</div>`
  document.body.innerHTML = fillIssuer(page, issuer)
  return document.getElementById('app')!
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

  it('served under another issuer (the hosts fill the slotted page in), is taken over when getStatus says that issuer', async () => {
    const errors = vi.spyOn(console, 'error')
    const warnings = vi.spyOn(console, 'warn')
    const issuer = 'Mairie d’Yvré & <Cie> "$&"'
    const bridge = new FakeBridge()
    bridge.issuer = issuer
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const container = await servedFor(issuer)
    expect(container.querySelector('.brand__issuer')?.textContent).toBe(issuer)
    expect(container.getAttribute('data-prerendered')).toBe(issuer)
    const submit = buttonNamed(container, fr.signIn.submit)
    await startApp(bridge, askFirstStatus(bridge), holdEarlyInput(container), container)
    await settle()
    expect(buttonNamed(container, fr.signIn.submit), 'the same nodes: hydrated').toBe(submit)
    expect(container.querySelector('.brand__issuer')?.textContent).toBe(issuer)
    expect(errors).not.toHaveBeenCalled()
    expect(warnings).not.toHaveBeenCalled()
    // it is the page Vue would have rendered for that issuer, to the character
    expect((await servedFor(issuer)).outerHTML.replace(/ data-prerendered="[^"]*"/, '')).toBe(
      prerendered(await renderFirstScreen(issuer), escapeHtml(issuer)).outerHTML.replace(
        / data-prerendered="[^"]*"/,
        '',
      ),
    )
  })

  it('is rendered afresh when getStatus says another issuer than the one it shows', async () => {
    const bridge = new FakeBridge()
    bridge.issuer = 'Mairie de Lyon'
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const container = prerendered(html) // built for « Guichet »
    const before = buttonNamed(container, fr.signIn.submit)
    await startApp(bridge, askFirstStatus(bridge), holdEarlyInput(container), container)
    await settle()
    expect(buttonNamed(container, fr.signIn.submit)).not.toBe(before)
    expect(container.querySelector('.brand__issuer')?.textContent).toBe('Mairie de Lyon')
  })
})
