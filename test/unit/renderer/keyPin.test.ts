// The security key's own PIN on the screens: « Choisir un code PIN pour cette clé »
// when the key being added has none (the new PIN twice, the rules of CTAP 2.1
// §6.5.1 and the key's minPINLength, each error under its field, the key's own
// refusal in words), then the key registered with it as a passkey; and « Changer
// le code PIN de ma clé » on « Mes facteurs d’authentification » (§6.5.5.6: the
// attempts left, the replug after three wrong PINs, a blocked PIN).

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
  signInByEmail,
  statuses,
  type,
  kioskAt,
  releaseKiosk,
} from './helpers'

const AGNES = 'agnes@mairie.fr'

async function openFactors(wrapper: VueWrapper, locale: Locale): Promise<void> {
  await signInByEmail(wrapper, locale, AGNES, 'correct horse battery', '246810')
  await button(wrapper, m(locale).home.factors).trigger('click')
  await settle()
}

async function choose(wrapper: VueWrapper, locale: Locale, pin: string, again = pin) {
  const t = m(locale)
  await type(field(wrapper, t.keyPinSetup.newPin), pin)
  await type(field(wrapper, t.keyPinSetup.confirm), again)
  await button(wrapper, t.keyPinSetup.submit).trigger('click')
  await settle()
}

