// 9. First start with an empty store: IT's account, its app enrolled on the spot
// with the same QR screen, « Application enregistrée » with its recovery codes,
// then home.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
  settle,
  statuses,
  type,
} from './helpers'
import type { VueWrapper } from '@vue/test-utils'
import type { Locale } from '../../../src-renderer/i18n'

async function fillAccount(
  wrapper: VueWrapper,
  locale: Locale,
  password = 'une phrase de passe solide',
  confirm = password,
): Promise<void> {
  const t = m(locale).firstStart
  await type(field(wrapper, t.email), 'dsi@mairie.fr')
  await type(field(wrapper, t.name), 'Service informatique')
  await type(field(wrapper, t.password), password)
  await type(field(wrapper, t.confirm), confirm)
  await button(wrapper, t.submit).trigger('click')
  await settle()
}

describe.each(LOCALES)('first start (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('creates IT’s account, enrolls its app on the same QR screen, and lands on home', async () => {
    const wrapper = await mountKiosk(bridge)
    expect(heading(wrapper)).toBe(t.firstStart.title)
    for (const label of [
      t.firstStart.email,
      t.firstStart.name,
      t.firstStart.password,
      t.firstStart.confirm,
    ]) {
      expect(field(wrapper, label).attributes('autocomplete')).toBe('off')
    }
    const password = field(wrapper, t.firstStart.password)
    const hintId = wrapper
      .findAll('p')
      .find((p) => p.text() === t.firstStart.passwordHint)!
      .attributes('id')
    expect(password.attributes('aria-describedby')).toContain(hintId)
    button(wrapper, 'English')

    await fillAccount(wrapper, locale)
    expect(bridge.callsOf('beginSetup')).toEqual([
      {
        email: 'dsi@mairie.fr',
        name: 'Service informatique',
        password: 'une phrase de passe solide',
      },
    ])
    expect(heading(wrapper)).toBe(t.addApp.setupTitle)
    expect(wrapper.find('img').attributes('alt')).toBe(t.addApp.qrAlt)
    expect(wrapper.findAll('.enroll__group').map((group) => group.text())).toEqual([
      'SETU',
      'PKEY',
      'ABCD',
      'EFGH',
    ])
    // Nothing to go back to: the account is being created.
    expect(findButton(wrapper, t.common.cancel)).toBeNull()
    await type(field(wrapper, t.addApp.code), '246810')
    await type(field(wrapper, t.addApp.deviceName), 'Téléphone DSI')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('confirmSetup')).toEqual([
      { code: '246810', deviceName: 'Téléphone DSI' },
    ])
    // The same confirmation as a clerk's first app, with IT's 10 recovery codes.
    expect(heading(wrapper)).toBe(t.appAdded.title)
    expect(wrapper.text()).toContain(t.appAdded.text)
    const codes = bridge.recoveryCodesOf('dsi@mairie.fr')
    expect(codes).toHaveLength(10)
    expect(wrapper.findAll('.recovery__code').map((code) => code.text())).toEqual(codes)
    expect(findButton(wrapper, t.appAdded.backFactors)).toBeNull()
    await button(wrapper, t.appAdded.continue).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Service informatique' }))
    expect(statuses(wrapper)).toEqual([t.home.setupDone])
    // The codes lived on that screen only; « Mes facteurs » counts them.
    for (const code of codes) expect(document.body.innerHTML).not.toContain(code)
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain(fill(t.factors.recoveryLeft, { left: 10 }))
  })

  it('refuses two different passwords before calling the engine', async () => {
    const wrapper = await mountKiosk(bridge)
    await fillAccount(wrapper, locale, 'une phrase de passe solide', 'une autre phrase')
    expect(bridge.callsOf('beginSetup')).toHaveLength(0)
    expect(alerts(wrapper)).toEqual([t.firstStart.mismatch])
    expect(errorUnder(wrapper, t.firstStart.confirm)).toBe(t.firstStart.mismatch)
    expect(errorUnder(wrapper, t.firstStart.password)).toBeNull()
    const confirm = field(wrapper, t.firstStart.confirm)
    expect(document.activeElement).toBe(confirm.element)
  })

  it('puts each missing or malformed field’s error under it, the summary kept for screen readers', async () => {
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.firstStart.email), 'dsi.mairie.fr')
    await button(wrapper, t.firstStart.submit).trigger('click')
    await settle()
    const format = fill(t.common.emailFormat, { example: 'prenom.nom@mairie.fr' })
    expect(errorUnder(wrapper, t.firstStart.email)).toBe(format)
    expect(alerts(wrapper)).toEqual([format])
    await type(field(wrapper, t.firstStart.email), 'dsi@mairie.fr')
    await button(wrapper, t.firstStart.submit).trigger('click')
    await settle()
    expect(errorUnder(wrapper, t.firstStart.email)).toBeNull()
    expect(errorUnder(wrapper, t.firstStart.name)).toBe(t.firstStart.nameMissing)
    expect(document.activeElement).toBe(field(wrapper, t.firstStart.name).element)
    // the engine's VALIDATION of the name: under the name, not in a box below the form
    bridge.failNext('beginSetup', 'VALIDATION', { field: 'name' })
    await fillAccount(wrapper, locale)
    expect(errorUnder(wrapper, t.firstStart.name)).toBe(
      `${t.errors.VALIDATION} ${fill(t.errorExtra.field, { field: t.fields.name })}`,
    )
    expect(wrapper.find('.message--error:not(.field__error)').exists()).toBe(false)
    expect(bridge.callsOf('beginSetup')).toHaveLength(1)
  })

  it('explains a refused password with its rule, tied to the password field', async () => {
    const wrapper = await mountKiosk(bridge)
    await fillAccount(wrapper, locale, 'court')
    const sentence = `${t.errors.PASSWORD_REJECTED} ${t.passwordRejection['too-short']}`
    expect(alerts(wrapper)).toEqual([sentence])
    expect(errorUnder(wrapper, t.firstStart.password)).toBe(sentence)
    expect(wrapper.find('[role="alert"]').classes()).toContain('sr-only')
    const password = field(wrapper, t.firstStart.password)
    expect(password.attributes('aria-describedby')).toContain(
      password.element.parentElement!.nextElementSibling!.id, // the hint stays
    )
    expect(password.element.value).toBe('')
    expect(document.activeElement).toBe(password.element)
  })

  it('goes to sign-in with a sentence when the kiosk was set up meanwhile', async () => {
    const wrapper = await mountKiosk(bridge)
    bridge.addAccount({ email: 'autre@mairie.fr', name: 'Autre' })
    await fillAccount(wrapper, locale)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(alerts(wrapper)).toEqual([t.errors.SETUP_ALREADY_DONE])
  })

  it('starts over when the setup QR code expired', async () => {
    const wrapper = await mountKiosk(bridge)
    await fillAccount(wrapper, locale)
    bridge.failNext('confirmSetup', 'NO_PENDING_ENROLLMENT')
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.NO_PENDING_ENROLLMENT])
    await button(wrapper, t.addApp.newQr).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.firstStart.title)
    expect(alerts(wrapper)).toEqual([t.errors.NO_PENDING_ENROLLMENT])
    expect(field(wrapper, t.firstStart.email).element.value).toBe('')
  })
})
