// Sign-out resets every piece of renderer state: nothing of clerk A (name, address,
// inputs, QR, key, factors, language, screens, a security key's name or PIN, a key
// still waiting for a touch) remains for clerk B.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import type { Result } from '../../../src-main/contract/errors'
import type { SessionView } from '../../../src-main/contract/methods'
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
  press,
  settle,
  signInByEmail,
  statuses,
  type,
  kioskAt,
  releaseKiosk,
} from './helpers'

const CLERK_A = [
  'Agnès Martin',
  'agnes@mairie.fr',
  'a•••@mairie.fr',
  'JBSW',
  'Y3DP',
  '24681',
  'Pixel de Agnès',
]

function expectNothingOfA(wrapper: VueWrapper): void {
  const html = wrapper.html()
  for (const trace of CLERK_A) expect(html).not.toContain(trace)
  expect(document.body.innerHTML).not.toContain('Agnès')
  for (const input of wrapper.findAll<HTMLInputElement>('input')) {
    expect(input.element.value).toBe('')
  }
  expect(document.title).not.toContain('Agnès')
}

describe('sign-out between two clerks', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('leaves nothing of clerk A for clerk B', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    bridge.addAccount({
      email: 'bruno@mairie.fr',
      name: 'Bruno Petit',
      password: 'bruno passphrase ok',
      secretGroups: ['KRSX', 'G5DF', 'MNQW', 'Y2LO'],
    })
    const wrapper = await mountKiosk(bridge)
    const firstGeneration = wrapper.findComponent({ name: 'ClerkApp' }).vm

    // Clerk A switches to English, signs in, opens the QR screen and types half a code.
    await button(wrapper, 'English').trigger('click')
    const en = m('en')
    await signInByEmail(wrapper, 'en', 'agnes@mairie.fr', 'correct horse battery')
    await button(wrapper, en.home.factors).trigger('click')
    await settle()
    await button(wrapper, en.factors.addApp).trigger('click')
    await settle()
    expect(wrapper.find('img').exists()).toBe(true)
    expect(wrapper.text()).toContain('JBSW')
    await type(field(wrapper, en.addApp.code), '24681')
    await type(field(wrapper, en.addApp.deviceName), 'Pixel de Agnès')
    await press(window, 'Escape')
    await button(wrapper, en.common.backHome).trigger('click')
    await button(wrapper, en.home.signOut).trigger('click')
    await settle()

    // A fresh clerk tree: another component instance, the kiosk language, empty fields.
    expect(wrapper.findComponent({ name: 'ClerkApp' }).vm).not.toBe(firstGeneration)
    const fr = m('fr')
    expect(document.documentElement.lang).toBe('fr')
    expect(heading(wrapper)).toBe(fr.signIn.title)
    expectNothingOfA(wrapper)
    // No way back to A's screens: Escape on the sign-in screen goes nowhere.
    await press(window, 'Escape')
    expect(heading(wrapper)).toBe(fr.signIn.title)

    // Clerk B signs in and sees only their own things.
    await type(field(wrapper, fr.signIn.email), 'bruno@mairie.fr')
    await type(field(wrapper, fr.signIn.password), 'bruno passphrase ok')
    await button(wrapper, fr.signIn.submit).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('b•••@mairie.fr')
    expectNothingOfA(wrapper)
    await type(field(wrapper, fr.code.label), '123456')
    await button(wrapper, fr.code.submit).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(fill(fr.home.title, { name: 'Bruno Petit' }))
    await button(wrapper, fr.home.factors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('bruno@mairie.fr')
    await button(wrapper, fr.factors.addApp).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('KRSX')
    expectNothingOfA(wrapper)
  })

  it('shows the sign-in screen at once, and holds the next clerk’s calls until the engine has signed out', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    bridge.addAccount({ email: 'bruno@mairie.fr', name: 'Bruno Petit' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    const signOut = bridge.signOut
    let answer = (): void => undefined
    bridge.signOut = (input) =>
      new Promise((resolve) => {
        answer = () => resolve(signOut(input))
      })
    bridge.calls = []
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    // The engine has not answered: the next clerk's screen is there already.
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expectNothingOfA(wrapper)
    await type(field(wrapper, m('fr').signIn.email), 'bruno@mairie.fr')
    await type(field(wrapper, m('fr').signIn.password), 'correct horse battery')
    await button(wrapper, m('fr').signIn.submit).trigger('click')
    await settle()
    // (the fake records signOut once it answers)
    expect(bridge.calls.map((call) => call.method)).toEqual([])
    answer()
    await settle()
    // Signed out, checked, and only then the next clerk's sign-in.
    expect(bridge.calls.map((call) => call.method)).toEqual(['signOut', 'getStatus', 'signIn'])
    expect(heading(wrapper)).toBe(m('fr').code.title)
  })

  it('signs nobody out when a stillHere of the previous clerk answers NOT_SIGNED_IN after the sign-out', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    let answer = (): void => undefined
    bridge.stillHere = () =>
      new Promise((resolve) => {
        answer = () => resolve({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
      })
    // The tap on « Se déconnecter » is input too: a stillHere goes with the sign-out.
    window.dispatchEvent(new Event('pointerdown'))
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    answer()
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(1)
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expect(statuses(wrapper)).toEqual([m('fr').notices.signedOut])
  })

  it('closes a session that is still open after the sign-out before the next clerk’s first call', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    // The first sign-out does not reach the engine: the renderer forgets anyway, and
    // the next generation closes the session it still finds.
    bridge.failNext('signOut', 'SERVICE_UNAVAILABLE')
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(2)
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expectNothingOfA(wrapper)
  })

  it('never shows a session it cannot close', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    bridge.failNext('signOut', 'SERVICE_UNAVAILABLE')
    bridge.failNext('signOut', 'SERVICE_UNAVAILABLE')
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(m('fr').unavailable.title)
    expect(wrapper.find('[role="alert"]').text()).toBe(m('fr').errors.SERVICE_UNAVAILABLE)
    expectNothingOfA(wrapper)
    // « Réessayer » tries again to close it, and only then shows sign-in.
    await button(wrapper, m('fr').common.retry).trigger('click')
    await settle()
    expect(bridge.callsOf('signOut')).toHaveLength(3)
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
  })
})