describe.each(LOCALES)('« Choisir un code PIN pour cette clé » (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 14, 5, 0), locale)
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
    })
  })
  afterEach(releaseKiosk)

  async function openSetup(wrapper: VueWrapper, typedPin = ''): Promise<void> {
    await openFactors(wrapper, locale)
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
    await type(field(wrapper, t.addKey.name), 'Clé neuve')
    if (typedPin) await type(field(wrapper, t.addKey.pin), typedPin)
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
  }

  it('a key without a PIN: the PIN chosen twice (§6.5.5.5 setPIN), then the key registered with it as a passkey', async () => {
    const wrapper = await mountKiosk(bridge)
    await openSetup(wrapper)
    expect(heading(wrapper)).toBe(t.addKey.title)
    expect(wrapper.find('h2').text()).toBe(t.keyPinSetup.title)
    expect(wrapper.text()).toContain(t.keyPinSetup.intro)
    const pin = field(wrapper, t.keyPinSetup.newPin)
    expect(pin.attributes('type')).toBe('password')
    expect(pin.attributes('autocomplete')).toBe('off')
    expect(document.activeElement).toBe(pin.element)
    const hint = wrapper.find(`[id="${pin.attributes('aria-describedby')}"]`)
    expect(hint.text()).toBe(fill(t.keyPinSetup.newPinHint, { min: 4 }))
    expect(field(wrapper, t.keyPinSetup.confirm).attributes('type')).toBe('password')
    button(wrapper, t.keyPinSetup.skip)
    expect(bridge.callsOf('registerKey')).toHaveLength(0)

    await choose(wrapper, locale, '8642')
    expect(bridge.callsOf('setKeyPin')).toEqual([{ pin: '8642' }])
    expect(bridge.key.pin).toBe('8642')
    // then the registration, with the PIN: a touch
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'Clé neuve', pin: '8642' }])
    expect(statuses(wrapper)).toEqual([t.key.touch])
    expect(wrapper.html()).not.toContain('8642')
    bridge.touchKey()
    await settle()
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expect(wrapper.text()).toContain(t.keyAdded.passwordless)
    expect(bridge.key.credentials).toEqual([{ email: AGNES, keyId: 'key-1', discoverable: true }])
  })

  it('a PIN typed for a key that has none leads to the same offer, not to an error', async () => {
    const wrapper = await mountKiosk(bridge)
    await openSetup(wrapper, '4321')
    expect(wrapper.find('h2').text()).toBe(t.keyPinSetup.title)
    expect(alerts(wrapper)).toEqual([])
    expect(bridge.callsOf('registerKey')).toHaveLength(0)
    expect(wrapper.html()).not.toContain('4321')
  })

  it('§6.5.1: each mistake under its field, nothing sent — missing, too short for this key, too long after NFC, not the same', async () => {
    bridge.key.minPinLength = 6
    const wrapper = await mountKiosk(bridge)
    await openSetup(wrapper)
    expect(
      wrapper
        .find(`[id="${field(wrapper, t.keyPinSetup.newPin).attributes('aria-describedby')}"]`)
        .text(),
    ).toBe(fill(t.keyPinSetup.newPinHint, { min: 6 }))

    await choose(wrapper, locale, '', '')
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBe(t.keyPinSetup.missing)

    await choose(wrapper, locale, '12345')
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBe(fill(t.keyPinSetup.tooShort, { min: 6 }))
    expect(field(wrapper, t.keyPinSetup.newPin).attributes('aria-invalid')).toBe('true')
    expect(field(wrapper, t.keyPinSetup.newPin).element.value).toBe('')
    expect(alerts(wrapper)).toEqual([fill(t.keyPinSetup.tooShort, { min: 6 })])

    // 32 « é » typed decomposed are 32 characters but 64 bytes once composed (NFC)
    await choose(wrapper, locale, 'e\u0301'.repeat(32))
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBe(t.keyPinSetup.tooLong)

    await choose(wrapper, locale, '135792', '135793')
    expect(errorUnder(wrapper, t.keyPinSetup.confirm)).toBe(t.keyPinSetup.mismatch)
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBeNull()
    expect(field(wrapper, t.keyPinSetup.confirm).attributes('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(field(wrapper, t.keyPinSetup.newPin).element)

    await type(field(wrapper, t.keyPinSetup.newPin), '135792')
    await button(wrapper, t.keyPinSetup.submit).trigger('click')
    await settle()
    expect(errorUnder(wrapper, t.keyPinSetup.confirm)).toBe(t.keyPinSetup.confirmMissing)
    expect(bridge.callsOf('setKeyPin')).toHaveLength(0)
  })

  it('the engine’s and the key’s own refusals show under the new PIN, in words', async () => {
    bridge.key.refusedPins = ['123456']
    const wrapper = await mountKiosk(bridge)
    await openSetup(wrapper)
    // the engine knows this key's minimum better than the screen did
    bridge.key.minPinLength = 8
    await choose(wrapper, locale, '123456')
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBe(
      `${t.errors.KEY_PIN_REJECTED} ${fill(t.keyPinRejection['too-short'], { minLength: 8 })}`,
    )
    bridge.key.minPinLength = 4
    await choose(wrapper, locale, '123456')
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBe(t.errors.FIDO_PIN_POLICY)
    expect(document.activeElement).toBe(field(wrapper, t.keyPinSetup.newPin).element)
    expect(pageText(wrapper)).not.toContain('FIDO_')
    expect(bridge.key.pin).toBeNull()
    expect(bridge.callsOf('registerKey')).toHaveLength(0)
  })

  it('« Continuer sans code PIN » registers the key for sign-in after the password; « Annuler » goes back to the form', async () => {
    const wrapper = await mountKiosk(bridge)
    await openSetup(wrapper)
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    expect(findButton(wrapper, t.keyPinSetup.submit)).toBeNull()
    expect(document.activeElement).toBe(field(wrapper, t.addKey.name).element)
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    await press(window, 'Escape')
    expect(findButton(wrapper, t.keyPinSetup.submit)).toBeNull()
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    await button(wrapper, t.keyPinSetup.skip).trigger('click')
    await settle()
    expect(bridge.callsOf('setKeyPin')).toHaveLength(0)
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'Clé neuve' }])
    bridge.touchKey()
    await settle()
    expect(wrapper.text()).toContain(t.keyAdded.secondFactor)
    expect(wrapper.text()).not.toContain(t.keyAdded.passwordless)
  })

  it('is not offered for a key that has a PIN (nor on Windows: keys.test.ts)', async () => {
    bridge.key.pin = '4321'
    const wrapper = await mountKiosk(bridge)
    await openSetup(wrapper, '4321')
    expect(wrapper.text()).not.toContain(t.keyPinSetup.title)
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'Clé neuve', pin: '4321' }])
  })
})

