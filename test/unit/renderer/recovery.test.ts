// Recovery codes: « Utiliser un code de secours » on the code screen (any case,
// dashes optional), home asking to check the factors afterwards, the codes shown
// once after the first app or key and after « Générer de nouveaux codes de
// secours » (confirmed), hiding after 60 s, gone once the clerk leaves, and
// « Codes de secours restants : N ».

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import type { Locale } from '../../../src-renderer/i18n'
import { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  alerts,
  button,
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
const CODES = Array.from({ length: 10 }, (_, i) => `K7M${i}-WXYZ-${i}9AB-QRST`)

async function toCodeScreen(wrapper: VueWrapper, locale: Locale): Promise<void> {
  await type(field(wrapper, m(locale).signIn.email), AGNES)
  await type(field(wrapper, m(locale).signIn.password), 'correct horse battery')
  await button(wrapper, m(locale).signIn.submit).trigger('click')
  await settle()
}

function shownCodes(wrapper: VueWrapper): string[] {
  return wrapper.findAll('.recovery__code').map((code) => code.text())
}

/** The « Vos codes de secours » section, with its heading, list and advice. */
function expectCodesSection(wrapper: VueWrapper, locale: Locale, codes: string[]): void {
  const t = m(locale)
  const section = wrapper.find('section.recovery')
  expect(section.exists()).toBe(true)
  const title = section.find('h2')
  expect(title.text()).toBe(t.recoveryCodes.title)
  expect(section.attributes('aria-labelledby')).toBe(title.attributes('id'))
  const list = section.find('ul')
  expect(list.attributes('aria-labelledby')).toBe(title.attributes('id'))
  expect(list.findAll('li').map((item) => item.text())).toEqual(codes)
  expect(section.text()).toContain(t.recoveryCodes.once)
  expect(section.text()).toContain(t.recoveryCodes.copy)
  // Neither a download nor a print: no link, no such button.
  expect(section.findAll('a')).toHaveLength(0)
  for (const candidate of wrapper.findAll('button')) {
    expect(candidate.text()).not.toMatch(/télécharg|imprim|download|print/i)
  }
}

describe.each(LOCALES)('signing in with a recovery code (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Ancien téléphone', createdAt: Date.now() },
      recoveryCodes: [...CODES],
    })
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('offers « Utiliser un code de secours » only when the account has codes left', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale)
    button(wrapper, t.code.useRecovery)
    await button(wrapper, t.common.back).trigger('click')
    await settle()
    bridge.accounts.get(AGNES)!.recoveryCodes = []
    await toCodeScreen(wrapper, locale)
    expect(heading(wrapper)).toBe(t.code.title)
    expect(findButton(wrapper, t.code.useRecovery)).toBeNull()
  })

  it('signs in with a code typed in lower case without dashes, then asks to check the factors', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale)
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.code.recoveryTitle)
    const input = field(wrapper, t.code.recoveryLabel)
    expect(document.activeElement).toBe(input.element)
    expect(input.attributes('autocomplete')).toBe('off')
    expect(wrapper.text()).toContain(t.code.recoveryHint)
    expect(wrapper.findAll('input')).toHaveLength(1)
    await type(input, ' k7m3 wxyz39abqrst ')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('useRecoveryCode')).toEqual([{ code: 'K7M3-WXYZ-39AB-QRST' }])
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    const check = wrapper.find('section.check-factors')
    expect(check.find('h2').text()).toBe(t.home.checkTitle)
    expect(check.text()).toContain(t.home.checkText)
    await button(wrapper, t.home.checkButton).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(wrapper.text()).toContain(fill(t.factors.recoveryLeft, { left: 9 }))
  })

  it('says a code that is not a recovery code has 16 characters, without calling', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale)
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    await type(field(wrapper, t.code.recoveryLabel), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.code.recoveryFormat])
    expect(field(wrapper, t.code.recoveryLabel).attributes('aria-invalid')).toBe('true')
    expect(bridge.callsOf('useRecoveryCode')).toHaveLength(0)
  })

  it('says a wrong or used code is not valid, empties the field, and a code works once', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale)
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    await type(field(wrapper, t.code.recoveryLabel), 'AAAA-BBBB-CCCC-DDDD')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.RECOVERY_CODE_INVALID])
    const input = field(wrapper, t.code.recoveryLabel)
    expect(input.element.value).toBe('')
    expect(input.attributes('aria-describedby')).toContain(
      wrapper.find('[role="alert"]').attributes('id'),
    )
    expect(document.activeElement).toBe(input.element)

    // The first code signs in; the same code again is refused.
    await type(input, CODES[0]!)
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    await button(wrapper, t.home.signOut).trigger('click')
    await settle()
    await toCodeScreen(wrapper, locale)
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    await type(field(wrapper, t.code.recoveryLabel), CODES[0]!)
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.RECOVERY_CODE_INVALID])
  })

  it('goes back to the code with Escape or « Retour », forgetting what was typed', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale)
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    await type(field(wrapper, t.code.recoveryLabel), 'K7M0-WXYZ')
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.code.title)
    expect(document.activeElement).toBe(field(wrapper, t.code.label).element)
    expect(wrapper.html()).not.toContain('K7M0')
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    expect(field(wrapper, t.code.recoveryLabel).element.value).toBe('')
    await button(wrapper, t.common.back).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.code.title)
    // The code screen's own « Retour » still ends the attempt.
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(0)
  })

  it('offers the recovery code next to the key when the key is the only factor', async () => {
    const agnes = bridge.accounts.get(AGNES)!
    agnes.app = null
    agnes.keys = [{ id: 'k1', name: 'YubiKey', createdAt: Date.now(), lastUsedAt: null }]
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale)
    expect(heading(wrapper)).toBe(t.code.titleKey)
    await button(wrapper, t.code.useRecovery).trigger('click')
    await settle()
    await type(field(wrapper, t.code.recoveryLabel), CODES[4]!.toLowerCase())
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(wrapper.find('section.check-factors').exists()).toBe(true)
  })

  it('shows no check notice after an ordinary sign-in', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery', '246810')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(wrapper.find('section.check-factors').exists()).toBe(false)
    expect(findButton(wrapper, t.home.checkButton)).toBeNull()
  })
})

