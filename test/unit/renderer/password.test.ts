// 7. « Changer mon mot de passe » from « Mon compte », and « Choisissez votre mot de
// passe » after a sign-in with IT's temporary password (nothing else until it is
// done), with every refusal as a sentence: the rule broken, a wrong current
// password, two different new ones. No field keeps a password.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { PASSWORD_REJECTIONS } from '../../../src-main/contract/errors'
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
} from './helpers'

const AGNES = 'agnes@mairie.fr'
const OLD = 'correct horse battery'
const NEW = 'une autre phrase de passe'

/** `current` null: « Choisissez votre mot de passe », which has no such field. */
async function fillPasswords(
  wrapper: VueWrapper,
  locale: Locale,
  current: string | null,
  next: string,
  confirm = next,
): Promise<void> {
  const t = m(locale)
  if (current !== null) await type(field(wrapper, t.password.current), current)
  await type(field(wrapper, t.password.next), next)
  await type(field(wrapper, t.password.confirm), confirm)
  await button(wrapper, t.password.submit).trigger('click')
  await settle()
}

function passwordValues(wrapper: VueWrapper): string[] {
  return wrapper.findAll<HTMLInputElement>('input[type="password"]').map((i) => i.element.value)
}

describe.each(LOCALES)('changing the password from « Mon compte » (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  async function openForm(wrapper: VueWrapper): Promise<void> {
    await signInByEmail(wrapper, locale, AGNES, OLD)
    await button(wrapper, t.home.account).trigger('click')
    await button(wrapper, t.account.changePassword).trigger('click')
    await settle()
  }

  it('changes it and says so on « Mon compte »', async () => {
    const wrapper = await mountKiosk(bridge)
    await openForm(wrapper)
    expect(heading(wrapper)).toBe(t.password.changeTitle)
    const current = field(wrapper, t.password.current)
    expect(document.activeElement).toBe(current.element)
    for (const label of [t.password.current, t.password.next, t.password.confirm]) {
      const input = field(wrapper, label)
      expect(input.attributes('type')).toBe('password')
      expect(input.attributes('autocomplete')).toBe('off')
    }
    expect(wrapper.text()).toContain(t.password.nextHint)
    await fillPasswords(wrapper, locale, OLD, NEW)
    expect(bridge.callsOf('changePassword')).toEqual([{ current: OLD, next: NEW }])
    expect(heading(wrapper)).toBe(t.account.title)
    expect(statuses(wrapper)).toEqual([t.notices.passwordChanged])
    expect(bridge.accounts.get(AGNES)!.password).toBe(NEW)
    expect(wrapper.html()).not.toContain(NEW)
  })

  it('says when the current password is wrong, and empties every field', async () => {
    const wrapper = await mountKiosk(bridge)
    await openForm(wrapper)
    await fillPasswords(wrapper, locale, 'pas le bon mot de passe', NEW)
    expect(alerts(wrapper)).toEqual([t.errorsAt.changePassword.INVALID_CREDENTIALS])
    expect(alerts(wrapper)[0]).not.toBe(t.errors.INVALID_CREDENTIALS)
    // under its field, the spoken summary kept
    expect(errorUnder(wrapper, t.password.current)).toBe(
      t.errorsAt.changePassword.INVALID_CREDENTIALS,
    )
    expect(errorUnder(wrapper, t.password.next)).toBeNull()
    expect(wrapper.find('[role="alert"]').classes()).toContain('sr-only')
    const current = field(wrapper, t.password.current)
    expect(document.activeElement).toBe(current.element)
    expect(passwordValues(wrapper)).toEqual(['', '', ''])
  })

  it.each(PASSWORD_REJECTIONS.filter((reason) => reason !== 'too-long'))(
    'says which rule the new password breaks (%s)',
    async (reason) => {
      const next = {
        'too-short': 'court',
        'too-common': 'azertyuiop123',
        'contains-email': 'agnes aime les longues phrases',
        'contains-product': 'mon guichet préféré du matin',
        'too-long': '',
      }[reason]
      const wrapper = await mountKiosk(bridge)
      await openForm(wrapper)
      await fillPasswords(wrapper, locale, OLD, next)
      const sentence = `${t.errors.PASSWORD_REJECTED} ${fill(t.passwordRejection[reason], { issuer: 'Guichet' })}`
      expect(alerts(wrapper)).toEqual([sentence])
      expect(errorUnder(wrapper, t.password.next)).toBe(sentence)
      const input = field(wrapper, t.password.next)
      // The hint first, then the error, as on every field; both describe the input.
      const under = [
        ...input.element.parentElement!.querySelectorAll('.field__hint, .field__error'),
      ]
      expect(under.map((p) => p.textContent!.trim())).toEqual([t.password.nextHint, sentence])
      expect(input.attributes('aria-describedby')!.split(' ')).toEqual(under.map((p) => p.id))
      expect(document.activeElement).toBe(input.element)
      expect(passwordValues(wrapper)).toEqual(['', '', ''])
      expect(bridge.accounts.get(AGNES)!.password).toBe(OLD)
    },
  )

  it('names the configured issuer in the rule, and takes the everyday word « guichet » elsewhere', async () => {
    bridge.issuer = 'Mairie de Saint-Denis'
    const wrapper = await mountKiosk(bridge)
    await openForm(wrapper)
    await fillPasswords(wrapper, locale, OLD, 'vive la MAIRIE DE SAINT-DENIS en été')
    const sentence = `${t.errors.PASSWORD_REJECTED} ${fill(t.passwordRejection['contains-product'], { issuer: 'Mairie de Saint-Denis' })}`
    expect(errorUnder(wrapper, t.password.next)).toBe(sentence)
    expect(sentence).toContain('Mairie de Saint-Denis')
    await fillPasswords(wrapper, locale, OLD, 'mon guichet préféré du matin')
    expect(heading(wrapper)).toBe(t.account.title)
    expect(bridge.accounts.get(AGNES)!.password).toBe('mon guichet préféré du matin')
  })

  it('shows the rule the engine gives, also the one the fake never breaks (too long)', async () => {
    bridge.failNext('changePassword', 'PASSWORD_REJECTED', { reason: 'too-long' })
    const wrapper = await mountKiosk(bridge)
    await openForm(wrapper)
    await fillPasswords(wrapper, locale, OLD, NEW)
    expect(alerts(wrapper)).toEqual([
      `${t.errors.PASSWORD_REJECTED} ${t.passwordRejection['too-long']}`,
    ])
  })

  it('checks the fields before calling: missing, and two different new passwords', async () => {
    const wrapper = await mountKiosk(bridge)
    await openForm(wrapper)
    await button(wrapper, t.password.submit).trigger('click')
    expect(alerts(wrapper)).toEqual([t.password.currentMissing])
    expect(errorUnder(wrapper, t.password.current)).toBe(t.password.currentMissing)
    await type(field(wrapper, t.password.current), OLD)
    await button(wrapper, t.password.submit).trigger('click')
    expect(alerts(wrapper)).toEqual([t.password.nextMissing])
    expect(errorUnder(wrapper, t.password.next)).toBe(t.password.nextMissing)
    expect(errorUnder(wrapper, t.password.current)).toBeNull()
    await fillPasswords(wrapper, locale, OLD, NEW, `${NEW}!`)
    expect(alerts(wrapper)).toEqual([t.password.mismatch])
    expect(errorUnder(wrapper, t.password.next)).toBe(t.password.mismatch)
    expect(document.activeElement).toBe(field(wrapper, t.password.next).element)
    expect(field(wrapper, t.password.next).element.value).toBe('')
    expect(field(wrapper, t.password.confirm).element.value).toBe('')
    expect(bridge.callsOf('changePassword')).toHaveLength(0)
  })

  it('goes back to « Mon compte » with Escape or « Annuler », without calling', async () => {
    const wrapper = await mountKiosk(bridge)
    await openForm(wrapper)
    await type(field(wrapper, t.password.current), OLD)
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.account.title)
    await button(wrapper, t.account.changePassword).trigger('click')
    expect(field(wrapper, t.password.current).element.value).toBe('')
    await button(wrapper, t.common.cancel).trigger('click')
    expect(heading(wrapper)).toBe(t.account.title)
    expect(bridge.callsOf('changePassword')).toHaveLength(0)
  })
})

