// Step-up: a sensitive change made more than 5 minutes after the second factor
// answers STEP_UP_REQUIRED; « Confirmez votre identité » asks for the app's code,
// an e-mailed code (masked address, countdown, « Renvoyer un code ») or the key
// (touch, PIN), then the clerk's action goes on by itself. « Annuler » or Escape
// goes back to where the clerk was, with nothing done.

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
const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'une autre phrase de passe'

function giveKey(bridge: FakeBridge): void {
  bridge.accounts.get(AGNES)!.keys.push({
    id: 'k1',
    name: 'YubiKey bleue',
    createdAt: Date.now(),
    lastUsedAt: null,
  })
  bridge.key.credentials.push({ email: AGNES, keyId: 'k1', discoverable: false })
}

async function confirmWithApp(wrapper: VueWrapper, locale: Locale, code = '246810') {
  await type(field(wrapper, m(locale).code.label), code)
  await button(wrapper, m(locale).code.submit).trigger('click')
  await settle()
}

describe.each(LOCALES)('step-up with the app (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 16, 0, 0), locale)
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
      recoveryCodes: ['R0C0-WXYZ-00AB-QRST'],
    })
  })
  afterEach(releaseKiosk)

  async function openFactors(wrapper: VueWrapper): Promise<void> {
    await signInByEmail(wrapper, locale, AGNES, PASSWORD, '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
  }

  it('asks for the app code after 5 minutes, then removes the app as asked', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    await vi.advanceTimersByTimeAsync(5 * 60_000 + 1_000)
    await button(wrapper, t.factors.removeApp).trigger('click')
    await button(wrapper, t.factors.confirm).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(wrapper.text()).toContain(t.stepUp.intro)
    // It says which change it protects: the one the clerk just asked for.
    expect(wrapper.text()).toContain(fill(t.stepUp.action, { action: t.stepUp.actions.removeApp }))
    expect(wrapper.text()).toContain(t.stepUp.hintApp)
    expect(findButton(wrapper, t.code.useKey)).toBeNull()
    expect(findButton(wrapper, t.code.resend)).toBeNull()
    const code = field(wrapper, t.code.label)
    expect(document.activeElement).toBe(code.element)
    expect(bridge.callsOf('beginStepUp')).toHaveLength(1)
    expect(bridge.accounts.get(AGNES)!.app).not.toBeNull()

    await confirmWithApp(wrapper, locale, '111111')
    // A wrong app code says the tries left before a wait, as a wrong e-mailed code does.
    expect(alerts(wrapper)).toEqual([
      `${t.errorsApp.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`,
    ])
    expect(heading(wrapper)).toBe(t.stepUp.title)

    await confirmWithApp(wrapper, locale)
    expect(bridge.callsOf('stepUp')).toEqual([{ code: '111111' }, { code: '246810' }])
    expect(bridge.callsOf('removeApp')).toHaveLength(2)
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(statuses(wrapper)).toEqual([t.factors.removed])
    expect(bridge.accounts.get(AGNES)!.app).toBeNull()
  })

  it('goes on with a new set of recovery codes and shows them', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.newRecovery).trigger('click')
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    await confirmWithApp(wrapper, locale)
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(wrapper.findAll('.recovery__code').map((code) => code.text())).toEqual(
      bridge.recoveryCodesOf(AGNES),
    )
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
  })

  it('goes back with « Annuler » or Escape, with nothing done', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.newRecovery).trigger('click')
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    await type(field(wrapper, t.code.label), '24')
    await button(wrapper, t.common.cancel).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(wrapper.find('section.recovery').exists()).toBe(false)
    expect(bridge.callsOf('issueRecoveryCodes')).toHaveLength(1)
    expect(bridge.recoveryCodesOf(AGNES)).toEqual(['R0C0-WXYZ-00AB-QRST'])

    // Escape leaves the step-up only, not the factors screen behind it.
    await button(wrapper, t.factors.replaceApp).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(bridge.callsOf('beginAppEnrollment')).toHaveLength(1)
  })

  it('goes on to the QR code after « Remplacer l’application », saying what it protects', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.replaceApp).trigger('click')
    await settle()
    expect(wrapper.text()).toContain(fill(t.stepUp.action, { action: t.stepUp.actions.replaceApp }))
    await confirmWithApp(wrapper, locale)
    expect(heading(wrapper)).toBe(t.addApp.replaceTitle)
    expect(wrapper.find('img').attributes('alt')).toBe(t.addApp.qrAlt)
  })

  it('goes on to the touch after « Enregistrer la clé », keeping the name and PIN', async () => {
    bridge.key.pin = '4321'
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
    bridge.staleSecondFactor()
    await type(field(wrapper, t.addKey.name), 'YubiKey verte')
    await type(field(wrapper, t.addKey.pin), '4321')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(document.body.innerHTML).not.toContain('4321')
    await confirmWithApp(wrapper, locale)
    expect(heading(wrapper)).toBe(t.addKey.title)
    expect(wrapper.find('.key-prompt').exists()).toBe(true)
    bridge.touchKey()
    await settle()
    expect(bridge.callsOf('registerKey')).toEqual([
      { name: 'YubiKey verte', pin: '4321' },
      { name: 'YubiKey verte', pin: '4321' },
    ])
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expect(wrapper.text()).toContain(t.keyAdded.passwordless)
  })

  it('offers the key next to the app code when the account has one', async () => {
    giveKey(bridge)
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    bridge.staleSecondFactor()
    const removeKey = wrapper.find<HTMLButtonElement>('.keys__item button')
    expect(removeKey.text()).toBe(t.factors.removeKey)
    await removeKey.trigger('click')
    await button(wrapper, t.factors.confirmKey).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    field(wrapper, t.code.label)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(wrapper.find('.key-prompt').exists()).toBe(true)
    bridge.touchKey()
    await settle()
    expect(bridge.callsOf('stepUpWithKey')).toEqual([{}])
    expect(heading(wrapper)).toBe(t.factors.title)
    expect(statuses(wrapper)).toEqual([t.factors.keyRemoved])
  })

  it('starts a new check when the engine no longer has the previous one', async () => {
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.newRecovery).trigger('click')
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    bridge.failNext('stepUp', 'NO_PENDING_SIGN_IN')
    await confirmWithApp(wrapper, locale)
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(statuses(wrapper)).toEqual([t.stepUp.restarted])
    expect(bridge.callsOf('beginStepUp')).toHaveLength(2)
    expect(bridge.callsOf('signOut')).toHaveLength(0)
    await confirmWithApp(wrapper, locale)
    expect(heading(wrapper)).toBe(t.factors.title)
  })

  it('says when the check cannot start, with « Réessayer »', async () => {
    bridge.failNext('beginStepUp', 'SERVICE_UNAVAILABLE')
    const wrapper = await mountKiosk(bridge)
    await openFactors(wrapper)
    bridge.staleSecondFactor()
    await button(wrapper, t.factors.removeApp).trigger('click')
    await button(wrapper, t.factors.confirm).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(alerts(wrapper)).toEqual([t.errors.SERVICE_UNAVAILABLE])
    await button(wrapper, t.common.retry).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([])
    await confirmWithApp(wrapper, locale)
    expect(statuses(wrapper)).toEqual([t.factors.removed])
  })
})