describe.each(LOCALES)('showing recovery codes once (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 11, 0, 0), locale)
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
  })
  afterEach(releaseKiosk)

  async function addFirstApp(wrapper: VueWrapper): Promise<string[]> {
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain(t.factors.recoveryNone)
    expect(findButton(wrapper, t.factors.newRecovery)).toBeNull()
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.appAdded.title)
    return bridge.recoveryCodesOf(AGNES)
  }

  it('shows the codes of the first app in their groups, with what to do with them', async () => {
    const wrapper = await mountKiosk(bridge)
    const codes = await addFirstApp(wrapper)
    expect(codes).toHaveLength(10)
    for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
    expectCodesSection(wrapper, locale, codes)
    // The kept factors carry no codes: the screen is their only copy.
    await button(wrapper, t.appAdded.backFactors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(wrapper.find('section.recovery').exists()).toBe(false)
    for (const code of codes) expect(document.body.innerHTML).not.toContain(code)
    expect(wrapper.text()).toContain(fill(t.factors.recoveryLeft, { left: 10 }))
    button(wrapper, t.factors.newRecovery)
  })

  it('hides the codes after 5 minutes, shows them again on request, and forgets them on leaving', async () => {
    const wrapper = await mountKiosk(bridge)
    const codes = await addFirstApp(wrapper)
    await vi.advanceTimersByTimeAsync(299_000)
    expect(shownCodes(wrapper)).toEqual(codes)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(shownCodes(wrapper)).toEqual([])
    for (const code of codes) expect(document.body.innerHTML).not.toContain(code)
    expect(statuses(wrapper)).toEqual([t.recoveryCodes.hidden])
    await button(wrapper, t.recoveryCodes.showAgain).trigger('click')
    expect(shownCodes(wrapper)).toEqual(codes)
    // The words agree with « Afficher à nouveau »: shown again, until the clerk leaves.
    expect(t.recoveryCodes.copy).not.toMatch(/jamais|never/)
    // « J'ai noté mes codes » hides them at once.
    await button(wrapper, t.recoveryCodes.copied).trigger('click')
    expect(shownCodes(wrapper)).toEqual([])
    expect(statuses(wrapper)).toEqual([t.recoveryCodes.hidden])
    await button(wrapper, t.appAdded.backFactors).trigger('click')
    await settle()
    expect(findButton(wrapper, t.recoveryCodes.showAgain)).toBeNull()
    for (const code of codes) expect(document.body.innerHTML).not.toContain(code)
  })

  it('shows the codes of a first security key', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
    await type(field(wrapper, t.addKey.name), 'YubiKey bleue')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    // the key has no PIN: its set-up is offered first
    await button(wrapper, t.keyPinSetup.skip).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expectCodesSection(wrapper, locale, bridge.recoveryCodesOf(AGNES))
  })

  it('shows no codes when a factor is added while codes are left', async () => {
    bridge.accounts.get(AGNES)!.recoveryCodes = [...CODES]
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain(fill(t.factors.recoveryLeft, { left: 10 }))
    await button(wrapper, t.factors.addApp).trigger('click')
    await settle()
    await type(field(wrapper, t.addApp.code), '246810')
    await button(wrapper, t.addApp.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.appAdded.title)
    expect(wrapper.find('section.recovery').exists()).toBe(false)
    expect(bridge.recoveryCodesOf(AGNES)).toEqual(CODES)
  })

  it('generates a new set only after a confirmation saying the old ones stop working', async () => {
    const agnes = bridge.accounts.get(AGNES)!
    agnes.app = { deviceName: 'Pixel', createdAt: Date.now() }
    agnes.recoveryCodes = CODES.slice(0, 3)
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    const titles = wrapper.findAll('h3').map((title) => title.text())
    expect(titles).toContain(t.factors.recoveryTitle)
    expect(wrapper.text()).toContain(fill(t.factors.recoveryLeft, { left: 3 }))

    const generate = button(wrapper, t.factors.newRecovery)
    ;(generate.element as HTMLElement).focus()
    await generate.trigger('click')
    const dialog = wrapper.find('[role="alertdialog"]')
    expect(wrapper.find(`#${dialog.attributes('aria-labelledby')}`).text()).toBe(
      t.factors.confirmRecoveryTitle,
    )
    expect(wrapper.find(`#${dialog.attributes('aria-describedby')}`).text()).toBe(
      t.factors.confirmRecoveryText,
    )
    expect(document.activeElement?.textContent?.trim()).toBe(t.common.cancel)
    await press(document.activeElement!, 'Escape')
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(document.activeElement).toBe(generate.element)
    await generate.trigger('click')
    await button(wrapper, t.common.cancel).trigger('click')
    expect(bridge.callsOf('issueRecoveryCodes')).toHaveLength(0)

    await button(wrapper, t.factors.newRecovery).trigger('click')
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    expect(bridge.callsOf('issueRecoveryCodes')).toEqual([{}])
    const codes = bridge.recoveryCodesOf(AGNES)
    expect(codes).toHaveLength(10)
    expect(codes).not.toContain(CODES[0])
    expectCodesSection(wrapper, locale, codes)
    expect(document.activeElement).toBe(wrapper.find('section.recovery h2').element)
    expect(wrapper.text()).toContain(fill(t.factors.recoveryLeft, { left: 10 }))
    expect(heading(wrapper)).toBe(t.factors.title)

    // Hidden after 5 minutes on this screen too, and gone once the clerk leaves.
    await vi.advanceTimersByTimeAsync(301_000)
    expect(shownCodes(wrapper)).toEqual([])
    await button(wrapper, t.recoveryCodes.showAgain).trigger('click')
    expect(shownCodes(wrapper)).toEqual(codes)
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(wrapper.find('section.recovery').exists()).toBe(false)
    for (const code of codes) expect(document.body.innerHTML).not.toContain(code)
  })

  it('says when a new set cannot be made', async () => {
    bridge.accounts.get(AGNES)!.app = { deviceName: 'Pixel', createdAt: Date.now() }
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    bridge.failNext('issueRecoveryCodes', 'NO_RECOVERY_CODES')
    await button(wrapper, t.factors.newRecovery).trigger('click')
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.NO_RECOVERY_CODES])
    expect(wrapper.find('section.recovery').exists()).toBe(false)
    expect(document.activeElement?.textContent?.trim()).toBe(t.factors.newRecovery)
  })
})
