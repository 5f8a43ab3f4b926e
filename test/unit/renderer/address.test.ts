// 7. « Changer mon adresse de connexion »: « Nouvelle adresse de connexion »,
// « Recevoir un code », « Code reçu à la nouvelle adresse » with its countdown,
// « Valider », « Renvoyer un code », the errors with their next step, and after
// the change the new address with the word about the authenticator app's label.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import type { FakeBridge } from './fakeBridge'
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
const NEW = 'agnes.martin@ville.fr'

describe.each(LOCALES)('changing the sign-in address (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 15, 4, 0), locale)
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
    })
    bridge.addAccount({ email: 'bruno@mairie.fr', name: 'Bruno Petit' })
  })
  afterEach(releaseKiosk)

  async function open(wrapper: VueWrapper): Promise<void> {
    await signInByEmail(wrapper, locale, AGNES, 'correct horse battery', '246810')
    await button(wrapper, t.home.changeAddress).trigger('click')
    await settle()
  }

  async function requestCode(wrapper: VueWrapper, email = NEW): Promise<void> {
    await type(field(wrapper, t.changeAddress.newEmail), email)
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
  }

  it('starts the countdown at « 10 min », the kiosk’s clock between two ticks', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    // The shared clock ticks each second: the code comes 900 ms after its last tick.
    vi.setSystemTime(Date.now() + 900)
    await requestCode(wrapper)
    const countdown = wrapper.find('.countdown-line').text()
    expect(countdown).toBe(
      fill(t.code.validFor, { wait: fill(t.duration.wholeMinutes, { min: 10 }) }),
    )
    await vi.advanceTimersByTimeAsync(1000)
    expect(wrapper.find('.countdown-line').text()).toBe(
      fill(t.code.validFor, { wait: fill(t.duration.minutes, { min: 9, sec: 59 }) }),
    )
  })

  it('sends a code to the new address, confirms it, and shows the new address', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    const input = field(wrapper, t.changeAddress.newEmail)
    expect(input.attributes('type')).toBe('email')
    expect(input.attributes('autocomplete')).toBe('off')
    await requestCode(wrapper, `  ${NEW} `)
    expect(bridge.callsOf('beginAddressChange')).toEqual([{ email: NEW }])
    const time = locale === 'fr' ? '15\u00a0h\u00a004' : '15:04'
    expect(statuses(wrapper)).toEqual([
      // In full: the clerk's own input, so that a typo can be seen.
      fill(t.changeAddress.sent, { email: NEW, time }),
    ])
    const code = field(wrapper, t.changeAddress.code)
    expect(document.activeElement).toBe(code.element)
    // The four buttons in one row, not a form's row and another below it.
    expect(
      wrapper.findAll('.actions').map((row) => row.findAll('button').map((b) => b.text())),
    ).toEqual([
      [t.changeAddress.submit, t.changeAddress.resend, t.changeAddress.otherEmail, t.common.cancel],
    ])
    expect(code.attributes('inputmode')).toBe('numeric')
    expect(wrapper.text()).toContain(
      fill(t.code.validFor, { wait: fill(t.duration.wholeMinutes, { min: 10 }) }),
    )
    await vi.advanceTimersByTimeAsync(90_000)
    expect(wrapper.text()).toContain(
      fill(t.code.validFor, { wait: fill(t.duration.minutes, { min: 8, sec: 30 }) }),
    )
    await type(code, '654 321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('confirmAddressChange')).toEqual([{ code: '654321' }])
    expect(heading(wrapper)).toBe(t.changeAddress.title)
    expect(statuses(wrapper)).toEqual([fill(t.changeAddress.done, { email: NEW })])
    expect(wrapper.text()).toContain(fill(t.changeAddress.appNote, { email: AGNES }))
    expect(wrapper.findAll('input')).toHaveLength(0)
    expect(bridge.accounts.has(NEW)).toBe(true)

    // « Mon compte » and the factors show the new address.
    await button(wrapper, t.common.backHome).trigger('click')
    await button(wrapper, t.home.account).trigger('click')
    expect(wrapper.text()).toContain(NEW)
    expect(wrapper.text()).not.toContain(AGNES)
  })

  it('checks the address before calling: missing, or the current one', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await button(wrapper, t.changeAddress.send).trigger('click')
    expect(alerts(wrapper)).toEqual([t.changeAddress.emailMissing])
    await requestCode(wrapper, 'AGNES@mairie.fr')
    expect(alerts(wrapper)).toEqual([t.changeAddress.sameEmail])
    const input = field(wrapper, t.changeAddress.newEmail)
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(input.element)
    expect(bridge.callsOf('beginAddressChange')).toHaveLength(0)
  })

  it('answers another account’s address as a free one: the code step, and no code works', async () => {
    // As the engine (bridge-parity): the screen must not tell which addresses exist.
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper, 'bruno@mairie.fr')
    expect(alerts(wrapper)).toEqual([])
    const time = locale === 'fr' ? '15\u00a0h\u00a004' : '15:04'
    expect(statuses(wrapper)).toEqual([
      fill(t.changeAddress.sent, { email: 'bruno@mairie.fr', time }),
    ])
    await type(field(wrapper, t.changeAddress.code), '654321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      `${t.errors.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`,
    ])
  })

  it('says the address is taken when it was taken meanwhile, back at the address', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    bridge.failNext('confirmAddressChange', 'EMAIL_TAKEN')
    await type(field(wrapper, t.changeAddress.code), '654321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.EMAIL_TAKEN])
    const input = field(wrapper, t.changeAddress.newEmail)
    expect(input.attributes('aria-describedby')).toContain(
      wrapper.find('[role="alert"]').attributes('id'),
    )
    expect(input.element.value).toBe(NEW)
  })

  it('says what is expected when the engine refuses the address as written', async () => {
    bridge.failNext('beginAddressChange', 'VALIDATION', { field: 'email' })
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    expect(bridge.callsOf('beginAddressChange')).toHaveLength(1)
    expect(alerts(wrapper)).toEqual([
      fill(t.common.emailFormat, { example: 'prenom.nom@mairie.fr' }),
    ])
  })

  it('says a wrong code is wrong with the attempts left, then the next step after too many', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    await type(field(wrapper, t.changeAddress.code), '111111')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      `${t.errors.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`,
    ])
    const code = field(wrapper, t.changeAddress.code)
    expect(code.element.value).toBe('')
    expect(code.attributes('aria-invalid')).toBe('true')
    for (let i = 0; i < 4; i += 1) {
      await type(field(wrapper, t.changeAddress.code), '111111')
      await button(wrapper, t.changeAddress.submit).trigger('click')
      await settle()
    }
    expect(alerts(wrapper)).toEqual([t.errorsAt.addressChange.CODE_ATTEMPTS_EXHAUSTED])
    await button(wrapper, t.changeAddress.resend).trigger('click')
    await settle()
    expect(bridge.callsOf('beginAddressChange')).toEqual([{ email: NEW }, { email: NEW }])
    expect(alerts(wrapper)).toEqual([])
    await type(field(wrapper, t.changeAddress.code), '654321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(statuses(wrapper)).toEqual([fill(t.changeAddress.done, { email: NEW })])
  })

  it('says once that the code has expired, and « Renvoyer un code » becomes the main button', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    await vi.advanceTimersByTimeAsync(601_000)
    expect(wrapper.findAll('.message--warning').map((p) => p.text())).toEqual([
      t.changeAddress.expired,
    ])
    expect(alerts(wrapper)).toEqual([])
    expect(findButton(wrapper, t.changeAddress.submit)).toBeNull()
    const main = wrapper.find('button[type="submit"]')
    expect(main.text()).toBe(t.changeAddress.resend)
    expect(main.classes()).toContain('button--primary')
    expect(
      wrapper.findAll('button').filter((b) => b.text() === t.changeAddress.resend),
    ).toHaveLength(1)
    await main.trigger('click')
    await settle()
    expect(bridge.callsOf('beginAddressChange')).toHaveLength(2)
    expect(wrapper.find('.message--warning').exists()).toBe(false)
    button(wrapper, t.changeAddress.submit)
  })

  it('does not say « expired » twice when the engine said it just before the countdown', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    await vi.advanceTimersByTimeAsync(598_000)
    bridge.failNext('confirmAddressChange', 'CODE_EXPIRED')
    await type(field(wrapper, t.changeAddress.code), '654321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errorsAt.addressChange.CODE_EXPIRED])
    await vi.advanceTimersByTimeAsync(3_000)
    expect(alerts(wrapper)).toEqual([])
    expect(wrapper.findAll('.message--warning').map((p) => p.text())).toEqual([
      t.changeAddress.expired,
    ])
    const input = field(wrapper, t.changeAddress.code)
    for (const id of (input.attributes('aria-describedby') ?? '').split(' ')) {
      expect(document.getElementById(id)).not.toBeNull()
    }
  })

  it('says what an address looks like, under the field, with the summary for screen readers', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    const expected = fill(t.common.emailFormat, { example: 'prenom.nom@mairie.fr' })
    await requestCode(wrapper, 'agnes.ville.fr')
    expect(bridge.callsOf('beginAddressChange')).toHaveLength(0)
    const input = field(wrapper, t.changeAddress.newEmail)
    expect(input.attributes('aria-invalid')).toBe('true')
    const own = (input.attributes('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id))
    const under = input.element.parentElement!.querySelector('.field__error')
    expect(under?.textContent?.trim()).toBe(expected)
    expect(own).toContain(under)
    expect(alerts(wrapper)).toEqual([expected])

    // The engine's VALIDATION of the address: the same sentence, not « Une information… ».
    bridge.failNext('beginAddressChange', 'VALIDATION', { field: 'email' })
    await requestCode(wrapper)
    const again = field(wrapper, t.changeAddress.newEmail)
    expect(again.element.parentElement!.querySelector('.field__error')?.textContent?.trim()).toBe(
      expected,
    )
    expect(wrapper.find('.message--error:not(.field__error)').exists()).toBe(false)
    expect(alerts(wrapper)).toHaveLength(1)
  })

  it('goes back to the address when no change is pending any more', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    bridge.failNext('confirmAddressChange', 'NO_PENDING_ADDRESS_CHANGE')
    await type(field(wrapper, t.changeAddress.code), '654321')
    await button(wrapper, t.changeAddress.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.NO_PENDING_ADDRESS_CHANGE])
    const input = field(wrapper, t.changeAddress.newEmail)
    expect(document.activeElement).toBe(input.element)
    expect(input.element.value).toBe(NEW)
  })

  it('lets the clerk correct the new address (button or Escape), then Escape goes home', async () => {
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    await button(wrapper, t.changeAddress.otherEmail).trigger('click')
    await settle()
    expect(field(wrapper, t.changeAddress.newEmail).element.value).toBe(NEW)
    await requestCode(wrapper, 'agnes.m@ville.fr')
    await press(window, 'Escape')
    expect(field(wrapper, t.changeAddress.newEmail).element.value).toBe('agnes.m@ville.fr')
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('says when the mail server cannot send the code', async () => {
    bridge.failNext('beginAddressChange', 'MAIL_UNAVAILABLE')
    const wrapper = await mountKiosk(bridge)
    await open(wrapper)
    await requestCode(wrapper)
    expect(alerts(wrapper)).toEqual([t.errors.MAIL_UNAVAILABLE])
    expect(field(wrapper, t.changeAddress.newEmail).element.value).toBe(NEW)
  })
})
