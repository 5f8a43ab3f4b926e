// Every screen, in both languages: one h1, the header and main landmarks, every
// input named by a real <label>, every aria reference resolving, and nothing that
// the strict CSP would block (no style attribute, no inline handler, no v-html).

import { afterEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import type { Locale } from '../../../src-renderer/i18n'
import { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  button,
  field,
  m,
  mountKiosk,
  press,
  settle,
  signInByEmail,
  type,
  releaseKiosk,
} from './helpers'

function checkScreen(wrapper: VueWrapper, locale: Locale, screen: string): void {
  const root = document.body
  expect(root.querySelectorAll('h1'), `${screen}: one h1`).toHaveLength(1)
  expect(root.querySelectorAll('header'), `${screen}: header`).toHaveLength(1)
  expect(root.querySelectorAll('main'), `${screen}: main`).toHaveLength(1)
  expect(document.documentElement.lang).toBe(locale)
  for (const input of root.querySelectorAll('input')) {
    const label = root.querySelector(`label[for="${input.id}"]`)
    expect(label?.textContent?.trim(), `${screen}: label of #${input.id}`).toBeTruthy()
  }
  for (const element of root.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
    for (const attribute of ['aria-describedby', 'aria-labelledby']) {
      for (const id of (element.getAttribute(attribute) ?? '').split(/\s+/).filter(Boolean)) {
        expect(document.getElementById(id), `${screen}: ${attribute} ${id}`).not.toBeNull()
      }
    }
  }
  for (const element of root.querySelectorAll('*')) {
    expect(element.hasAttribute('style'), `${screen}: style on <${element.tagName}>`).toBe(false)
    for (const attribute of element.getAttributeNames()) {
      expect(attribute.startsWith('on'), `${screen}: ${attribute}`).toBe(false)
    }
  }
  for (const buttonElement of root.querySelectorAll('button')) {
    expect(buttonElement.getAttribute('type'), `${screen}: button type`).toMatch(
      /^(button|submit)$/,
    )
    expect(buttonElement.textContent?.trim(), `${screen}: button name`).toBeTruthy()
  }
  for (const image of root.querySelectorAll('img')) {
    expect(image.getAttribute('alt'), `${screen}: alt`).toBeTruthy()
  }
  expect(wrapper.html()).not.toMatch(/<script|<style/)
}

describe.each(LOCALES)('structure of every screen (%s)', (locale) => {
  const t = m(locale)

  afterEach(releaseKiosk)

  it('holds on the clerk screens', async () => {
    vi.useFakeTimers({
      toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    })
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.idleLockSeconds = 30
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    checkScreen(wrapper, locale, 'sign-in')
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'code')
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'home')
    for (const [item, screen] of [
      [t.home.account, 'account'],
      [t.home.changeAddress, 'change address'],
    ] as const) {
      await button(wrapper, item).trigger('click')
      checkScreen(wrapper, locale, screen)
      await button(wrapper, t.common.backHome).trigger('click')
    }
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'factors')
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'add app')
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'app added')
    await button(wrapper, t.appAdded.backFactors).trigger('click')
    await settle()
    await button(wrapper, t.factors.removeApp).trigger('click')
    checkScreen(wrapper, locale, 'confirm removal')
    await button(wrapper, t.common.cancel).trigger('click')
    await vi.advanceTimersByTimeAsync(31_000)
    expect(document.querySelector('[role="alertdialog"]')).not.toBeNull()
    checkScreen(wrapper, locale, 'idle warning')
  })

  it('holds on the security-key screens', async () => {
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.key.pin = '4321'
    bridge.addAccount({ email: 'bruno@mairie.fr', name: 'Bruno Petit', mustEnroll: true })
    const wrapper = await mountKiosk(bridge)

    // Passwordless: the PIN screen, a wrong PIN, the touch.
    await button(wrapper, t.signIn.withKey).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'passwordless PIN')
    await type(field(wrapper, t.key.pin), '0000')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'passwordless wrong PIN')
    await type(field(wrapper, t.key.pin), '4321')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'passwordless touch')
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    await button(wrapper, t.common.cancel).trigger('click')

    // The enroll policy screen, adding a key with the PIN entry, done.
    await signInByEmail(wrapper, locale, 'bruno@mairie.fr', 'correct horse battery')
    checkScreen(wrapper, locale, 'enroll')
    await button(wrapper, t.enroll.addKey).trigger('click')
    checkScreen(wrapper, locale, 'add key')
    await button(wrapper, t.addKey.submit).trigger('click')
    checkScreen(wrapper, locale, 'add key, name missing')
    await type(field(wrapper, t.addKey.name), 'YubiKey bleue')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'add key, PIN entry')
    await type(field(wrapper, t.key.pin), '4321')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'add key, touch')
    bridge.touchKey()
    await settle()
    checkScreen(wrapper, locale, 'key added')
    await button(wrapper, t.keyAdded.continue).trigger('click')
    await settle()
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'factors with a key')
    await button(wrapper, t.factors.removeKey).trigger('click')
    checkScreen(wrapper, locale, 'confirm key removal')
    await button(wrapper, t.common.cancel).trigger('click')
    await button(wrapper, t.common.backHome).trigger('click')
    await button(wrapper, t.home.signOut).trigger('click')
    await settle()

    // The code screen of an account whose only factor is the key.
    await type(field(wrapper, t.signIn.email), 'bruno@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'code, key only')
    expect(document.querySelectorAll('input')).toHaveLength(0)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'code, touch')
    bridge.touchKey()
    await settle()
    expect(document.querySelector('h1')?.textContent).toContain('Bruno Petit')
  })

  it('holds on the key PIN screens: set-up (with errors) and change', async () => {
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.idleLockSeconds = 3600
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
    await type(field(wrapper, t.addKey.name), 'Clé neuve')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'key PIN set-up')
    await type(field(wrapper, t.keyPinSetup.newPin), '12')
    await button(wrapper, t.keyPinSetup.submit).trigger('click')
    checkScreen(wrapper, locale, 'key PIN set-up, too short')
    await type(field(wrapper, t.keyPinSetup.newPin), '2468')
    await type(field(wrapper, t.keyPinSetup.confirm), '2468')
    await button(wrapper, t.keyPinSetup.submit).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    await button(wrapper, t.keyAdded.backFactors).trigger('click')
    await settle()
    await button(wrapper, t.factors.changeKeyPin).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'change key PIN')
    await type(field(wrapper, t.changeKeyPin.current), '0000')
    await type(field(wrapper, t.keyPinSetup.newPin), '1357')
    await type(field(wrapper, t.keyPinSetup.confirm), '1357')
    await button(wrapper, t.changeKeyPin.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'change key PIN, wrong current PIN')
    await type(field(wrapper, t.changeKeyPin.current), '2468')
    await type(field(wrapper, t.keyPinSetup.newPin), '1357')
    await type(field(wrapper, t.keyPinSetup.confirm), '1357')
    await button(wrapper, t.changeKeyPin.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'key PIN changed')
    expect(bridge.key.pin).toBe('1357')
  })

  it('holds on the account-lifecycle screens', async () => {
    vi.useFakeTimers({
      toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    })
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.idleLockSeconds = 3600
    bridge.addAccount({
      email: 'agnes@mairie.fr',
      name: 'Agnès Martin',
      password: 'Temporaire-42-xyz',
      mustChangePassword: true,
    })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'Temporaire-42-xyz')
    checkScreen(wrapper, locale, 'choose password')
    await button(wrapper, t.password.submit).trigger('click')
    checkScreen(wrapper, locale, 'choose password, missing')
    await type(field(wrapper, t.password.next), 'court')
    await type(field(wrapper, t.password.confirm), 'court')
    await button(wrapper, t.password.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'choose password, rejected')
    await type(field(wrapper, t.password.next), 'une phrase de passe solide')
    await type(field(wrapper, t.password.confirm), 'une phrase de passe solide')
    await button(wrapper, t.password.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'home after the first password')

    // Step-up by e-mail before « Changer mon mot de passe ».
    await button(wrapper, t.home.account).trigger('click')
    await button(wrapper, t.account.changePassword).trigger('click')
    checkScreen(wrapper, locale, 'change password')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.password.current), 'une phrase de passe solide')
    await type(field(wrapper, t.password.next), 'encore une autre phrase')
    await type(field(wrapper, t.password.confirm), 'encore une autre phrase')
    await button(wrapper, t.password.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'step-up by e-mail')
    await button(wrapper, t.code.submit).trigger('click')
    checkScreen(wrapper, locale, 'step-up, code missing')
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'account after the change')

    // The address change: the code, an error, done.
    await button(wrapper, t.common.backHome).trigger('click')
    await button(wrapper, t.home.changeAddress).trigger('click')
    await type(field(wrapper, t.changeAddress.newEmail), 'agnes@ville.fr')
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'address code')
    await type(field(wrapper, t.changeAddress.code), '111111')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'address code, wrong')
    await type(field(wrapper, t.changeAddress.code), '654321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'address changed')
    await button(wrapper, t.common.backHome).trigger('click')

    // Recovery codes after the first app, the new-set dialog, the codes on factors.
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'factors without codes')
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'app added with recovery codes')
    await vi.advanceTimersByTimeAsync(61_000)
    checkScreen(wrapper, locale, 'recovery codes hidden')
    await button(wrapper, t.appAdded.backFactors).trigger('click')
    await settle()
    await button(wrapper, t.factors.newRecovery).trigger('click')
    checkScreen(wrapper, locale, 'confirm new recovery codes')
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'step-up with the app')
    await type(field(wrapper, t.code.label), '246810')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'factors with new recovery codes')
    const code = bridge.recoveryCodesOf('agnes@ville.fr')[0]!
    await press(window, 'Escape')
    await button(wrapper, t.home.signOut).trigger('click')
    await settle()

    // Sign-in with a recovery code, and home asking to check the factors.
    await type(field(wrapper, t.signIn.email), 'agnes@ville.fr')
    await type(field(wrapper, t.signIn.password), 'encore une autre phrase')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'recovery code')
    await button(wrapper, t.code.submit).trigger('click')
    checkScreen(wrapper, locale, 'recovery code, format')
    await type(field(wrapper, t.code.recoveryLabel), code)
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'home, check the factors')
  })

  it('holds on the first-start and unavailable screens', async () => {
    const bridge = new FakeBridge()
    bridge.locale = locale
    const wrapper = await mountKiosk(bridge)
    checkScreen(wrapper, locale, 'first start')
    await type(field(wrapper, t.firstStart.email), 'dsi@mairie.fr')
    await type(field(wrapper, t.firstStart.name), 'DSI')
    await type(field(wrapper, t.firstStart.password), 'une phrase de passe solide')
    await type(field(wrapper, t.firstStart.confirm), 'une phrase de passe solide')
    await button(wrapper, t.firstStart.submit).trigger('click')
    await settle()
    checkScreen(wrapper, locale, 'setup QR')

    const down = new FakeBridge()
    down.locale = locale
    down.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    down.failNext('getStatus', 'SERVICE_UNAVAILABLE')
    wrapper.unmount()
    const again = await mountKiosk(down)
    // The kiosk language is unknown until getStatus answers: French, the default.
    expect(again.find('h1').text()).toBe(m('fr').unavailable.title)
    expect(again.find('[role="alert"]').text()).toBe(m('fr').errors.SERVICE_UNAVAILABLE)
    await button(again, m('fr').common.retry).trigger('click')
    await settle()
    checkScreen(again, locale, 'after retry')
    expect(again.find('h1').text()).toBe(t.signIn.title)
  })
})

describe('remembering nothing', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('never stores anything in web storage or cookies', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    expect(window.localStorage.length).toBe(0)
    expect(window.sessionStorage.length).toBe(0)
    expect(document.cookie).toBe('')
    expect(window.location.hash).toBe('')
    expect(window.history.length).toBeLessThanOrEqual(1)
  })
})
