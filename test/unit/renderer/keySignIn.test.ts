// Signing in with a security key: « Utiliser ma clé de sécurité » on the code
// screen (next to the code field, or alone when the key is the only factor), and
// « Se connecter avec ma clé de sécurité » on the sign-in screen (the key's PIN,
// no password). Touch, « Annuler », the PIN entry and the key errors.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import type { VueWrapper } from '@vue/test-utils'
import type { Locale } from '../../../src-renderer/i18n'
import { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  alerts,
  button,
  errorUnder,
  field,
  fill,
  findButton,
  heading,
  m,
  mountKiosk,
  press,
  settle,
  statuses,
  type,
  kioskAt,
  releaseKiosk,
} from './helpers'

const AGNES = 'agnes@mairie.fr'
const BRUNO = 'bruno@mairie.fr'

/** Registers the plugged key for an account, as a finished registerKey would. */
function giveKey(bridge: FakeBridge, email: string, discoverable = false): void {
  const id = `k-${email}`
  bridge.accounts.get(email)!.keys.push({
    id,
    name: 'YubiKey bleue',
    createdAt: Date.now(),
    lastUsedAt: null,
  })
  bridge.key.credentials.push({ email, keyId: id, discoverable })
}

async function toCodeScreen(wrapper: VueWrapper, locale: Locale, email: string): Promise<void> {
  await type(field(wrapper, m(locale).signIn.email), email)
  await type(field(wrapper, m(locale).signIn.password), 'correct horse battery')
  await button(wrapper, m(locale).signIn.submit).trigger('click')
  await settle()
}

async function enterPin(wrapper: VueWrapper, locale: Locale, pin: string): Promise<void> {
  await type(field(wrapper, m(locale).key.pin), pin)
  await button(wrapper, m(locale).key.submit).trigger('click')
  await settle()
}

async function touch(bridge: FakeBridge): Promise<void> {
  bridge.touchKey()
  await settle()
}

describe.each(LOCALES)('the key after the password (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 8, 30, 0), locale)
    // Agnès: an app and a key. Bruno: a key only.
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
    })
    bridge.addAccount({ email: BRUNO, name: 'Bruno Petit' })
    giveKey(bridge, AGNES)
    giveKey(bridge, BRUNO)
  })
  afterEach(releaseKiosk)

  it('offers « Utiliser ma clé de sécurité » next to the code field, and signs in with a touch', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, AGNES)
    expect(heading(wrapper)).toBe(t.code.title)
    expect(wrapper.text()).toContain(t.code.hintApp)
    field(wrapper, t.code.label)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(bridge.callsOf('signInWithKey')).toEqual([{}])
    expect(statuses(wrapper)).toEqual([t.key.touch])
    expect(wrapper.findAll('input')).toHaveLength(0)
    expect(document.activeElement?.textContent?.trim()).toBe(t.common.cancel)
    await touch(bridge)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('shows no code field when the key is the only factor, only the key button', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    expect(heading(wrapper)).toBe(t.code.titleKey)
    expect(document.activeElement).toBe(wrapper.find('h1').element)
    expect(wrapper.text()).toContain(t.code.hintKey)
    expect(wrapper.findAll('input')).toHaveLength(0)
    expect(findButton(wrapper, t.code.submit)).toBeNull()
    expect(findButton(wrapper, t.code.resend)).toBeNull()
    expect(wrapper.findAll('button').map((b) => b.text())).toEqual(
      expect.arrayContaining([t.code.useKey, t.common.back]),
    )
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await touch(bridge)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
  })

  it('« Annuler » while waiting goes back to the code screen, with nothing alarming', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, AGNES)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(0)
    expect(heading(wrapper)).toBe(t.code.title)
    expect(alerts(wrapper)).toEqual([])
    expect(document.activeElement).toBe(field(wrapper, t.code.label).element)
    // The code still works afterwards.
    await type(field(wrapper, t.code.label), '246810')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('Escape while waiting cancels the key, not the sign-in', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await press(document.activeElement!, 'Escape')
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(0)
    expect(heading(wrapper)).toBe(t.code.titleKey)
    expect(alerts(wrapper)).toEqual([])
    expect(document.activeElement?.textContent?.trim()).toBe(t.code.useKey)
    await press(document.activeElement!, 'Escape')
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
  })

  it('asks for the PIN when the key wants it, with the attempts left', async () => {
    bridge.key.pin = '4321'
    bridge.key.alwaysUv = true
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(statuses(wrapper)).toEqual([t.errors.FIDO_PIN_REQUIRED])
    const pin = field(wrapper, t.key.pin)
    expect(pin.attributes('type')).toBe('password')
    expect(pin.attributes('autocomplete')).toBe('off')
    expect(document.activeElement).toBe(pin.element)
    await enterPin(wrapper, locale, '9999')
    expect(alerts(wrapper)).toEqual([
      `${t.errors.FIDO_PIN_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 7 })}`,
    ])
    expect(field(wrapper, t.key.pin).element.value).toBe('')
    await enterPin(wrapper, locale, '4321')
    expect(bridge.callsOf('signInWithKey')).toEqual([{}, { pin: '9999' }, { pin: '4321' }])
    await touch(bridge)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
  })

  it('« Annuler » on the PIN entry goes back to the key button', async () => {
    bridge.key.pin = '4321'
    bridge.key.alwaysUv = true
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    expect(wrapper.findAll('input')).toHaveLength(0)
    expect(document.activeElement?.textContent?.trim()).toBe(t.code.useKey)
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(0)
  })

  it('says when the key plugged in is not the one registered', async () => {
    bridge.key.credentials = []
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await touch(bridge)
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_NO_CREDENTIALS])
    expect(heading(wrapper)).toBe(t.code.titleKey)
    button(wrapper, t.code.useKey)
  })

  it('says when no key is registered any more for the account', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    bridge.accounts.get(BRUNO)!.keys = []
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errorsKey.keySignIn.KEY_NOT_FOUND])
  })

  it.each(['FIDO_NO_DEVICE', 'FIDO_TIMEOUT', 'FIDO_DEVICE_ERROR', 'FIDO_KEY_REFUSED'] as const)(
    'turns %s into a sentence with the next step',
    async (code) => {
      const wrapper = await mountKiosk(bridge)
      await toCodeScreen(wrapper, locale, AGNES)
      bridge.failNext('signInWithKey', code)
      await button(wrapper, t.code.useKey).trigger('click')
      await settle()
      expect(alerts(wrapper)).toEqual([t.errors[code]])
      expect(wrapper.text()).not.toContain(code)
      field(wrapper, t.code.label)
    },
  )

  it('counts down a lockout on the key too', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    bridge.failNext('signInWithKey', 'ACCOUNT_LOCKED', { retryAfterSeconds: 90 })
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      fill(t.errors.ACCOUNT_LOCKED, { wait: fill(t.duration.minutes, { min: 1, sec: 30 }) }),
    ])
  })

  it('starts over from sign-in when the sign-in expired while waiting', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, BRUNO)
    bridge.failNext('signInWithKey', 'NO_PENDING_SIGN_IN')
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(alerts(wrapper)).toEqual([t.errors.NO_PENDING_SIGN_IN])
  })

  it('shows the key screen at start when a key sign-in is pending', async () => {
    await bridge.signIn({ email: BRUNO, password: 'correct horse battery' })
    const wrapper = await mountKiosk(bridge)
    expect(heading(wrapper)).toBe(t.code.titleKey)
    button(wrapper, t.code.useKey)
  })
})

