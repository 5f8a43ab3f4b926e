// Who asks for the security key's PIN (getStatus `keyPinEntry`). With the
// Windows back end ('platform') Windows' own window asks for it: the kiosk never
// shows its « Code PIN de la clé » form, shows « Suivez les instructions de
// Windows » with « Annuler » while the operation runs, registers a passkey on the
// clerk's word (`passkey: true`, no `pin`) and signs in without a password with
// no PIN sent; the key after the password and for a step-up likewise. Over HID
// ('kiosk') the kiosk's own PIN entry stays as it is.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { FakeBridge } from './fakeBridge'
import {
  LOCALES,
  alerts,
  button,
  field,
  findButton,
  fill,
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

const AGNES = 'agnes@mairie.fr'
const BRUNO = 'bruno@mairie.fr'

/** No field of the page takes a PIN: no password input at all. */
function pinFields(wrapper: VueWrapper): number {
  return wrapper.findAll('input[type="password"]').length
}

async function touch(bridge: FakeBridge): Promise<void> {
  bridge.touchKey()
  await settle()
}

describe.each(LOCALES)('Windows takes the key’s PIN (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 14, 5, 0), locale)
    bridge.keyPinEntry = 'platform'
    bridge.key.pin = '4321'
    bridge.addAccount({
      email: AGNES,
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel', createdAt: Date.now() },
    })
  })
  afterEach(releaseKiosk)

  async function openAddKey(wrapper: VueWrapper): Promise<void> {
    await type(field(wrapper, t.signIn.email), AGNES)
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await type(field(wrapper, t.code.label), '246810')
    await button(wrapper, t.code.submit).trigger('click')
    await settle()
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
  }

  it('adds a passkey without a PIN field: the clerk ticks « sans mot de passe », Windows asks for the PIN', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper)
    expect(heading(wrapper)).toBe(t.addKey.title)
    expect(pinFields(wrapper)).toBe(0)
    const passkey = field(wrapper, t.addKey.passkey)
    expect(passkey.attributes('type')).toBe('checkbox')
    const hint = wrapper.find(`[id="${passkey.attributes('aria-describedby')}"]`)
    expect(hint.text()).toBe(t.addKey.passkeyHint)
    expect(wrapper.text()).not.toContain(t.addKey.pinHint)

    await type(field(wrapper, t.addKey.name), 'YubiKey bleue')
    await passkey.setValue(true)
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'YubiKey bleue', passkey: true }])
    expect(statuses(wrapper)).toEqual([t.key.platform])
    expect(wrapper.text()).toContain(t.key.platformHint)
    expect(document.activeElement).toBe(button(wrapper, t.common.cancel).element)
    expect(wrapper.findAll('input')).toHaveLength(0)

    await touch(bridge)
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    expect(wrapper.text()).toContain(t.keyAdded.passwordlessPlatform)
    expect(wrapper.text()).not.toContain(t.keyAdded.passwordless)
    expect(bridge.key.credentials).toEqual([{ email: AGNES, keyId: 'key-1', discoverable: true }])
  })

  it('adds a second-factor key when « sans mot de passe » is left unticked', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper)
    await type(field(wrapper, t.addKey.name), 'Clé de secours')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    expect(bridge.callsOf('registerKey')).toEqual([{ name: 'Clé de secours' }])
    await touch(bridge)
    expect(wrapper.text()).not.toContain(t.keyAdded.passwordlessPlatform)
    expect(bridge.key.credentials).toEqual([{ email: AGNES, keyId: 'key-1', discoverable: false }])
  })

  it('a PIN error from Windows is a sentence in the form, never the kiosk’s PIN entry', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper)
    await type(field(wrapper, t.addKey.name), 'YubiKey bleue')
    bridge.failNext('registerKey', 'FIDO_PIN_REQUIRED')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    expect(pinFields(wrapper)).toBe(0)
    expect(alerts(wrapper)).toHaveLength(1)
    field(wrapper, t.addKey.name)
  })

  it('« Utiliser ma clé de sécurité » after the password: no PIN sent or asked, Windows’ instructions meanwhile', async () => {
    bridge.addAccount({ email: BRUNO, name: 'Bruno Petit' })
    bridge.accounts.get(BRUNO)!.keys.push({
      id: 'k-bruno',
      name: 'YubiKey bleue',
      createdAt: Date.now(),
      lastUsedAt: null,
    })
    bridge.key.credentials.push({ email: BRUNO, keyId: 'k-bruno', discoverable: false })
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), BRUNO)
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    bridge.failNext('signInWithKey', 'FIDO_PIN_INVALID', { attemptsLeft: 7 })
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(pinFields(wrapper)).toBe(0)
    expect(alerts(wrapper)).toHaveLength(1)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(statuses(wrapper)).toEqual([t.key.platform])
    await touch(bridge)
    expect(bridge.callsOf('signInWithKey')).toEqual([{}, {}])
    expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
  })
})

