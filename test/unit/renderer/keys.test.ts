// 4 and 6. Security keys in « Mes facteurs d’authentification »: the list (name,
// added on, last used), « Ajouter une clé de sécurité » (name, optional PIN, the
// touch with « Annuler », done), the PIN entry with the attempts left, every key
// error as a sentence with its next step, and « Supprimer » after a confirmation.

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

async function openAddKey(wrapper: VueWrapper, locale: Locale): Promise<void> {
  await openFactors(wrapper, locale)
  await button(wrapper, m(locale).factors.addKey).trigger('click')
  await settle()
}

async function submitKey(wrapper: VueWrapper, locale: Locale, name: string, pin = '') {
  const t = m(locale)
  await type(field(wrapper, t.addKey.name), name)
  if (pin) await type(field(wrapper, t.addKey.pin), pin)
  await button(wrapper, t.addKey.submit).trigger('click')
  await settle()
}

/** The key has no PIN: « Continuer sans code PIN » on the offer to choose one. */
async function skipPinSetup(wrapper: VueWrapper, locale: Locale): Promise<void> {
  await button(wrapper, m(locale).keyPinSetup.skip).trigger('click')
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

describe.each(LOCALES)('security keys in the factors (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 14, 5, 0), locale)
    // An app, so that the clerk still signs in with a code once a key is added.
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
    })
  })
  afterEach(releaseKiosk)

  const dateOf = (at: number) => new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(at)

  it('lists each key with its name, when it was added and last used, and its own « Supprimer »', async () => {
    const added = new Date(2024, 8, 2, 9, 0).getTime()
    const used = new Date(2024, 8, 17, 16, 7).getTime()
    bridge.accounts.get(AGNES)!.keys = [
      { id: 'k1', name: 'YubiKey bleue', createdAt: added, lastUsedAt: used },
      { id: 'k2', name: 'Clé de secours', createdAt: added, lastUsedAt: null },
    ]
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    const items = wrapper.findAll('.keys__item')
    expect(items).toHaveLength(2)
    expect(items[0]!.text()).toContain(
      fill(t.factors.keyText, { name: 'YubiKey bleue', date: dateOf(added) }),
    )
    const time = locale === 'fr' ? '16\u00a0h\u00a007' : '16:07'
    expect(items[0]!.text()).toContain(fill(t.factors.keyLastUsed, { date: dateOf(used), time }))
    expect(items[1]!.text()).toContain(t.factors.keyNeverUsed)
    // Each « Supprimer » is described by its key, so a screen reader says which one.
    for (const item of items) {
      const remove = item.find('button')
      expect(remove.text()).toBe(t.factors.removeKey)
      const description = wrapper.find(`[id="${remove.attributes('aria-describedby')}"]`)
      expect(item.text()).toContain(description.text())
    }
    button(wrapper, t.factors.addKey)
  })

  it('adds a key without a PIN: name, « Touchez votre clé de sécurité », then done', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    expect(heading(wrapper)).toBe(t.addKey.title)
    const name = field(wrapper, t.addKey.name)
    expect(document.activeElement).toBe(name.element)
    expect(name.attributes('autocomplete')).toBe('off')
    const pin = field(wrapper, t.addKey.pin)
    expect(pin.attributes('type')).toBe('password')
    expect(pin.attributes('autocomplete')).toBe('off')
    const hint = wrapper.find(`[id="${pin.attributes('aria-describedby')}"]`)
    expect(hint.text()).toBe(t.addKey.pinHint)
    // the kiosk takes the PIN here: no « sans mot de passe » box (that is Windows' case)
    expect(wrapper.findAll('input[type="checkbox"]')).toHaveLength(0)

    await submitKey(wrapper, locale, '  YubiKey bleue ')
    // the key is read first: it has no PIN, so choosing one is offered
    expect(bridge.callsOf('inspectKey')).toHaveLength(1)
    expect(wrapper.text()).toContain(t.keyPinSetup.title)
    expect(bridge.callsOf('registerKey')).toHaveLength(0)
    await skipPinSetup(wrapper, locale)
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'YubiKey bleue' }])
    expect(statuses(wrapper)).toEqual([t.key.touch])
    expect(wrapper.find('.key-prompt--touch').exists()).toBe(true)
    expect(wrapper.findAll('input')).toHaveLength(0)
    expect(document.activeElement?.textContent?.trim()).toBe(t.common.cancel)
    expect(heading(wrapper)).toBe(t.addKey.title)

    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expect(wrapper.text()).toContain(t.keyAdded.text)
    expect(wrapper.text()).toContain(t.keyAdded.secondFactor)
    expect(wrapper.text()).not.toContain(t.keyAdded.passwordless)
    await button(wrapper, t.keyAdded.backFactors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(wrapper.text()).toContain(
      fill(t.factors.keyText, { name: 'YubiKey bleue', date: dateOf(Date.now()) }),
    )
    expect(wrapper.text()).toContain(t.factors.keyNeverUsed)
  })

  it('adds a key with its PIN for passwordless sign-in, and the PIN leaves the page', async () => {
    bridge.key.pin = '4321'
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'Clé PIN', '4321')
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'Clé PIN', pin: '4321' }])
    expect(wrapper.html()).not.toContain('4321')
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expect(wrapper.text()).toContain(t.keyAdded.passwordless)
    expect(bridge.key.credentials).toEqual([{ email: AGNES, keyId: 'key-1', discoverable: true }])
  })

  it('follows the key through « Branchez… », « Touchez… » and « Vérification… »', async () => {
    bridge.key.plugged = false
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    expect(statuses(wrapper)).toEqual([t.key.waitingDevice])
    expect(wrapper.text()).toContain(t.key.waitingDeviceHint)
    expect(wrapper.find('.key-prompt--waiting-device').exists()).toBe(true)
    bridge.plugKey()
    await settle()
    await skipPinSetup(wrapper, locale)
    expect(statuses(wrapper)).toEqual([t.key.touch])
    expect(wrapper.text()).toContain(t.key.touchHint)
    bridge.emit('keyStatus', { status: 'processing' })
    await nextTick()
    expect(statuses(wrapper)).toEqual([t.key.processing])
    expect(wrapper.find('.key-prompt--processing').exists()).toBe(true)
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
  })

  it('on Windows, « Suivez les instructions de Windows » while the system window drives the key', async () => {
    // the system takes the key's PIN: no PIN set-up is offered
    bridge.keyPinEntry = 'platform'
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    expect(wrapper.text()).not.toContain(t.keyPinSetup.title)
    bridge.emit('keyStatus', { status: 'platform' })
    await nextTick()
    expect(statuses(wrapper)).toEqual([t.key.platform])
    expect(wrapper.text()).toContain(t.key.platformHint)
    expect(wrapper.find('.key-prompt--platform').exists()).toBe(true)
    // « Annuler » still has the focus: it closes the Windows window through the engine.
    expect(document.activeElement).toBe(button(wrapper, t.common.cancel).element)
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
  })

  it('« Annuler » while waiting for the touch goes back to the form, with nothing alarming', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await skipPinSetup(wrapper, locale)
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(bridge.keyWaiting).toBe(false)
    expect(heading(wrapper)).toBe(t.addKey.title)
    expect(alerts(wrapper)).toEqual([])
    expect(wrapper.text()).not.toContain(t.errors.FIDO_CANCELLED)
    expect(field(wrapper, t.addKey.name).element.value).toBe('YubiKey bleue')
    expect(document.activeElement).toBe(field(wrapper, t.addKey.name).element)
    // Escape does the same while waiting, and on the form goes back to the factors.
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    await skipPinSetup(wrapper, locale)
    await press(window, 'Escape')
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(2)
    expect(heading(wrapper)).toBe(t.addKey.title)
    expect(alerts(wrapper)).toEqual([])
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(bridge.callsOf('registerKey')).toHaveLength(2)
  })

  it('asks for the PIN when the key has one, says how many attempts are left, then registers', async () => {
    bridge.key.pin = '4321'
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    // FIDO_PIN_REQUIRED: the PIN entry, with why.
    expect(heading(wrapper)).toBe(t.addKey.title)
    expect(statuses(wrapper)).toEqual([t.errors.FIDO_PIN_REQUIRED])
    expect(alerts(wrapper)).toEqual([])
    const pin = field(wrapper, t.key.pin)
    expect(pin.attributes('type')).toBe('password')
    expect(pin.attributes('autocomplete')).toBe('off')
    expect(document.activeElement).toBe(pin.element)
    expect(findButton(wrapper, t.addKey.submit)).toBeNull()
    button(wrapper, t.common.cancel)

    await enterPin(wrapper, locale, '0000')
    expect(alerts(wrapper)).toEqual([
      `${t.errors.FIDO_PIN_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 7 })}`,
    ])
    const again = field(wrapper, t.key.pin)
    expect(again.element.value).toBe('')
    // under the PIN field, the spoken summary kept
    expect(errorUnder(wrapper, t.key.pin)).toBe(alerts(wrapper)[0])
    expect(wrapper.find('[role="alert"]').classes()).toContain('sr-only')
    expect(document.activeElement).toBe(again.element)

    await enterPin(wrapper, locale, '4321')
    expect(statuses(wrapper)).toEqual([t.key.touch])
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expect(wrapper.text()).toContain(t.keyAdded.passwordless)
    expect(bridge.callsOf('registerKey')).toEqual([
      { name: 'YubiKey bleue' },
      { name: 'YubiKey bleue', pin: '0000' },
      { name: 'YubiKey bleue', pin: '4321' },
    ])
  })

  it('warns when few PIN attempts are left, and says to replug after three wrong PINs in a row', async () => {
    bridge.key.pin = '4321'
    bridge.key.retries = 4
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue', '1111')
    expect(alerts(wrapper)).toEqual([
      `${t.errors.FIDO_PIN_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 3 })} ${t.errorExtra.pinLastAttempts}`,
    ])
    await enterPin(wrapper, locale, '2222')
    await enterPin(wrapper, locale, '3333')
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_PIN_AUTH_BLOCKED])
    field(wrapper, t.key.pin)
    // Unplugged and plugged in again, the right PIN works.
    bridge.replugKey()
    await enterPin(wrapper, locale, '4321')
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
  })

  it('a blocked PIN goes back to the form with a sentence, and never offers a reset', async () => {
    bridge.key.pin = '4321'
    bridge.key.retries = 1
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue', '1111')
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_PIN_BLOCKED])
    field(wrapper, t.addKey.name)
    expect(field(wrapper, t.addKey.pin).element.value).toBe('')
    expect(pageTextLower(wrapper)).not.toMatch(/réinitialis|reset/)
  })

  it('refuses an empty name and a short PIN without calling main', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await button(wrapper, t.addKey.submit).trigger('click')
    expect(alerts(wrapper)).toEqual([t.addKey.nameMissing])
    expect(errorUnder(wrapper, t.addKey.name)).toBe(t.addKey.nameMissing)
    const name = field(wrapper, t.addKey.name)
    await settle()
    expect(document.activeElement).toBe(name.element)
    await submitKey(wrapper, locale, 'YubiKey bleue', '12')
    expect(alerts(wrapper)).toEqual([t.key.pinTooShort])
    expect(errorUnder(wrapper, t.addKey.pin)).toBe(t.key.pinTooShort)
    expect(errorUnder(wrapper, t.addKey.name)).toBeNull()
    expect(field(wrapper, t.addKey.pin).element.value).toBe('')
    expect(bridge.callsOf('registerKey')).toHaveLength(0)
  })

  it('says a key already registered is already there', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await skipPinSetup(wrapper, locale)
    await touch(bridge)
    await button(wrapper, t.keyAdded.backFactors).trigger('click')
    await settle()
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
    await submitKey(wrapper, locale, 'Encore elle')
    await skipPinSetup(wrapper, locale)
    await touch(bridge)
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_CREDENTIAL_EXCLUDED])
    expect(heading(wrapper)).toBe(t.addKey.title)
  })

  it('a U2F-only key cannot have a PIN: registered without one, the PIN field is said to stay empty', async () => {
    bridge.key.u2fOnly = true
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue', '4321')
    expect(wrapper.text()).not.toContain(t.keyPinSetup.title)
    expect(alerts(wrapper)).toEqual([t.errorsKey.register.FIDO_PIN_NOT_SET])
    const pin = field(wrapper, t.addKey.pin)
    expect(pin.attributes('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(pin.element)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
  })

  it('says when nobody touched the key in time', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await skipPinSetup(wrapper, locale)
    bridge.keyTimesOut()
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_TIMEOUT])
    field(wrapper, t.addKey.name)
  })

  it.each([
    ['FIDO_NO_DEVICE', 'errors'],
    ['FIDO_KEY_NOT_ALLOWED', 'errors'],
    ['FIDO_DEVICE_ERROR', 'errors'],
    ['FIDO_KEY_REFUSED', 'register'],
  ] as const)('turns %s into a sentence with the next step', async (code, where) => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper, locale)
    bridge.failNext('registerKey', code)
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await skipPinSetup(wrapper, locale)
    const sentence = where === 'register' ? t.errorsKey.register.FIDO_KEY_REFUSED : t.errors[code]
    expect(alerts(wrapper)).toEqual([sentence])
    expect(wrapper.text()).not.toContain(code)
    expect(heading(wrapper)).toBe(t.addKey.title)
  })

  it('removes a key only after a confirmation dialog that names it', async () => {
    bridge.accounts.get(AGNES)!.keys = [
      { id: 'k1', name: 'YubiKey bleue', createdAt: Date.now(), lastUsedAt: null },
      { id: 'k2', name: 'Clé de secours', createdAt: Date.now(), lastUsedAt: null },
    ]
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    const remove = wrapper.findAll('.keys__item')[1]!.find('button')
    ;(remove.element as HTMLElement).focus()
    await remove.trigger('click')
    const dialog = wrapper.find('[role="alertdialog"]')
    expect(dialog.attributes('aria-modal')).toBe('true')
    expect(wrapper.find(`#${dialog.attributes('aria-labelledby')}`).text()).toBe(
      t.factors.confirmKeyTitle,
    )
    expect(wrapper.find(`#${dialog.attributes('aria-describedby')}`).text()).toBe(
      fill(t.factors.confirmKeyText, { name: 'Clé de secours' }),
    )
    expect(document.activeElement?.textContent?.trim()).toBe(t.common.cancel)
    await press(document.activeElement!, 'Escape')
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(document.activeElement).toBe(remove.element)
    expect(bridge.callsOf('removeKey')).toHaveLength(0)

    await remove.trigger('click')
    await button(wrapper, t.factors.confirmKey).trigger('click')
    await settle()
    expect(bridge.callsOf('removeKey')).toEqual([{ id: 'k2' }])
    expect(statuses(wrapper)).toEqual([t.factors.keyRemoved])
    expect(wrapper.text()).not.toContain('Clé de secours')
    expect(wrapper.findAll('.keys__item')).toHaveLength(1)
    expect(document.activeElement?.textContent?.trim()).toBe(t.factors.addKey)
  })

  it('says a key removed meanwhile is gone, and shows the list as it is now', async () => {
    bridge.accounts.get(AGNES)!.keys = [
      { id: 'k1', name: 'YubiKey bleue', createdAt: Date.now(), lastUsedAt: null },
    ]
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    bridge.accounts.get(AGNES)!.keys = []
    await wrapper.find('.keys__item button').trigger('click')
    await button(wrapper, t.factors.confirmKey).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.KEY_NOT_FOUND])
    expect(wrapper.text()).toContain(t.factors.noKeys)
    expect(bridge.callsOf('listFactors')).toHaveLength(2)
  })

  it('says e-mailed codes no longer work once a key is the only factor', async () => {
    bridge.accounts.get(AGNES)!.app = null
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(wrapper.text()).not.toContain(t.factors.emailInactiveKey)
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await skipPinSetup(wrapper, locale)
    await touch(bridge)
    await button(wrapper, t.keyAdded.backFactors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain(t.factors.emailInactiveKey)
  })
})