describe.each(LOCALES)('« Se connecter avec ma clé de sécurité » (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  async function toPinScreen(wrapper: VueWrapper): Promise<void> {
    await button(wrapper, t.signIn.withKey).trigger('click')
    await settle()
  }

  /** The group labelled « Choisissez votre compte » (the language switch is a group too). */
  function chooser(wrapper: VueWrapper) {
    const groups = wrapper
      .findAll('[role="group"]')
      .filter((g) => g.find('h2').exists() && g.find('h2').text() === t.passwordless.choose)
    expect(groups).toHaveLength(1)
    return groups[0]!
  }

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: BRUNO, name: 'Bruno Petit' })
    bridge.key.pin = '4321'
    giveKey(bridge, BRUNO, true)
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('is a secondary button on the sign-in screen, leading to the PIN screen', async () => {
    const wrapper = await mountKiosk(bridge)
    const withKey = button(wrapper, t.signIn.withKey)
    expect(withKey.attributes('type')).toBe('button')
    expect(withKey.classes()).toContain('button--secondary')
    expect(withKey.element.closest('form')).toBeNull()
    await toPinScreen(wrapper)
    expect(heading(wrapper)).toBe(t.passwordless.title)
    expect(wrapper.text()).toContain(t.passwordless.intro)
    const pin = field(wrapper, t.key.pin)
    expect(pin.attributes('type')).toBe('password')
    expect(pin.attributes('autocomplete')).toBe('off')
    expect(document.activeElement).toBe(pin.element)
    const intro = wrapper.findAll('p').find((p) => p.text() === t.passwordless.intro)!
    expect(pin.attributes('aria-describedby')).toContain(intro.attributes('id'))
    expect(wrapper.findAll('input')).toHaveLength(1)
    button(wrapper, t.key.submit)
    // The language switch stays for the whole visit.
    button(wrapper, 'English')
    await button(wrapper, t.common.cancel).trigger('click')
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(bridge.calls.filter((call) => call.method !== 'getStatus')).toEqual([])
  })

  it('signs in with the PIN and a touch, without a password', async () => {
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '4321')
    expect(bridge.callsOf('signInPasswordless')).toEqual([{ pin: '4321' }])
    expect(bridge.callsOf('signIn')).toHaveLength(0)
    expect(statuses(wrapper)).toEqual([t.key.touch])
    expect(wrapper.html()).not.toContain('4321')
    await touch(bridge)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
  })

  it('follows « Branchez votre clé de sécurité » and « Vérification… »', async () => {
    bridge.key.plugged = false
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    bridge.key.plugged = true
    await enterPin(wrapper, locale, '4321')
    bridge.emit('keyStatus', { status: 'waiting-device' })
    await nextTick()
    expect(statuses(wrapper)).toEqual([t.key.waitingDevice])
    bridge.emit('keyStatus', { status: 'touch' })
    await nextTick()
    expect(wrapper.find('.key-prompt--touch').exists()).toBe(true)
    bridge.emit('keyStatus', { status: 'processing' })
    await nextTick()
    expect(statuses(wrapper)).toEqual([t.key.processing])
    await touch(bridge)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
  })

  it('refuses an empty or short PIN without calling main', async () => {
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await button(wrapper, t.key.submit).trigger('click')
    expect(alerts(wrapper)).toEqual([t.key.pinMissing])
    await enterPin(wrapper, locale, '12')
    expect(alerts(wrapper)).toEqual([t.key.pinTooShort])
    expect(field(wrapper, t.key.pin).attributes('aria-invalid')).toBe('true')
    expect(bridge.callsOf('signInPasswordless')).toHaveLength(0)
  })

  it('says a wrong PIN is wrong, with the attempts left, and empties the field', async () => {
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '0000')
    expect(alerts(wrapper)).toEqual([
      `${t.errors.FIDO_PIN_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 7 })}`,
    ])
    const pin = field(wrapper, t.key.pin)
    expect(pin.element.value).toBe('')
    expect(errorUnder(wrapper, t.key.pin)).toBe(alerts(wrapper)[0])
    expect(document.activeElement).toBe(pin.element)
  })

  it('« Annuler » while waiting goes back to the PIN entry, with nothing alarming', async () => {
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '4321')
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.passwordless.title)
    expect(alerts(wrapper)).toEqual([])
    expect(field(wrapper, t.key.pin).element.value).toBe('')
    // Escape: first the key, then back to sign-in.
    await enterPin(wrapper, locale, '4321')
    await press(window, 'Escape')
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(2)
    expect(heading(wrapper)).toBe(t.passwordless.title)
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.signIn.title)
  })

  it('says a key without a PIN cannot sign in without the password', async () => {
    bridge.key.pin = null
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '4321')
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_PIN_NOT_SET])
  })

  it('says a key that is not registered here is not registered here', async () => {
    bridge.key.credentials = []
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '4321')
    await touch(bridge)
    expect(alerts(wrapper)).toEqual([t.errorsKey.passwordless.FIDO_NO_CREDENTIALS])
    // A credential whose key was removed from the account: refused.
    bridge.key.credentials = [{ email: BRUNO, keyId: 'removed', discoverable: true }]
    await enterPin(wrapper, locale, '4321')
    await touch(bridge)
    expect(alerts(wrapper)).toEqual([t.errorsKey.passwordless.FIDO_KEY_REFUSED])
  })

  it.each([
    'FIDO_PIN_BLOCKED',
    'FIDO_PIN_AUTH_BLOCKED',
    'FIDO_TIMEOUT',
    'ACCOUNT_DISABLED',
  ] as const)('turns %s into a sentence with the next step', async (code) => {
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    bridge.failNext('signInPasswordless', code)
    await enterPin(wrapper, locale, '4321')
    expect(alerts(wrapper)).toEqual([t.errors[code]])
    field(wrapper, t.key.pin)
  })

  it('« Choisissez votre compte » only after the PIN and the touch, newest passkey first; the account chosen is signed in', async () => {
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
    giveKey(bridge, AGNES, true) // added after Bruno's: the newest
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '4321')
    // waiting for the touch: nobody named yet
    expect(wrapper.text()).not.toMatch(/Agnès|Bruno|mairie/)
    await touch(bridge)
    const group = chooser(wrapper)
    expect(group.attributes('aria-labelledby')).toBe(group.find('h2').attributes('id'))
    expect(group.find('h2').text()).toBe(t.passwordless.choose)
    expect(group.text()).toContain(t.passwordless.chooseIntro)
    const accounts = group.findAll('li button')
    expect(
      accounts.map((b) => [
        b.find('.account-choice__name').text(),
        b.find('.account-choice__email').text(),
      ]),
    ).toEqual([
      ['Agnès Martin', 'a•••@mairie.fr'],
      ['Bruno Petit', 'b•••@mairie.fr'],
    ])
    expect(group.find('.button--tertiary').text()).toBe(t.common.cancel)
    expect(heading(wrapper)).toBe(t.passwordless.title)
    await accounts[1]!.trigger('click')
    await settle()
    expect(bridge.callsOf('choosePasswordlessAccount')).toEqual([{ id: `k-${BRUNO}` }])
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
  })

  it('« Annuler » on « Choisissez votre compte » goes back to sign-in, nobody chosen', async () => {
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
    giveKey(bridge, AGNES, true)
    const wrapper = await mountKiosk(bridge)
    await toPinScreen(wrapper)
    await enterPin(wrapper, locale, '4321')
    await touch(bridge)
    await chooser(wrapper).find('.button--tertiary').trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(bridge.callsOf('choosePasswordlessAccount')).toEqual([])
    expect(wrapper.text()).not.toMatch(/Agnès|Bruno/)
  })
})