describe.each(LOCALES)('step-up with an e-mailed code (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 16, 30, 0), locale)
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
  })
  afterEach(releaseKiosk)

  it('sends a code, counts down, resends, then changes the password as typed', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, PASSWORD)
    await button(wrapper, t.home.account).trigger('click')
    await button(wrapper, t.account.changePassword).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.password.current), PASSWORD)
    await type(field(wrapper, t.password.next), NEW_PASSWORD)
    await type(field(wrapper, t.password.confirm), NEW_PASSWORD)
    await button(wrapper, t.password.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(wrapper.text()).toContain(fill(t.stepUp.hintEmail, { email: 'a•••@mairie.fr' }))
    expect(document.body.innerHTML).not.toContain(NEW_PASSWORD)
    expect(wrapper.text()).toContain(
      fill(t.code.validFor, { wait: fill(t.duration.wholeMinutes, { min: 10 }) }),
    )
    await vi.advanceTimersByTimeAsync(60_000)
    expect(wrapper.text()).toContain(
      fill(t.code.validFor, { wait: fill(t.duration.wholeMinutes, { min: 9 }) }),
    )
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    const time = locale === 'fr' ? '16\u00a0h\u00a031' : '16:31'
    expect(statuses(wrapper)).toEqual([fill(t.code.resent, { time })])
    expect(bridge.callsOf('beginStepUp')).toHaveLength(2)

    await type(field(wrapper, t.code.label), '999999')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      `${t.errors.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`,
    ])
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('changePassword')).toEqual([
      { current: PASSWORD, next: NEW_PASSWORD },
      { current: PASSWORD, next: NEW_PASSWORD },
    ])
    expect(heading(wrapper)).toBe(t.account.title)
    expect(statuses(wrapper)).toEqual([t.notices.passwordChanged])
  })

  it('says « ce code a été remplacé » for the code a resend replaced, as at sign-in', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, PASSWORD)
    await button(wrapper, t.home.changeAddress).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.changeAddress.newEmail), 'agnes@ville.fr')
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
    const first = bridge.emailCode
    bridge.emailCode = '135790' // the resend's mail carries another code
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    await type(field(wrapper, t.code.label), first)
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.CODE_REPLACED])
    expect(t.errors.CODE_REPLACED).not.toBe(t.errors.CODE_INVALID)
    await type(field(wrapper, t.code.label), '135790')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    field(wrapper, t.changeAddress.code) // confirmed: the address code is asked for
  })

  it('says when the e-mailed code has expired', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, PASSWORD)
    await button(wrapper, t.home.changeAddress).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.changeAddress.newEmail), 'agnes@ville.fr')
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
    await vi.advanceTimersByTimeAsync(601_000)
    expect(wrapper.findAll('.message--warning').map((p) => p.text())).toEqual([t.code.expired])
    expect(alerts(wrapper)).toEqual([])
    // Nothing to validate any more: the main button sends a new code.
    expect(findButton(wrapper, t.code.submit)).toBeNull()
    expect(wrapper.find('button[type="submit"]').text()).toBe(t.code.resend)
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    expect(wrapper.find('.message--warning').exists()).toBe(false)
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    field(wrapper, t.changeAddress.code)
  })

  it('cancels a password change: back to the empty form, nothing changed', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, PASSWORD)
    await button(wrapper, t.home.account).trigger('click')
    await button(wrapper, t.account.changePassword).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.password.current), PASSWORD)
    await type(field(wrapper, t.password.next), NEW_PASSWORD)
    await type(field(wrapper, t.password.confirm), NEW_PASSWORD)
    await button(wrapper, t.password.submit).trigger('click')
    await settle()
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.password.changeTitle)
    for (const label of [t.password.current, t.password.next, t.password.confirm]) {
      expect(field(wrapper, label).element.value).toBe('')
    }
    expect(bridge.accounts.get(AGNES)!.password).toBe(PASSWORD)
  })
})