describe.each(LOCALES)('choosing a password after IT’s temporary one (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      password: 'Temporaire-42-xyz',
      mustChangePassword: true,
    })
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('comes before anything else, then leads home with a sentence', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'Temporaire-42-xyz')
    expect(heading(wrapper)).toBe(t.password.chooseTitle)
    expect(wrapper.text()).toContain(t.password.chooseIntro)
    // the temporary password, typed seconds ago, is not asked again
    expect(wrapper.find('input[type="password"]').exists()).toBe(true)
    expect(passwordValues(wrapper)).toHaveLength(2)
    expect(wrapper.text()).not.toContain(t.password.current)
    expect(document.activeElement).toBe(field(wrapper, t.password.next).element)
    expect(wrapper.find('nav').exists()).toBe(false)
    expect(findButton(wrapper, t.common.cancel)).toBeNull()
    // Escape does not skip it.
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(t.password.chooseTitle)
    await fillPasswords(wrapper, locale, null, NEW)
    expect(bridge.callsOf('changePassword')).toEqual([{ next: NEW }])
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    expect(statuses(wrapper)).toEqual([t.notices.passwordChosen])
  })

  it('puts a refused new password’s rule under its field', async () => {
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'Temporaire-42-xyz')
    await fillPasswords(wrapper, locale, null, 'court')
    const sentence = `${t.errors.PASSWORD_REJECTED} ${t.passwordRejection['too-short']}`
    expect(errorUnder(wrapper, t.password.next)).toBe(sentence)
    expect(alerts(wrapper)).toEqual([sentence])
    expect(heading(wrapper)).toBe(t.password.chooseTitle)
  })

  it('comes back at start, with « Se déconnecter » as the only other way', async () => {
    await bridge.signIn({ email: AGNES, password: 'Temporaire-42-xyz' })
    await bridge.verifyCode({ code: '123456' })
    const wrapper = await mountKiosk(bridge)
    expect(heading(wrapper)).toBe(t.password.chooseTitle)
    // Only changePassword and sign-out work: « Se déconnecter » is there.
    await button(wrapper, t.home.signOut).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(bridge.callsOf('signOut')).toHaveLength(1)
  })

  it('takes over from any screen on PASSWORD_CHANGE_REQUIRED', async () => {
    bridge.accounts.get(AGNES)!.mustChangePassword = false
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'Temporaire-42-xyz')
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Agnès Martin' }))
    bridge.failNext('listFactors', 'PASSWORD_CHANGE_REQUIRED')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.password.chooseTitle)
  })

  it('comes before the enroll policy screen', async () => {
    bridge.accounts.get(AGNES)!.mustEnroll = true
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, locale, AGNES, 'Temporaire-42-xyz')
    expect(heading(wrapper)).toBe(t.password.chooseTitle)
    await fillPasswords(wrapper, locale, null, NEW)
    expect(heading(wrapper)).toBe(t.enroll.title)
  })

  it('refuses an expired temporary password at sign-in with the next step', async () => {
    bridge.accounts.get(AGNES)!.tempPasswordExpired = true
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), AGNES)
    await type(field(wrapper, t.signIn.password), 'Temporaire-42-xyz')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(alerts(wrapper)).toEqual([t.errors.TEMP_PASSWORD_EXPIRED])
    expect(field(wrapper, t.signIn.password).element.value).toBe('')
  })
})
