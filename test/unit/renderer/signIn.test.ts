// 1. Sign-in: labels tied to inputs, nothing remembered, errors as sentences, the
// lockout as a live countdown, the language switch.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  alerts,
  button,
  field,
  fill,
  heading,
  m,
  mountKiosk,
  pageText,
  settle,
  signInByEmail,
  type,
  releaseKiosk,
} from './helpers'

describe.each(LOCALES)('sign-in screen (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
  })
  afterEach(releaseKiosk)

  it('shows the labelled fields and the button, with nothing prefilled or remembered', async () => {
    const wrapper = await mountKiosk(bridge)
    expect(heading(wrapper)).toBe(t.signIn.title)
    const email = field(wrapper, t.signIn.email)
    const password = field(wrapper, t.signIn.password)
    expect(email.attributes('autocomplete')).toBe('off')
    expect(password.attributes('autocomplete')).toBe('off')
    expect(password.attributes('type')).toBe('password')
    expect(email.element.value).toBe('')
    expect(password.element.value).toBe('')
    expect(button(wrapper, t.signIn.submit).attributes('type')).toBe('submit')
    expect(wrapper.find('form').attributes('autocomplete')).toBe('off')
    expect(document.documentElement.lang).toBe(locale)
    expect(document.activeElement).toBe(email.element)
    expect(wrapper.find('header').exists()).toBe(true)
    expect(wrapper.find('main').exists()).toBe(true)
  })

  it('signs in with Enter in the password field and shows the code screen', async () => {
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), '  Agnes@Mairie.fr ')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await wrapper.find('form').trigger('submit')
    await settle()
    expect(bridge.callsOf('signIn')).toEqual([
      { email: 'Agnes@Mairie.fr', password: 'correct horse battery' },
    ])
    expect(heading(wrapper)).toBe(t.code.title)
  })

  it('turns wrong credentials into a sentence tied to the fields, and empties the password', async () => {
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'wrong password!')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.INVALID_CREDENTIALS])
    const alert = wrapper.find('[role="alert"]')
    const password = field(wrapper, t.signIn.password)
    expect(password.attributes('aria-describedby')).toContain(alert.attributes('id'))
    expect(password.attributes('aria-invalid')).toBe('true')
    expect(password.element.value).toBe('')
    expect(pageText(wrapper)).not.toContain('INVALID_CREDENTIALS')
  })

  it('asks for the missing address before calling the engine', async () => {
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('signIn')).toHaveLength(0)
    expect(alerts(wrapper)).toEqual([t.signIn.emailMissing])
    const email = field(wrapper, t.signIn.email)
    const under = document.getElementById(email.attributes('aria-describedby') ?? '')
    expect(under?.textContent?.trim()).toBe(t.signIn.emailMissing)
    expect(under?.classList.contains('field__error')).toBe(true)
    expect(document.activeElement).toBe(email.element)
  })

  it('shows a lockout with its wait as a live countdown, then says the wait is over', async () => {
    vi.useFakeTimers({
      toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    })
    vi.setSystemTime(new Date(2024, 8, 18, 10, 0, 0))
    bridge.idleLockSeconds = 3600
    bridge.failNext('signIn', 'ACCOUNT_LOCKED', { retryAfterSeconds: 270 })
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    const wait = (min: number, sec: number) => fill(t.duration.minutes, { min, sec })
    expect(alerts(wrapper)).toEqual([fill(t.errors.ACCOUNT_LOCKED, { wait: wait(4, 30) })])
    // The countdown changes on screen but is not a live region of its own.
    expect(wrapper.find('[role="alert"] .countdown').attributes('aria-live')).toBe('off')
    await vi.advanceTimersByTimeAsync(61_000)
    expect(alerts(wrapper)).toEqual([fill(t.errors.ACCOUNT_LOCKED, { wait: wait(3, 29) })])
    await vi.advanceTimersByTimeAsync(210_000)
    expect(alerts(wrapper)).toEqual([t.errorExtra.retryNow])
  })

  it('says the service is down in a sentence, never with the code', async () => {
    bridge.failNext('signIn', 'SERVICE_UNAVAILABLE')
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)).toEqual([t.errors.SERVICE_UNAVAILABLE])
  })

  it('says what an address looks like, under the field, when the contract refuses it', async () => {
    bridge.failNext('signIn', 'VALIDATION', { field: 'email' })
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'not an address')
    await type(field(wrapper, t.signIn.password), 'x')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    const expected = fill(t.common.emailFormat, { example: 'prenom.nom@mairie.fr' })
    expect(alerts(wrapper)).toEqual([expected])
    const email = field(wrapper, t.signIn.email)
    expect(document.getElementById(email.attributes('aria-describedby') ?? '')?.textContent).toBe(
      expected,
    )
    expect(document.activeElement).toBe(email.element)
  })
})