describe.each(LOCALES)(
  '« Se connecter avec ma clé de sécurité » where Windows takes the PIN (%s)',
  (locale) => {
    const t = m(locale)
    let bridge: FakeBridge

    beforeEach(() => {
      bridge = new FakeBridge()
      bridge.keyPinEntry = 'platform'
      bridge.locale = locale
      bridge.addAccount({ email: BRUNO, name: 'Bruno Petit' })
      bridge.key.pin = '4321'
      bridge.accounts.get(BRUNO)!.keys.push({
        id: 'k-bruno',
        name: 'YubiKey bleue',
        createdAt: Date.now(),
        lastUsedAt: null,
      })
      bridge.key.credentials.push({ email: BRUNO, keyId: 'k-bruno', discoverable: true })
    })
    afterEach(() => {
      document.body.innerHTML = ''
    })

    it('starts at once with no PIN: « Suivez les instructions de Windows », then signed in', async () => {
      const wrapper = await mountKiosk(bridge)
      await button(wrapper, t.signIn.withKey).trigger('click')
      await settle()
      expect(heading(wrapper)).toBe(t.passwordless.title)
      expect(wrapper.text()).toContain(t.passwordless.introPlatform)
      expect(wrapper.text()).not.toContain(t.passwordless.intro)
      expect(wrapper.findAll('input')).toHaveLength(0)
      expect(bridge.callsOf('signInPasswordless')).toEqual([{}])
      expect(statuses(wrapper)).toEqual([t.key.platform])
      expect(document.activeElement).toBe(button(wrapper, t.common.cancel).element)
      await touch(bridge)
      expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
    })

    it('« Annuler » closes Windows’ window and goes back to sign-in', async () => {
      const wrapper = await mountKiosk(bridge)
      await button(wrapper, t.signIn.withKey).trigger('click')
      await settle()
      await button(wrapper, t.common.cancel).trigger('click')
      await settle()
      expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
      expect(heading(wrapper)).toBe(t.signIn.title)
      expect(pinFields(wrapper)).toBe(1) // the sign-in screen's password, not a key PIN
      field(wrapper, t.signIn.password)
    })

    it('after a failure: the sentence, « Réessayer » (again without a PIN) and « Annuler »', async () => {
      const wrapper = await mountKiosk(bridge)
      bridge.failNext('signInPasswordless', 'FIDO_PIN_INVALID', { attemptsLeft: 5 })
      await button(wrapper, t.signIn.withKey).trigger('click')
      await settle()
      expect(pinFields(wrapper)).toBe(0)
      expect(alerts(wrapper)).toHaveLength(1)
      expect(document.activeElement).toBe(button(wrapper, t.common.retry).element)
      await button(wrapper, t.common.retry).trigger('click')
      await settle()
      expect(bridge.callsOf('signInPasswordless')).toEqual([{}, {}])
      expect(statuses(wrapper)).toEqual([t.key.platform])
      await touch(bridge)
      expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
    })

    it('Escape after a failure goes back to sign-in', async () => {
      const wrapper = await mountKiosk(bridge)
      bridge.failNext('signInPasswordless', 'FIDO_TIMEOUT')
      await button(wrapper, t.signIn.withKey).trigger('click')
      await settle()
      expect(alerts(wrapper)).toEqual([t.errors.FIDO_TIMEOUT])
      expect(findButton(wrapper, t.key.submit)).toBeNull()
      await press(window, 'Escape')
      expect(heading(wrapper)).toBe(t.signIn.title)
    })
  },
)

describe.each(LOCALES)('step-up with the key where Windows takes the PIN (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = new FakeBridge()
    bridge.keyPinEntry = 'platform'
    bridge.locale = locale
    bridge.addAccount({ email: AGNES, name: 'Agnès Martin' })
    bridge.key.pin = '4321'
    bridge.key.alwaysUv = true
    bridge.accounts.get(AGNES)!.keys.push({
      id: 'k1',
      name: 'YubiKey bleue',
      createdAt: Date.now(),
      lastUsedAt: null,
    })
    bridge.key.credentials.push({ email: AGNES, keyId: 'k1', discoverable: false })
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('« Confirmez votre identité » with the key: no PIN form, even when Windows reports a PIN error; then the change goes on', async () => {
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), AGNES)
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(pinFields(wrapper)).toBe(0)
    await touch(bridge)
    await button(wrapper, t.home.changeAddress).trigger('click')
    bridge.staleSecondFactor()
    await type(field(wrapper, t.changeAddress.newEmail), 'agnes@ville.fr')
    await button(wrapper, t.changeAddress.send).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(t.stepUp.title)
    bridge.failNext('stepUpWithKey', 'FIDO_PIN_REQUIRED')
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(pinFields(wrapper)).toBe(0)
    expect(alerts(wrapper)).toHaveLength(1)
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    expect(statuses(wrapper)).toEqual([t.key.platform])
    await touch(bridge)
    expect(bridge.callsOf('stepUpWithKey')).toEqual([{}, {}])
    expect(heading(wrapper)).toBe(t.changeAddress.title)
  })
})

describe.each(LOCALES)('the kiosk takes the key’s PIN (%s)', (locale) => {
  const t = m(locale)

  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('no « sans mot de passe » box on « Ajouter une clé »; the PIN entry for passwordless', async () => {
    const bridge = new FakeBridge()
    bridge.locale = locale
    bridge.addAccount({ email: BRUNO, name: 'Bruno Petit' })
    const wrapper = await mountKiosk(bridge)
    expect(bridge.keyPinEntry).toBe('kiosk')
    await button(wrapper, t.signIn.withKey).trigger('click')
    await settle()
    expect(wrapper.text()).toContain(t.passwordless.intro)
    expect(field(wrapper, t.key.pin).attributes('type')).toBe('password')
    expect(bridge.callsOf('signInPasswordless')).toEqual([])
  })
})
