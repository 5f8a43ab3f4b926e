// 4 and 5. « Mes facteurs d’authentification », adding an app (QR, key groups,
// hiding after 60 s), its confirmation, and removing it after a confirmation.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import type { Locale } from '../../../src-renderer/i18n'
import { LIMITS } from '../../../src-main/contract/methods'
import type { FakeBridge } from './fakeBridge'
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

async function openFactors(wrapper: VueWrapper, locale: Locale): Promise<void> {
  await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
  await button(wrapper, m(locale).home.factors).trigger('click')
  await settle()
}

describe.each(LOCALES)('factors and adding an app (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 14, 0, 0), locale)
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
  })
  afterEach(releaseKiosk)

  it('lists the factors under « Paramètres de connexion »', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(wrapper.find('h2').text()).toBe(t.factors.section)
    expect(wrapper.text()).toContain(fill(t.factors.emailText, { email: 'agnes@mairie.fr' }))
    expect(wrapper.text()).toContain(t.factors.noApp)
    expect(wrapper.text()).toContain(t.factors.noKeys)
    button(wrapper, t.factors.addApp)
    expect(findButton(wrapper, t.factors.removeApp)).toBeNull()
    expect(findButton(wrapper, t.factors.replaceApp)).toBeNull()
  })

  it('adds an app: QR named « QR code à scanner », key in groups, code and device name, confirmation', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.addApp.title)
    // The seed's marker on « Code unique * », none on the optional « Nom de l’appareil ».
    const label = (text: string) => wrapper.findAll('label').find((l) => l.text() === text)!
    expect(label(t.addApp.code).classes()).toContain('field__label--required')
    expect(label(t.addApp.deviceName).classes()).not.toContain('field__label--required')
    expect(wrapper.text()).toContain(t.addApp.step2)
    const qr = wrapper.find('img')
    expect(qr.attributes('alt')).toBe(t.addApp.qrAlt)
    expect(qr.attributes('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/)
    expect(wrapper.findAll('.enroll__group').map((group) => group.text())).toEqual([
      'JBSW',
      'Y3DP',
      'EHPK',
      '3PXP',
    ])
    expect(wrapper.find('[style]').exists()).toBe(false)
    const code = field(wrapper, t.addApp.code)
    expect(code.attributes('inputmode')).toBe('numeric')
    expect(code.attributes('autocomplete')).toBe('one-time-code')
    const device = field(wrapper, t.addApp.deviceName)
    expect(device.attributes('autocomplete')).toBe('off')
    await type(code, '246 810')
    await type(device, '  Téléphone du bureau ')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('confirmAppEnrollment')).toEqual([
      { code: '246810', deviceName: 'Téléphone du bureau' },
    ])
    expect(heading(wrapper)).toBe(t.appAdded.title)
    expect(wrapper.text()).toContain(t.appAdded.text)
    await button(wrapper, t.appAdded.backFactors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(Date.now())
    expect(wrapper.text()).toContain(
      fill(t.factors.appText, { device: 'Téléphone du bureau', date }),
    )
    expect(wrapper.text()).toContain(t.factors.emailInactive)
    button(wrapper, t.factors.replaceApp)
    button(wrapper, t.factors.removeApp)
  })

  it('replaces the app: says so, and warns that the current phone stops working once confirmed', async () => {
    bridge.accounts.get('agnes@mairie.fr')!.app = { deviceName: 'Pixel', createdAt: Date.now() }
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    // Replacing a phone that works is not the screen's main action: a secondary button.
    expect(button(wrapper, t.factors.replaceApp).classes()).toContain('button--secondary')
    await button(wrapper, t.factors.replaceApp).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.addApp.replaceTitle)
    const warning = wrapper.find('.message--warning')
    expect(warning.text()).toBe(fill(t.addApp.replaceWarning, { device: 'Pixel' }))
    const code = field(wrapper, t.addApp.code)
    expect(code.attributes('aria-describedby')?.split(' ')).toContain(warning.attributes('id'))
    expect(findButton(wrapper, t.addApp.submit)).toBeNull()
    await type(code, '246810')
    await button(wrapper, t.addApp.replaceSubmit).trigger('click')
    await settle()
    expect(bridge.callsOf('confirmAppEnrollment')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.appAdded.title)
  })

  it('adds a first app without a word about replacing one', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    expect(button(wrapper, t.factors.addApp).classes()).toContain('button--primary')
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.addApp.title)
    expect(wrapper.find('.message--warning').exists()).toBe(false)
    button(wrapper, t.addApp.submit)
  })

  it('hides the QR code and the key after 60 s and shows them again on request', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    await vi.advanceTimersByTimeAsync(59_000)
    expect(wrapper.find('img').exists()).toBe(true)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(wrapper.find('img').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('JBSW')
    expect(statuses(wrapper)).toEqual([t.addApp.hidden])
    await button(wrapper, t.addApp.showAgain).trigger('click')
    expect(wrapper.find('img').attributes('alt')).toBe(t.addApp.qrAlt)
    expect(wrapper.text()).toContain('JBSW')
    await vi.advanceTimersByTimeAsync(61_000)
    expect(wrapper.find('img').exists()).toBe(false)
  })

  it('says a wrong app code is wrong with the app next step, and an expired QR offers a new one', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    await type(field(wrapper, t.addApp.code), '111111')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    // as the engine (bridge-parity): the tries left of this enrollment
    const wrong = `${t.errorsApp.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, {
      attemptsLeft: LIMITS.enrollmentMaxTries - 1,
    })}`
    expect(alerts(wrapper)).toEqual([wrong])
    // under « Code unique », the spoken summary kept
    expect(errorUnder(wrapper, t.addApp.code)).toBe(wrong)
    expect(wrapper.find('[role="alert"]').classes()).toContain('sr-only')
    expect(errorUnder(wrapper, t.addApp.deviceName)).toBeNull()
    bridge.failNext('confirmAppEnrollment', 'VALIDATION', { field: 'deviceName' })
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(errorUnder(wrapper, t.addApp.deviceName)).toBe(
      `${t.errors.VALIDATION} ${fill(t.errorExtra.field, { field: t.fields.deviceName })}`,
    )
    expect(errorUnder(wrapper, t.addApp.code)).toBeNull()
    bridge.failNext('confirmAppEnrollment', 'NO_PENDING_ENROLLMENT')
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.NO_PENDING_ENROLLMENT])
    expect(errorUnder(wrapper, t.addApp.code)).toBeNull() // the QR code's, not the field's
    await button(wrapper, t.addApp.newQr).trigger('click')
    await settle()
    expect(bridge.callsOf('beginAppEnrollment')).toHaveLength(2)
    expect(alerts(wrapper)).toEqual([])
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.appAdded.title)
  })

  it('cancels adding an app with Escape', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.factors.title)
  })

  it('removes the app only after a confirmation dialog; Escape and « Annuler » keep it', async () => {
    bridge.accounts.get('agnes@mairie.fr')!.app = { deviceName: 'Pixel', createdAt: Date.now() }
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    const remove = button(wrapper, t.factors.removeApp)
    ;(remove.element as HTMLElement).focus()
    await remove.trigger('click')
    const dialog = wrapper.find('[role="alertdialog"]')
    expect(dialog.attributes('aria-modal')).toBe('true')
    expect(wrapper.find(`#${dialog.attributes('aria-labelledby')}`).text()).toBe(
      t.factors.confirmTitle,
    )
    expect(wrapper.find(`#${dialog.attributes('aria-describedby')}`).text()).toBe(
      t.factors.confirmText,
    )
    // The safe choice has the focus; Tab stays inside the dialog.
    expect(document.activeElement?.textContent?.trim()).toBe(t.common.cancel)
    await press(document.activeElement!, 'Tab')
    expect(document.activeElement?.textContent?.trim()).toBe(t.factors.confirm)
    await press(document.activeElement!, 'Escape')
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(document.activeElement).toBe(remove.element)
    expect(bridge.callsOf('removeApp')).toHaveLength(0)

    await remove.trigger('click')
    await button(wrapper, t.common.cancel).trigger('click')
    expect(bridge.callsOf('removeApp')).toHaveLength(0)

    await button(wrapper, t.factors.removeApp).trigger('click')
    await button(wrapper, t.factors.confirm).trigger('click')
    await settle()
    expect(bridge.callsOf('removeApp')).toHaveLength(1)
    expect(statuses(wrapper)).toEqual([t.factors.removed])
    expect(wrapper.text()).toContain(t.factors.noApp)
    button(wrapper, t.factors.addApp)
  })

  it('lists security keys when the account has some', async () => {
    const agnes = bridge.accounts.get('agnes@mairie.fr')!
    agnes.app = { deviceName: 'Pixel', createdAt: Date.now() }
    agnes.keys = [{ id: 'k1', name: 'YubiKey bleue', createdAt: Date.now(), lastUsedAt: null }]
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(Date.now())
    expect(wrapper.text()).toContain(fill(t.factors.keyText, { name: 'YubiKey bleue', date }))
    expect(wrapper.text()).not.toContain(t.factors.noKeys)
  })

  it('says when the factors cannot be read', async () => {
    bridge.failNext('listFactors', 'SERVICE_UNAVAILABLE')
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper, locale)
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(alerts(wrapper)).toEqual([t.errors.SERVICE_UNAVAILABLE])
  })
})
