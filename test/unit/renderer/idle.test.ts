// 8. The idle lock: after idleLockSeconds without input, « Toujours là ? » counts
// down 30 s in an alert dialog, then signs out; any input before that postpones it.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  button,
  field,
  fill,
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

describe.each(LOCALES)('idle lock (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 9, 0, 0), locale, 60)
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
  })
  afterEach(releaseKiosk)

  it('warns after the idle time, counts down 30 s, then signs out and forgets the clerk', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    await vi.advanceTimersByTimeAsync(59_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    await vi.advanceTimersByTimeAsync(1_000)
    const dialog = wrapper.find('[role="alertdialog"]')
    expect(dialog.exists()).toBe(true)
    expect(dialog.attributes('aria-modal')).toBe('true')
    expect(wrapper.find(`#${dialog.attributes('aria-labelledby')}`).text()).toBe(t.idle.title)
    expect(wrapper.find(`#${dialog.attributes('aria-describedby')}`).text()).toBe(
      fill(t.idle.text, { wait: fill(t.duration.seconds, { sec: 30 }) }),
    )
    expect(document.activeElement?.textContent?.trim()).toBe(t.idle.stay)
    expect(wrapper.find('main').attributes('inert')).toBeDefined()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(wrapper.find(`#${dialog.attributes('aria-describedby')}`).text()).toBe(
      fill(t.idle.text, { wait: fill(t.duration.seconds, { sec: 20 }) }),
    )
    // Moving the pointer does not dismiss the warning: only the button does.
    window.dispatchEvent(new Event('pointermove'))
    await vi.advanceTimersByTimeAsync(21_000)
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(1)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(statuses(wrapper)).toEqual([t.notices.idle])
    expect(wrapper.text()).not.toContain('Agnès')
  })

  it('keeps the session with « Je suis toujours là » (or Escape) and starts counting again', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    await vi.advanceTimersByTimeAsync(61_000)
    await button(wrapper, t.idle.stay).trigger('click')
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(wrapper.find('main').attributes('inert')).toBeUndefined()
    await vi.advanceTimersByTimeAsync(59_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(true)
    await press(document.activeElement!, 'Escape')
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(bridge.callsOf('signOut')).toHaveLength(0)
  })

  it.each(['pointerdown', 'keydown', 'touchstart', 'wheel', 'pointermove'])(
    'counts %s as activity',
    async (name) => {
      const wrapper = await mountKiosk(bridge)
      await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
      await vi.advanceTimersByTimeAsync(50_000)
      window.dispatchEvent(new Event(name))
      await vi.advanceTimersByTimeAsync(50_000)
      expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
      await vi.advanceTimersByTimeAsync(11_000)
      expect(wrapper.find('[role="alertdialog"]').exists()).toBe(true)
    },
  )

  it('a half-typed sign-in cleared by the idle lock puts the engine back to the kiosk’s language', async () => {
    const other = locale === 'fr' ? 'en' : 'fr'
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, other === 'en' ? 'English' : 'Français').trigger('click')
    await settle()
    expect(bridge.mailLanguage).toBe(other)
    await type(field(wrapper, m(other).signIn.email), 'agnes@')
    await vi.advanceTimersByTimeAsync(61_000)
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(bridge.callsOf('setLanguage')).toEqual([{ locale: other }, { locale }])
    expect(bridge.mailLanguage).toBe(locale)
  })

  it('leaves an untouched sign-in screen alone, and clears a half-typed one without a word', async () => {
    const wrapper = await mountKiosk(bridge)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    await press(field(wrapper, t.signIn.email).element, 'a')
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await vi.advanceTimersByTimeAsync(59_000)
    expect(field(wrapper, t.signIn.email).element.value).toBe('agnes@mairie.fr')
    await vi.advanceTimersByTimeAsync(2_000)
    await settle()
    // Nobody was signed in: no « vous serez déconnecté », no « Vous avez été déconnecté ».
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(field(wrapper, t.signIn.email).element.value).toBe('')
    expect(statuses(wrapper)).toEqual([])
    expect(wrapper.text()).not.toContain(t.notices.idle)
  })

  it('keeps a pending sign-in while its e-mailed code is valid, then clears it silently', async () => {
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.code.title)
    // The mail is late: the clerk waits, touching nothing, for most of the 10 minutes.
    await vi.advanceTimersByTimeAsync(9 * 60_000)
    await settle()
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(0)
    expect(heading(wrapper)).toBe(t.code.title)
    await vi.advanceTimersByTimeAsync(61_000)
    await settle()
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(statuses(wrapper)).toEqual([])
  })

  it('clears a pending app sign-in after the idle time, without a word', async () => {
    bridge.addAccount({
      email: 'bruno@mairie.fr',
      name: 'Bruno Petit',
      app: { deviceName: 'Téléphone', createdAt: Date.now() },
    })
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'bruno@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await vi.advanceTimersByTimeAsync(61_000)
    await settle()
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(1)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(statuses(wrapper)).toEqual([])
  })

  it('waits while recovery codes are on screen, and counts again once they are noted', async () => {
    bridge.accounts.get('agnes@mairie.fr')!.app = { deviceName: 'Pixel', createdAt: Date.now() }
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    await button(wrapper, t.factors.newRecovery).trigger('click')
    await button(wrapper, t.factors.confirmRecovery).trigger('click')
    await settle()
    expect(wrapper.findAll('.recovery__code')).toHaveLength(10)
    // Copying ten codes by hand: four minutes without touching the screen.
    await vi.advanceTimersByTimeAsync(4 * 60_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    expect(wrapper.findAll('.recovery__code')).toHaveLength(10)
    await button(wrapper, t.recoveryCodes.copied).trigger('click')
    expect(wrapper.findAll('.recovery__code')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(59_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(false)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(wrapper.find('[role="alertdialog"]').exists()).toBe(true)
  })

  it('tells the engine the clerk is here (stillHere): on input at most every 5 s, and on « Je suis toujours là »', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    const before = bridge.callsOf('stillHere').length
    for (let i = 0; i < 10; i++) {
      window.dispatchEvent(new Event('pointermove'))
      await vi.advanceTimersByTimeAsync(1_000)
    }
    await settle()
    // 10 s of input: the first move, then one 5 s later
    expect(bridge.callsOf('stillHere').length - before).toBe(2)
    await vi.advanceTimersByTimeAsync(61_000)
    await button(wrapper, t.idle.stay).trigger('click')
    await settle()
    expect(bridge.callsOf('stillHere').length - before).toBe(3)
    expect(heading(wrapper)).not.toBe(t.signIn.title)
  })

  it('signs out when the engine already ended the session (a stillHere answered NOT_SIGNED_IN)', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery')
    bridge.failNext('stillHere', 'NOT_SIGNED_IN')
    await vi.advanceTimersByTimeAsync(6_000)
    window.dispatchEvent(new Event('keydown'))
    await settle()
    await vi.advanceTimersByTimeAsync(0)
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(wrapper.text()).not.toContain('Agnès')
  })
})
