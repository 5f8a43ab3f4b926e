// 2. « Saisissez votre code »: where the code comes from, the countdown, resend,
// digits only, pasted codes, errors with their next step, Escape to go back.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
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
  statuses,
  type,
  kioskAt,
  releaseKiosk,
} from './helpers'
import type { VueWrapper } from '@vue/test-utils'
import type { Locale } from '../../../src-renderer/i18n'

async function toCodeScreen(wrapper: VueWrapper, locale: Locale, email: string): Promise<void> {
  await type(field(wrapper, m(locale).signIn.email), email)
  await type(field(wrapper, m(locale).signIn.password), 'correct horse battery')
  await button(wrapper, m(locale).signIn.submit).trigger('click')
  await settle()
}

function paste(input: HTMLInputElement, text: string): void {
  const event = new Event('paste', { bubbles: true, cancelable: true }) as ClipboardEvent
  Object.defineProperty(event, 'clipboardData', {
    value: { getData: (kind: string) => (kind === 'text' ? text : '') },
  })
  input.dispatchEvent(event)
}

describe.each(LOCALES)('code screen (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 10, 32, 0), locale)
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    bridge.addAccount({
      email: 'bruno@mairie.fr',
      name: 'Bruno Petit',
      app: { deviceName: 'Téléphone', createdAt: Date.now() },
    })
  })
  afterEach(releaseKiosk)

  it('says the code was e-mailed to the masked address and counts down its 10 minutes', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    expect(heading(wrapper)).toBe(t.code.title)
    const hint = fill(t.code.hintEmail, { email: 'a•••@mairie.fr' })
    expect(wrapper.text()).toContain(hint)
    const code = field(wrapper, t.code.label)
    expect(code.attributes('inputmode')).toBe('numeric')
    expect(code.attributes('autocomplete')).toBe('one-time-code')
    const hintId = wrapper
      .findAll('p')
      .find((p) => p.text() === hint)!
      .attributes('id')
    expect(code.attributes('aria-describedby')).toContain(hintId)
    expect(document.activeElement).toBe(code.element)
    const validFor = (min: number, sec: number) =>
      fill(t.code.validFor, { wait: fill(t.duration.minutes, { min, sec }) })
    // Whole minutes without « 0 s »: « valable encore 10 min ».
    expect(wrapper.text()).toContain(
      fill(t.code.validFor, { wait: fill(t.duration.wholeMinutes, { min: 10 }) }),
    )
    await vi.advanceTimersByTimeAsync(12_000)
    expect(wrapper.text()).toContain(validFor(9, 48))
    // Not announced every second: the live region stays silent until the last minute.
    const live = wrapper.find('[aria-live="polite"]')
    expect(live.text()).toBe('')
    await vi.advanceTimersByTimeAsync(9 * 60_000)
    expect(live.text()).toBe(t.code.expiresSoon)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(live.text()).toBe(t.code.expired)
    expect(wrapper.text()).toContain(t.code.expired)
  })

  it('says once that the code expired; « Renvoyer un code » is then the main button', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    await vi.advanceTimersByTimeAsync(598_000)
    bridge.failNext('verifyCode', 'CODE_EXPIRED')
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.CODE_EXPIRED])
    await vi.advanceTimersByTimeAsync(3_000)
    // The engine's answer and the countdown say the same: one box.
    expect(alerts(wrapper)).toEqual([])
    expect(wrapper.findAll('.message--warning').map((p) => p.text())).toEqual([t.code.expired])
    expect(findButton(wrapper, t.code.submit)).toBeNull()
    const main = wrapper.find('button[type="submit"]')
    expect(main.text()).toBe(t.code.resend)
    expect(main.classes()).toContain('button--primary')
    expect(wrapper.findAll('button').filter((b) => b.text() === t.code.resend)).toHaveLength(1)
    await main.trigger('click')
    await settle()
    expect(bridge.callsOf('resendCode')).toHaveLength(1)
    expect(wrapper.find('.message--warning').exists()).toBe(false)
    button(wrapper, t.code.submit)
  })

  it('resends a code and says when, and that earlier codes no longer work', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    vi.setSystemTime(new Date(2024, 8, 18, 10, 42, 5))
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    expect(bridge.callsOf('resendCode')).toHaveLength(1)
    const time = locale === 'fr' ? '10\u00a0h\u00a042' : '10:42'
    expect(statuses(wrapper)).toEqual([fill(t.code.resent, { time })])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(wrapper.text()).toContain(
      fill(t.code.validFor, { wait: fill(t.duration.minutes, { min: 9, sec: 59 }) }),
    )
  })

  it('says « ce code a été remplacé » when the code typed is one a resend replaced', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    bridge.failNext('verifyCode', 'CODE_REPLACED')
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.CODE_REPLACED])
    expect(t.errors.CODE_REPLACED).not.toBe(t.errors.CODE_INVALID)
  })

  it('takes digits only, and a pasted code with spaces or dashes', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    const code = field(wrapper, t.code.label)
    await code.setValue('12a3')
    expect(code.element.value).toBe('123')
    code.element.value = ''
    paste(code.element, ' 123 456 ')
    await settle()
    expect(code.element.value).toBe('123456')
    code.element.value = ''
    paste(code.element, '123-456')
    await settle()
    expect(code.element.value).toBe('123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('verifyCode')).toEqual([{ code: '123456' }])
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
  })

  it('refuses a short code without calling the engine', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    await type(field(wrapper, t.code.label), '123')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('verifyCode')).toHaveLength(0)
    expect(alerts(wrapper)).toEqual([t.code.sixDigits])
  })

  it('says a wrong code is wrong, with the attempts left, tied to the field', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    await type(field(wrapper, t.code.label), '000000')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      `${t.errors.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`,
    ])
    const code = field(wrapper, t.code.label)
    expect(code.attributes('aria-describedby')).toContain(
      wrapper.find('[role="alert"]').attributes('id'),
    )
    expect(code.attributes('aria-invalid')).toBe('true')
    expect(code.element.value).toBe('')
  })

  it.each(['CODE_EXPIRED', 'CODE_ATTEMPTS_EXHAUSTED', 'MAIL_UNAVAILABLE'] as const)(
    'turns %s into a sentence with the next step',
    async (code) => {
      const wrapper = await mountKiosk(bridge)
      await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
      bridge.failNext('verifyCode', code)
      await type(field(wrapper, t.code.label), '123456')
      await button(wrapper, t.code.submit).trigger('click')
      await settle()
      expect(alerts(wrapper)).toEqual([t.errors[code]])
      expect(wrapper.text()).not.toContain(code)
    },
  )

  it('says when the mail server is down on resend', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    bridge.failNext('resendCode', 'MAIL_UNAVAILABLE')
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.MAIL_UNAVAILABLE])
    expect(statuses(wrapper)).toEqual([])
  })

  it('counts down the e-mailed code quota', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    bridge.failNext('resendCode', 'CODE_QUOTA_EXCEEDED', { retryAfterSeconds: 45 })
    await button(wrapper, t.code.resend).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([
      fill(t.errors.CODE_QUOTA_EXCEEDED, { wait: fill(t.duration.seconds, { sec: 45 }) }),
    ])
    await vi.advanceTimersByTimeAsync(5_000)
    expect(alerts(wrapper)).toEqual([
      fill(t.errors.CODE_QUOTA_EXCEEDED, { wait: fill(t.duration.seconds, { sec: 40 }) }),
    ])
  })

  it('for an app: says so, offers no resend and no countdown, and gives the app next step', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'bruno@mairie.fr')
    expect(wrapper.text()).toContain(t.code.hintApp)
    expect(findButton(wrapper, t.code.resend)).toBeNull()
    expect(wrapper.text()).not.toContain(fill(t.code.validFor, { wait: '' }).slice(0, 8))
    await type(field(wrapper, t.code.label), '111111')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    // A wrong app code says the tries left before a wait, as a wrong e-mailed code does.
    expect(alerts(wrapper)).toEqual([
      `${t.errorsApp.CODE_INVALID} ${fill(t.errorExtra.attemptsLeft, { attemptsLeft: 4 })}`,
    ])
    bridge.failNext('verifyCode', 'CODE_REPLAYED')
    await type(field(wrapper, t.code.label), '246810')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.CODE_REPLAYED])
  })

  it('goes back to sign-in with Escape and cancels the attempt', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    await press(document.activeElement!, 'Escape')
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(field(wrapper, t.signIn.email).element.value).toBe('')
  })

  it('goes back with « Retour »', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    await button(wrapper, t.common.back).trigger('click')
    await settle()
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
  })

  it('starts over from sign-in with a sentence when the sign-in expired', async () => {
    const wrapper = await mountKiosk(bridge)
    await toCodeScreen(wrapper, locale, 'agnes@mairie.fr')
    bridge.failNext('verifyCode', 'NO_PENDING_SIGN_IN')
    await type(field(wrapper, t.code.label), '123456')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(alerts(wrapper)).toEqual([t.errors.NO_PENDING_SIGN_IN])
    expect(field(wrapper, t.signIn.email).element.value).toBe('')
  })

  it('shows the code screen at start when a sign-in is pending', async () => {
    await bridge.signIn({ email: 'agnes@mairie.fr', password: 'correct horse battery' })
    const wrapper = await mountKiosk(bridge)
    expect(heading(wrapper)).toBe(t.code.title)
  })
})
