// 3 and 7. Home with the menu, « Mon compte », « Changer mon adresse de connexion »,
// « Se déconnecter », and the policy screen « Sécurisez votre compte ».

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  alerts,
  button,
  field,
  fill,
  heading,
  m,
  mountKiosk,
  press,
  settle,
  signInByEmail,
  statuses,
} from './helpers'

describe.each(LOCALES)('home and account (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('greets the clerk by name with the menu in a navigation landmark', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(document.activeElement).toBe(wrapper.find('h1').element)
    const nav = wrapper.find('nav')
    expect(nav.attributes('aria-label')).toBe(t.home.menu)
    expect(nav.findAll('button').map((item) => item.text())).toEqual([
      t.home.account,
      t.home.factors,
      t.home.changeAddress,
      t.home.signOut,
    ])
    // The language switch stays for the whole visit.
    expect(
      button(wrapper, locale === 'fr' ? 'Français' : 'English').attributes('aria-pressed'),
    ).toBe('true')
  })

  it('shows « Mon compte » with the name and the address, and goes back with Escape', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, t.home.account).trigger('click')
    expect(heading(wrapper)).toBe(t.account.title)
    const rows = wrapper
      .findAll('.details__row')
      .map((row) => [row.find('dt').text(), row.find('dd').text()])
    expect(rows).toEqual([
      [t.account.name, 'Agnès Martin'],
      [t.account.email, 'agnes@mairie.fr'],
    ])
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('shows the current address and the form for a new one, and goes back home', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, t.home.changeAddress).trigger('click')
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    expect(wrapper.text()).toContain('agnes@mairie.fr')
    expect(wrapper.text()).toContain(t.changeAddress.intro)
    expect(document.activeElement).toBe(field(wrapper, t.changeAddress.newEmail).element)
    button(wrapper, t.changeAddress.send)
    await button(wrapper, t.common.backHome).trigger('click')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('signs out with « Se déconnecter » and says the kiosk is ready for the next person', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, t.home.signOut).trigger('click')
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(statuses(wrapper)).toEqual([t.notices.signedOut])
    expect(wrapper.text()).not.toContain('Agnès')
  })

  it('names the clerk at top right on every signed-in screen, with the home menu under the name', async () => {
    const wrapper = await mountKiosk(bridge)
    const header = () => wrapper.find('header')
    const menuButton = () => header().find<HTMLButtonElement>('button[aria-haspopup="menu"]')
    expect(menuButton().exists()).toBe(false) // sign-in screen: nobody
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    expect(menuButton().text()).toContain('Agnès Martin') // home
    await button(wrapper, t.home.account).trigger('click')
    expect(heading(wrapper)).toBe(t.account.title)
    expect(menuButton().text()).toContain('Agnès Martin')
    expect(menuButton().attributes('aria-expanded')).toBe('false')
    expect(header().find('[role="menu"]').exists()).toBe(false)

    await menuButton().trigger('click')
    await settle()
    expect(menuButton().attributes('aria-expanded')).toBe('true')
    const menu = header().find('[role="menu"]')
    expect(menu.attributes('id')).toBe(menuButton().attributes('aria-controls'))
    const items = menu.findAll<HTMLButtonElement>('[role="menuitem"]')
    expect(items.map((item) => item.text())).toEqual([
      t.home.account,
      t.home.factors,
      t.home.changeAddress,
      t.home.signOut,
    ])
    expect(document.activeElement).toBe(items[0]!.element)
    await items[1]!.trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(header().find('[role="menu"]').exists()).toBe(false)

    await menuButton().trigger('click')
    await settle()
    await header().findAll('[role="menuitem"]').at(-1)!.trigger('click')
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(wrapper.text()).not.toContain('Agnès')
  })

  it('runs the menu from the keyboard (WAI-ARIA menu button)', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    const menuButton = wrapper.find<HTMLButtonElement>('header button[aria-haspopup="menu"]')
    const focusedText = () => (document.activeElement?.textContent ?? '').trim()
    await press(menuButton.element, 'ArrowUp')
    expect(focusedText()).toBe(t.home.signOut)
    await press(document.activeElement!, 'ArrowDown')
    expect(focusedText()).toBe(t.home.account) // wraps round
    await press(document.activeElement!, 'End')
    expect(focusedText()).toBe(t.home.signOut)
    await press(document.activeElement!, 'Home')
    await press(document.activeElement!, 'ArrowDown')
    expect(focusedText()).toBe(t.home.factors)
    await press(document.activeElement!, 'Escape')
    expect(wrapper.find('[role="menu"]').exists()).toBe(false)
    expect(document.activeElement).toBe(menuButton.element)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    await press(menuButton.element, 'ArrowDown')
    expect(focusedText()).toBe(t.home.account)
  })

  it('goes back to sign-in with a sentence when the session has ended', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    bridge.failNext('listFactors', 'NOT_SIGNED_IN')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(alerts(wrapper)).toEqual([t.errors.NOT_SIGNED_IN])
    expect(field(wrapper, t.signIn.email).element.value).toBe('')
  })

  it('after an e-mailed code, recommends the app with « Ajouter une application »', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    expect(wrapper.text()).toContain(t.home.suggestText)
    const section = wrapper.find('section[aria-labelledby] section')
    expect(wrapper.find(`#${section.attributes('aria-labelledby')}`).text()).toBe(
      t.home.suggestTitle,
    )
    await button(wrapper, t.home.suggestButton).trigger('click')
    await settle()
    expect(bridge.callsOf('beginAppEnrollment')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.addApp.title)
    await field(wrapper, t.addApp.code).setValue('246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    await button(wrapper, t.appAdded.backFactors).trigger('click')
    await settle()
    await button(wrapper, t.common.backHome).trigger('click')
    await settle()
    // The app is there now: nothing more to recommend.
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(wrapper.text()).not.toContain(t.home.suggestText)
  })

  it('recommends nothing after a sign-in with the app', async () => {
    bridge.accounts.get('agnes@mairie.fr')!.app = { deviceName: 'Pixel', createdAt: Date.now() }
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery', '246810')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(wrapper.text()).not.toContain(t.home.suggestText)
  })

  it('shows home at start when a session is open', async () => {
    await bridge.signIn({ email: 'agnes@mairie.fr', password: 'correct horse battery' })
    await bridge.verifyCode({ code: '123456' })
    const wrapper = await mountKiosk(bridge)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('offers only to add an app when the policy requires it', async () => {
    bridge.accounts.get('agnes@mairie.fr')!.mustEnroll = true
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    expect(heading(wrapper)).toBe(t.enroll.title)
    expect(wrapper.find('nav').exists()).toBe(false)
    expect(wrapper.text()).not.toContain(t.home.suggestText)
    await button(wrapper, t.enroll.add).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.addApp.title)
    await field(wrapper, t.addApp.code).setValue('246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.appAdded.title)
    await button(wrapper, t.appAdded.continue).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })
})
