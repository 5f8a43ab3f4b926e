// Sign-out resets every piece of renderer state: nothing of clerk A (name, address,
// inputs, QR, key, factors, language, screens) remains for clerk B.

import { afterEach, describe, expect, it } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { FakeBridge } from './fakeBridge'
import {
  button,
  field,
  fill,
  heading,
  m,
  mountKiosk,
  press,
  settle,
  signInByEmail,
  type,
} from './helpers'

const CLERK_A = [
  'Agnès Martin',
  'agnes@mairie.fr',
  'a•••@mairie.fr',
  'JBSW',
  'Y3DP',
  '24681',
  'Pixel de Agnès',
]

function expectNothingOfA(wrapper: VueWrapper): void {
  const html = wrapper.html()
  for (const trace of CLERK_A) expect(html).not.toContain(trace)
  expect(document.body.innerHTML).not.toContain('Agnès')
  for (const input of wrapper.findAll<HTMLInputElement>('input')) {
    expect(input.element.value).toBe('')
  }
  expect(document.title).not.toContain('Agnès')
}

describe('sign-out between two clerks', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('leaves nothing of clerk A for clerk B', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    bridge.addAccount({
      email: 'bruno@mairie.fr',
      name: 'Bruno Petit',
      password: 'bruno passphrase ok',
      secretGroups: ['KRSX', 'G5DF', 'MNQW', 'Y2LO'],
    })
    const wrapper = await mountKiosk(bridge)
    const firstGeneration = wrapper.findComponent({ name: 'ClerkApp' }).vm

    // Clerk A switches to English, signs in, opens the QR screen and types half a code.
    await button(wrapper, 'English').trigger('click')
    const en = m('en')
    await signInByEmail(wrapper, 'en', 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, en.home.factors).trigger('click')
    await settle()
    await button(wrapper, en.factors.addApp).trigger('click')
    await settle()
    expect(wrapper.find('img').exists()).toBe(true)
    expect(wrapper.text()).toContain('JBSW')
    await type(field(wrapper, en.addApp.code), '24681')
    await type(field(wrapper, en.addApp.deviceName), 'Pixel de Agnès')
    await press(window, 'Escape')
    await button(wrapper, en.common.backHome).trigger('click')
    await button(wrapper, en.home.signOut).trigger('click')
    await settle()

    // A fresh clerk tree: another component instance, the kiosk language, empty fields.
    expect(wrapper.findComponent({ name: 'ClerkApp' }).vm).not.toBe(firstGeneration)
    const fr = m('fr')
    expect(document.documentElement.lang).toBe('fr')
    expect(heading(wrapper)).toBe(fr.signIn.title)
    expectNothingOfA(wrapper)
    // No way back to A's screens: Escape on the sign-in screen goes nowhere.
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(fr.signIn.title)

    // Clerk B signs in and sees only their own things.
    await type(field(wrapper, fr.signIn.email), 'bruno@mairie.fr')
    await type(field(wrapper, fr.signIn.password), 'bruno passphrase ok')
    await button(wrapper, fr.signIn.submit).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('b•••@mairie.fr')
    expectNothingOfA(wrapper)
    await type(field(wrapper, fr.code.label), '123456')
    await button(wrapper, fr.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(fr.home.title, { name: 'Bruno Petit' }))
    await button(wrapper, fr.home.factors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('bruno@mairie.fr')
    await button(wrapper, fr.factors.addApp).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('KRSX')
    expectNothingOfA(wrapper)
  })

  it('closes a session that is still open after the sign-out before showing anything', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    // The first sign-out does not reach the engine: the renderer forgets anyway, and
    // the next generation closes the session it still finds.
    bridge.failNext('signOut', 'SERVICE_UNAVAILABLE')
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(2)
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expectNothingOfA(wrapper)
  })

  it('never shows a session it cannot close', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    bridge.failNext('signOut', 'SERVICE_UNAVAILABLE')
    bridge.failNext('signOut', 'SERVICE_UNAVAILABLE')
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(m('fr').unavailable.title)
    expect(wrapper.find('[role="alert"]').text()).toBe(m('fr').errors.SERVICE_UNAVAILABLE)
    expectNothingOfA(wrapper)
    // « Réessayer » tries again to close it, and only then shows sign-in.
    await button(wrapper, m('fr').common.retry).trigger('click')
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(3)
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
  })
})

describe('language after a sign-out', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('goes back to the kiosk language even when the next getStatus fails', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, 'English').trigger('click')
    await signInByEmail(wrapper, 'en', 'agnes@mairie.fr', 'correct horse battery')
    bridge.failNext('getStatus', 'SERVICE_UNAVAILABLE')
    await button(wrapper, m('en').home.signOut).trigger('click')
    await settle()
    expect(document.documentElement.lang).toBe('fr')
    expect(heading(wrapper)).toBe(m('fr').unavailable.title)
  })
})