describe.each(LOCALES)('step-up with the security key (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
    giveKey(bridge)
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  async function toStepUp(wrapper: VueWrapper): Promise<void> {
    await type(field(wrapper, t.signIn.email), AGNES)
    await type(field(wrapper, t.signIn.password), PASSWORD)
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    await button(wrapper, t.home.changeAddress).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.changeAddress.newEmail), 'agnes@ville.fr')
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
  }

  it('asks for the key, waits for the touch, then sends the address code', async () => {
    const wrapper = await mountKiosk(bridge)
    await toStepUp(wrapper)
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(wrapper.text()).toContain(t.stepUp.hintKey)
    expect(wrapper.findAll('input')).toHaveLength(0)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(statuses(wrapper)).toContain(t.key.touch)
    bridge.touchKey()
    await settle()
    expect(bridge.callsOf('stepUpWithKey')).toEqual([{}])
    expect(bridge.callsOf('beginAddressChange')).toHaveLength(2)
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    expect(document.activeElement).toBe(field(wrapper, t.changeAddress.code).element)
  })

  it('asks for the key PIN when the key wants it, with the attempts left', async () => {
    bridge.key.pin = '4321'
    bridge.key.alwaysUv = true
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), AGNES)
    await type(field(wrapper, t.signIn.password), PASSWORD)
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await type(field(wrapper, t.key.pin), '4321')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    await button(wrapper, t.home.changeAddress).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.changeAddress.newEmail), 'agnes@ville.fr')
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(statuses(wrapper)).toContain(t.errors.FIDO_PIN_REQUIRED)
    await type(field(wrapper, t.key.pin), '0000')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      `${t.errors.FIDO_PIN_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 7 })}`,
    ])
    await type(field(wrapper, t.key.pin), '4321')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    field(wrapper, t.changeAddress.code)
  })

  it('« Annuler » during the touch releases the key, then Escape goes back', async () => {
    const wrapper = await mountKiosk(bridge)
    await toStepUp(wrapper)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await press(window, 'Escape')
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(alerts(wrapper)).toEqual([])
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    expect(field(wrapper, t.changeAddress.newEmail).element.value).toBe('agnes@ville.fr')
    expect(bridge.callsOf('beginAddressChange')).toHaveLength(1)
  })

  it('says when the key is not the registered one, with a sentence for this place', async () => {
    const wrapper = await mountKiosk(bridge)
    await toStepUp(wrapper)
    // Another key is plugged in: it holds nothing for this account.
    bridge.key.credentials = []
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    expect(alerts(wrapper)).toEqual([t.errors.FIDO_NO_CREDENTIALS])
    bridge.failNext('stepUpWithKey', 'KEY_NOT_FOUND')
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errorsKey.stepUp.KEY_NOT_FOUND])
  })
})