describe.each(LOCALES)('« Changer le code PIN de ma clé » (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.idleLockSeconds = 3600
    bridge.key.pin = '1111'
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
      keys: [{ id: 'k1', name: 'YubiKey bleue', createdAt: Date.now(), lastUsedAt: null }],
    })
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  async function openChange(wrapper: VueWrapper): Promise<void> {
    await openFactors(wrapper, locale)
    await button(wrapper, t.factors.changeKeyPin).trigger('click')
    await settle()
  }

  async function change(wrapper: VueWrapper, current: string, next: string): Promise<void> {
    await type(field(wrapper, t.changeKeyPin.current), current)
    await type(field(wrapper, t.keyPinSetup.newPin), next)
    await type(field(wrapper, t.keyPinSetup.confirm), next)
    await button(wrapper, t.changeKeyPin.submit).trigger('click')
    await settle()
  }

  it('is offered only with a key', async () => {
    bridge.accounts.get(AGNES)!.keys = []
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    expect(findButton(wrapper, t.factors.changeKeyPin)).toBeNull()
  })

  it('is not offered where Windows takes the key’s PIN', async () => {
    bridge.keyPinEntry = 'platform'
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    button(wrapper, t.factors.addKey)
    expect(findButton(wrapper, t.factors.changeKeyPin)).toBeNull()
  })

  it('§6.5.5.6 changePIN: the current PIN, the new one twice, then done — no step-up, no touch', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    // more than 5 minutes after the code: no step-up is asked for this
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.changeKeyPin).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.changeKeyPin.title)
    const current = field(wrapper, t.changeKeyPin.current)
    expect(current.attributes('type')).toBe('password')
    expect(document.activeElement).toBe(current.element)
    await change(wrapper, '1111', '2222')
    expect(bridge.callsOf('changeKeyPin')).toEqual([{ current: '1111', next: '2222' }])
    expect(bridge.callsOf('beginStepUp')).toHaveLength(0)
    expect(bridge.key.pin).toBe('2222')
    expect(statuses(wrapper)).toContain(t.changeKeyPin.done)
    expect(wrapper.html()).not.toContain('2222')
    expect(document.activeElement).toBe(button(wrapper, t.changeKeyPin.backFactors).element)
    await button(wrapper, t.changeKeyPin.backFactors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
  })

  it('a wrong current PIN says the attempts left under it; three in a row say to replug; a blocked PIN says so', async () => {
    bridge.key.retries = 5
    const wrapper = await mountKiosk(bridge)
    await openChange(wrapper)
    await change(wrapper, '0000', '2222')
    const wrong = `${t.errorsKey.changeKeyPin.FIDO_PIN_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`
    expect(errorUnder(wrapper, t.changeKeyPin.current)).toBe(wrong)
    expect(document.activeElement).toBe(field(wrapper, t.changeKeyPin.current).element)
    expect(field(wrapper, t.changeKeyPin.current).element.value).toBe('')
    await change(wrapper, '0001', '2222')
    expect(errorUnder(wrapper, t.changeKeyPin.current)).toContain(t.errorExtra.pinLastAttempts)
    await change(wrapper, '0002', '2222')
    expect(alerts(wrapper)).toEqual([t.errorsKey.changeKeyPin.FIDO_PIN_AUTH_BLOCKED])
    expect(pageText(wrapper).toLowerCase()).toContain(locale === 'fr' ? 'débranchez' : 'unplug')
    bridge.replugKey()
    await change(wrapper, '0003', '2222')
    await change(wrapper, '0004', '2222')
    expect(alerts(wrapper)).toEqual([t.errorsKey.changeKeyPin.FIDO_PIN_BLOCKED])
    expect(pageText(wrapper).toLowerCase()).not.toMatch(/réinitialis|reset/)
    expect(bridge.key.pin).toBe('1111')
  })

  it('a new PIN that breaks the rules is refused under its field before the key is asked', async () => {
    const wrapper = await mountKiosk(bridge)
    await openChange(wrapper)
    await change(wrapper, '1111', '22')
    expect(errorUnder(wrapper, t.keyPinSetup.newPin)).toBe(fill(t.keyPinSetup.tooShort, { min: 4 }))
    await type(field(wrapper, t.changeKeyPin.current), '1111')
    await type(field(wrapper, t.keyPinSetup.newPin), '2468')
    await type(field(wrapper, t.keyPinSetup.confirm), '2469')
    await button(wrapper, t.changeKeyPin.submit).trigger('click')
    await settle()
    expect(errorUnder(wrapper, t.keyPinSetup.confirm)).toBe(t.keyPinSetup.mismatch)
    expect(bridge.callsOf('changeKeyPin')).toHaveLength(0)
    // « Annuler » and Escape lead back to the factors
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.factors.title)
  })
})

function pageText(wrapper: VueWrapper): string {
  return wrapper.text()
}