describe.each(LOCALES)('the enroll policy screen offers a key (%s)', (locale) => {
  const t = m(locale)

  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('adds a key from « Sécurisez votre compte », then continues home', async () => {
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin', mustEnroll: true })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery')
    expect(heading(wrapper)).toBe(t.enroll.title)
    button(wrapper, t.enroll.add)
    await button(wrapper, t.enroll.addKey).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.addKey.title)
    // Cancelling goes back to the policy screen, not to the factors.
    await button(wrapper, t.common.cancel).trigger('click')
    expect(heading(wrapper)).toBe(t.enroll.title)
    await button(wrapper, t.enroll.addKey).trigger('click')
    await submitKey(wrapper, locale, 'YubiKey bleue')
    await skipPinSetup(wrapper, locale)
    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    await button(wrapper, t.keyAdded.continue).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })
})

describe('the touch animation', () => {
  it('is calm and stops under prefers-reduced-motion', async () => {
    const css = await readStylesheet()
    expect(css).toMatch(/\.key-prompt--touch \.key-prompt__pad \{\s*animation: key-pulse 2s/)
    const reduced = css.slice(css.indexOf('@media (prefers-reduced-motion: reduce)'))
    expect(reduced).toMatch(
      /^@media \(prefers-reduced-motion: reduce\) \{\s*\.key-prompt--touch \.key-prompt__pad \{\s*animation: none;/,
    )
  })
})

/** The stylesheet as written (CSS imports are empty under vitest). Run from the repository root. */
async function readStylesheet(): Promise<string> {
  // The renderer's type configuration has no Node types; the test runs in Node all the same.
  const fs = (await import(/* @vite-ignore */ 'node:fs' as string)) as {
    readFileSync(path: string, encoding: 'utf8'): string
  }
  return fs.readFileSync('src-renderer/styles/main.css', 'utf8')
}

function pageTextLower(wrapper: VueWrapper): string {
  return wrapper.text().toLowerCase()
}