describe.each(LOCALES)('sign-in errors under their fields (%s)', (locale) => {
  const t = m(locale)
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('puts a missing field’s error under it, tied by aria-describedby, with a spoken summary', async () => {
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    const password = field(wrapper, t.signIn.password)
    const under = password.element.parentElement!.querySelector('.field__error')
    expect(under?.textContent?.trim()).toBe(t.signIn.passwordMissing)
    expect(password.attributes('aria-describedby')?.split(' ')).toContain(under!.id)
    expect(password.attributes('aria-invalid')).toBe('true')
    expect(
      field(wrapper, t.signIn.email).element.parentElement!.querySelector('.field__error'),
    ).toBeNull()
    expect(alerts(wrapper)).toEqual([t.signIn.passwordMissing])
    expect(bridge.callsOf('signIn')).toHaveLength(0)
  })
})

describe('language switch', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('starts in the kiosk language and switches between Français and English', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    expect(document.documentElement.lang).toBe('fr')
    const english = button(wrapper, 'English')
    expect(english.attributes('lang')).toBe('en')
    expect(english.attributes('aria-pressed')).toBe('false')
    expect(button(wrapper, 'Français').attributes('aria-pressed')).toBe('true')
    await english.trigger('click')
    expect(document.documentElement.lang).toBe('en')
    expect(heading(wrapper)).toBe(m('en').signIn.title)
    field(wrapper, m('en').signIn.email)
    expect(button(wrapper, 'English').attributes('aria-pressed')).toBe('true')
    await button(wrapper, 'Français').trigger('click')
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    field(wrapper, 'Adresse de connexion')
  })

  it('keeps the clerk’s choice for the whole visit, and the kiosk’s language after sign-out', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, 'English').trigger('click')
    await settle()
    await signInByEmail(wrapper, 'en', 'agnes@mairie.fr', 'correct horse battery')
    expect(heading(wrapper)).toBe(fill(m('en').home.title, { name: 'Agnès Martin' }))
    expect(button(wrapper, 'English').attributes('aria-pressed')).toBe('true')
    await button(wrapper, m('en').home.factors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(m('en').factors.title)
    // Still there after the password step: French on the way, if the clerk wants.
    await button(wrapper, 'Français').trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(m('fr').factors.title)
    await button(wrapper, 'English').trigger('click')
    await settle()
    await button(wrapper, m('en').common.backHome).trigger('click')
    await button(wrapper, m('en').home.signOut).trigger('click')
    await settle()
    expect(document.documentElement.lang).toBe('fr')
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
  })

  it('tells the engine the clerk’s choice, for the visit’s mails; sign-out ends it there too', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    expect(bridge.callsOf('setLanguage')).toEqual([])
    await button(wrapper, 'English').trigger('click')
    await settle()
    expect(bridge.callsOf('setLanguage')).toEqual([{ locale: 'en' }])
    expect(bridge.mailLanguage).toBe('en')
    await signInByEmail(wrapper, 'en', 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, m('en').home.signOut).trigger('click')
    await settle()
    expect(bridge.mailLanguage).toBeNull()
    expect(bridge.callsOf('setLanguage')).toEqual([{ locale: 'en' }])
  })

  it('starts in English when the kiosk is configured so', async () => {
    const bridge = new FakeBridge()
    bridge.locale = 'en'
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    expect(document.documentElement.lang).toBe('en')
    field(wrapper, 'Sign-in address')
  })
})