describe('language after a sign-out', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('goes back to the kiosk language even when the next getStatus fails', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, 'English').trigger('click')
    await signInByEmail(wrapper, 'en', 'agnes@mairie.fr', 'correct horse battery')
    bridge.failNext('getStatus', 'SERVICE_UNAVAILABLE')
    await button(wrapper, m('en').home.signOut).trigger('click')
    await settle()
    expect(document.documentElement.lang).toBe('fr')
    expect(heading(wrapper)).toBe(m('fr').unavailable.title)
  })
})

describe.each(LOCALES)('security-key state after a sign-out or the idle lock (%s)', (locale) => {
  const t = m(locale)
  let bridge: FakeBridge

  beforeEach(() => {
    bridge = kioskAt(new Date(2024, 8, 18, 9, 0, 0), locale, 60)
    bridge.key.pin = '4321'
    bridge.addAccount({
      email: 'agnes@mairie.fr',
      name: 'Agnès Martin',
      app: { deviceName: 'Pixel de Agnès', createdAt: Date.now() },
    })
  })
  afterEach(releaseKiosk)

  const KEY_TRACES = ['Clé de Agnès', '4321', '9876']

  /** `notices`: none when nobody was signed in (the idle lock clears silently). */
  function expectNoKeyState(wrapper: VueWrapper, notices = [t.notices.idle]): void {
    expectNothingOfA(wrapper)
    for (const trace of KEY_TRACES) expect(document.body.innerHTML).not.toContain(trace)
    expect(wrapper.find('.key-prompt').exists()).toBe(false)
    expect(heading(wrapper)).toBe(t.signIn.title)
    expect(statuses(wrapper)).toEqual(notices)
    expect(alerts(wrapper)).toEqual([])
  }

  async function idleOut(): Promise<void> {
    await vi.advanceTimersByTimeAsync(61_000)
    expect(document.querySelector('[role="alertdialog"]')).not.toBeNull()
    await vi.advanceTimersByTimeAsync(31_000)
    await settle()
  }

  /** Before anyone is signed in, the idle lock clears the screen without a warning. */
  async function idleClear(): Promise<void> {
    await vi.advanceTimersByTimeAsync(61_000)
    await settle()
    expect(document.querySelector('[role="alertdialog"]')).toBeNull()
  }

  async function openAddKey(wrapper: VueWrapper): Promise<void> {
    await signInByEmail(wrapper, locale, 'agnes@mairie.fr', 'correct horse battery', '246810')
    await button(wrapper, t.home.factors).trigger('click')
    await settle()
    await button(wrapper, t.factors.addKey).trigger('click')
    await settle()
  }

  it('forgets a typed key name and PIN', async () => {
    const wrapper = await mountKiosk(bridge)
    const first = wrapper.findComponent({ name: 'ClerkApp' }).vm
    await openAddKey(wrapper)
    await type(field(wrapper, t.addKey.name), 'Clé de Agnès')
    await type(field(wrapper, t.addKey.pin), '4321')
    await idleOut()
    expect(wrapper.findComponent({ name: 'ClerkApp' }).vm).not.toBe(first)
    expect(bridge.callsOf('signOut')).toHaveLength(1)
    expect(bridge.callsOf('registerKey')).toHaveLength(0)
    expectNoKeyState(wrapper)
  })

  it('forgets the PIN entry after FIDO_PIN_INVALID', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper)
    await type(field(wrapper, t.addKey.name), 'Clé de Agnès')
    await type(field(wrapper, t.addKey.pin), '9876')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    expect(alerts(wrapper)[0]).toContain(t.errors.FIDO_PIN_INVALID)
    await type(field(wrapper, t.key.pin), '4321')
    await idleOut()
    expectNoKeyState(wrapper)
  })

  it('releases a key waiting for a touch before signing out', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper)
    await type(field(wrapper, t.addKey.name), 'Clé de Agnès')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    await type(field(wrapper, t.key.pin), '4321')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    expect(bridge.keyWaiting).toBe(true)
    await idleOut()
    // Main runs one call at a time: « Annuler » first, then the sign-out.
    const order = bridge.calls
      .map((call) => call.method)
      .filter((method) => method === 'cancelKeyOperation' || method === 'signOut')
    expect(order).toEqual(['cancelKeyOperation', 'signOut'])
    expect(bridge.keyWaiting).toBe(false)
    expect(bridge.accounts.get('agnes@mairie.fr')!.keys).toEqual([])
    expectNoKeyState(wrapper)
  })

  it('forgets the passwordless PIN, and releases the key if it was waiting', async () => {
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, t.signIn.withKey).trigger('click')
    await settle()
    await type(field(wrapper, t.key.pin), '9876')
    await idleClear()
    expect(bridge.callsOf('signInPasswordless')).toHaveLength(0)
    expectNoKeyState(wrapper, [])

    await button(wrapper, t.signIn.withKey).trigger('click')
    await settle()
    await type(field(wrapper, t.key.pin), '4321')
    await button(wrapper, t.key.submit).trigger('click')
    await settle()
    expect(bridge.keyWaiting).toBe(true)
    await idleClear()
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(bridge.keyWaiting).toBe(false)
    expectNoKeyState(wrapper, [])
  })

  it('ignores a key answer that arrives after the reset', async () => {
    bridge.accounts.get('agnes@mairie.fr')!.keys = [
      { id: 'k1', name: 'Clé de Agnès', createdAt: Date.now(), lastUsedAt: null },
    ]
    let answer: ((result: Result<SessionView>) => void) | undefined
    bridge.signInWithKey = () =>
      new Promise<Result<SessionView>>((resolve) => {
        answer = resolve
      })
    const wrapper = await mountKiosk(bridge)
    await type(field(wrapper, t.signIn.email), 'agnes@mairie.fr')
    await type(field(wrapper, t.signIn.password), 'correct horse battery')
    await button(wrapper, t.signIn.submit).trigger('click')
    await settle()
    await button(wrapper, t.code.useKey).trigger('click')
    await settle()
    await idleClear()
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(1)
    expect(bridge.callsOf('cancelSignIn')).toHaveLength(1)
    const generation = wrapper.findComponent({ name: 'ClerkApp' }).vm.$.uid
    // The old call ends late with a flow-ending error: no second reset, no sentence.
    answer!({ ok: false, error: { code: 'NO_PENDING_SIGN_IN' } })
    await settle()
    expect(wrapper.findComponent({ name: 'ClerkApp' }).vm.$.uid).toBe(generation)
    expectNoKeyState(wrapper, [])
  })

  it('leaves nothing of the key screens after « Se déconnecter »', async () => {
    const wrapper = await mountKiosk(bridge)
    await openAddKey(wrapper)
    await type(field(wrapper, t.addKey.name), 'Clé de Agnès')
    await type(field(wrapper, t.addKey.pin), '4321')
    await button(wrapper, t.addKey.submit).trigger('click')
    await settle()
    bridge.touchKey()
    await settle()
    expect(heading(wrapper)).toBe(t.keyAdded.title)
    await button(wrapper, t.keyAdded.backFactors).trigger('click')
    await settle()
    expect(wrapper.text()).toContain('Clé de Agnès')
    await press(window, 'Escape')
    await button(wrapper, t.home.signOut).trigger('click')
    await settle()
    expect(bridge.callsOf('cancelKeyOperation')).toHaveLength(0)
    expectNothingOfA(wrapper)
    for (const trace of KEY_TRACES) expect(document.body.innerHTML).not.toContain(trace)
    expect(statuses(wrapper)).toEqual([t.notices.signedOut])
  })
})

describe.each(LOCALES)(
  'account lifecycle state after a sign-out or the idle lock (%s)',
  (locale) => {
    const t = m(locale)
    const NEW_ADDRESS = 'agnes.martin@ville.fr'
    const NEW_PASSWORD = 'phrase secrète de Agnès'
    let bridge: FakeBridge

    beforeEach(() => {
      bridge = kioskAt(new Date(2024, 8, 18, 9, 0, 0), locale, 60)
      bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
      bridge.addAccount({
        email: 'bruno@mairie.fr',
        name: 'Bruno Petit',
        password: 'bruno passphrase ok',
      })
    })
    afterEach(releaseKiosk)

    /** Every recovery code clerk A was ever shown, collected as they are issued. */
    const shown = new Set<string>()

    function expectNothingOfLifecycle(wrapper: VueWrapper): void {
      expectNothingOfA(wrapper)
      const html = document.body.innerHTML
      for (const code of shown) expect(html).not.toContain(code)
      for (const trace of [NEW_ADDRESS, 'a•••@ville.fr', NEW_PASSWORD, 'correct horse']) {
        expect(html).not.toContain(trace)
      }
      expect(wrapper.find('section.recovery').exists()).toBe(false)
      expect(wrapper.find('section.check-factors').exists()).toBe(false)
    }

    async function idleOut(wrapper: VueWrapper): Promise<void> {
      await vi.advanceTimersByTimeAsync(61_000)
      expect(document.querySelector('[role="alertdialog"]')).not.toBeNull()
      await vi.advanceTimersByTimeAsync(31_000)
      await settle()
      expect(heading(wrapper)).toBe(t.signIn.title)
      expect(statuses(wrapper)).toEqual([t.notices.idle])
    }

    async function signInAgnes(wrapper: VueWrapper, code: string): Promise<void> {
      const email = bridge.accounts.has(NEW_ADDRESS) ? NEW_ADDRESS : 'agnes@mairie.fr'
      await signInByEmail(wrapper, locale, email, 'correct horse battery', code)
    }

    it('leaves no recovery code, password or new address of clerk A for clerk B', async () => {
      const wrapper = await mountKiosk(bridge)

      // 1. The codes of A's first app are on screen when the kiosk locks itself.
      await signInAgnes(wrapper, '123456')
      await button(wrapper, t.home.factors).trigger('click')
      await settle()
      await button(wrapper, t.factors.addApp).trigger('click')
      await settle()
      await type(field(wrapper, t.addApp.code), '246810')
      await button(wrapper, t.addApp.submit).trigger('click')
      await settle()
      for (const code of bridge.recoveryCodesOf('agnes@mairie.fr')) shown.add(code)
      expect(wrapper.findAll('.recovery__code')).toHaveLength(10)
      // The idle lock waits while they show (5 minutes), then counts again.
      await vi.advanceTimersByTimeAsync(300_000)
      await idleOut(wrapper)
      expectNothingOfLifecycle(wrapper)

      // 2. A new set on « Mes facteurs d’authentification », then the idle lock.
      await signInAgnes(wrapper, '246810')
      await button(wrapper, t.home.factors).trigger('click')
      await settle()
      await button(wrapper, t.factors.newRecovery).trigger('click')
      await button(wrapper, t.factors.confirmRecovery).trigger('click')
      await settle()
      for (const code of bridge.recoveryCodesOf('agnes@mairie.fr')) shown.add(code)
      expect(wrapper.findAll('.recovery__code')).toHaveLength(10)
      // The idle lock waits while they show (5 minutes), then counts again.
      await vi.advanceTimersByTimeAsync(300_000)
      await idleOut(wrapper)
      expectNothingOfLifecycle(wrapper)

      // 3. Half-typed passwords in « Changer mon mot de passe », then the idle lock.
      await signInAgnes(wrapper, '246810')
      await button(wrapper, t.home.account).trigger('click')
      await button(wrapper, t.account.changePassword).trigger('click')
      await type(field(wrapper, t.password.current), 'correct horse battery')
      await type(field(wrapper, t.password.next), NEW_PASSWORD)
      await type(field(wrapper, t.password.confirm), NEW_PASSWORD)
      await idleOut(wrapper)
      expect(bridge.callsOf('changePassword')).toHaveLength(0)
      expectNothingOfLifecycle(wrapper)

      // 4. A new address typed and its code sent, then the idle lock.
      await signInAgnes(wrapper, '246810')
      await button(wrapper, t.home.changeAddress).trigger('click')
      await type(field(wrapper, t.changeAddress.newEmail), NEW_ADDRESS)
      await button(wrapper, t.changeAddress.send).trigger('click')
      await settle()
      await type(field(wrapper, t.changeAddress.code), '6543')
      await idleOut(wrapper)
      expectNothingOfLifecycle(wrapper)

      // 5. The address changed and shown, then « Se déconnecter ».
      await signInAgnes(wrapper, '246810')
      await button(wrapper, t.home.changeAddress).trigger('click')
      await type(field(wrapper, t.changeAddress.newEmail), NEW_ADDRESS)
      await button(wrapper, t.changeAddress.send).trigger('click')
      await settle()
      await type(field(wrapper, t.changeAddress.code), '654321')
      await button(wrapper, t.changeAddress.submit).trigger('click')
      await settle()
      expect(wrapper.text()).toContain(NEW_ADDRESS)
      await button(wrapper, t.common.backHome).trigger('click')
      await button(wrapper, t.home.signOut).trigger('click')
      await settle()
      expect(statuses(wrapper)).toEqual([t.notices.signedOut])
      expectNothingOfLifecycle(wrapper)

      // 6. A signs in with a recovery code (check notice on home), then signs out.
      await type(field(wrapper, t.signIn.email), NEW_ADDRESS)
      await type(field(wrapper, t.signIn.password), 'correct horse battery')
      await button(wrapper, t.signIn.submit).trigger('click')
      await settle()
      await button(wrapper, t.code.useRecovery).trigger('click')
      await settle()
      await type(field(wrapper, t.code.recoveryLabel), bridge.recoveryCodesOf(NEW_ADDRESS)[0]!)
      await button(wrapper, t.code.submit).trigger('click')
      await settle()
      expect(wrapper.find('section.check-factors').exists()).toBe(true)
      await button(wrapper, t.home.signOut).trigger('click')
      await settle()
      expectNothingOfLifecycle(wrapper)

      // Clerk B: their own home and factors, nothing of A.
      await signInByEmail(wrapper, locale, 'bruno@mairie.fr', 'bruno passphrase ok')
      expect(heading(wrapper)).toBe(fill(t.home.title, { name: 'Bruno Petit' }))
      expectNothingOfLifecycle(wrapper)
      await button(wrapper, t.home.factors).trigger('click')
      await settle()
      expect(wrapper.text()).toContain(t.factors.recoveryNone)
      expectNothingOfLifecycle(wrapper)
      await press(window, 'Escape')
      await button(wrapper, t.home.changeAddress).trigger('click')
      expect(field(wrapper, t.changeAddress.newEmail).element.value).toBe('')
      expectNothingOfLifecycle(wrapper)
      await press(window, 'Escape')
      await button(wrapper, t.home.account).trigger('click')
      await button(wrapper, t.account.changePassword).trigger('click')
      expectNothingOfLifecycle(wrapper)
    })
  },
)
