// What the first load does to be quick, and still right: getStatus asked before
// Vue sets up (the first screen rendered is the one it says, with no loading
// screen when it has answered), English loaded only when it is wanted, the
// screens past sign-in loaded on demand.

import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { h, ref } from 'vue'
import { createGuichetI18n, loadMessages } from '../../../src-renderer/i18n'
import { en } from '../../../src-renderer/i18n/en'
import { BRIDGE, FIRST_STATUS, NOW, STORE } from '../../../src-renderer/injection'
import Root from '../../../src-renderer/Root.vue'
import { lazyScreen, preloadScreens } from '../../../src-renderer/screens/lazy'
import { askFirstStatus } from '../../../src-renderer/state/firstStatus'
import { FakeBridge } from './fakeBridge'
import { button, heading, m, mountKiosk, settle, signInByEmail } from './helpers'

function mountRoot(bridge: FakeBridge, i18n = createGuichetI18n('fr', { en }), first?: unknown) {
  return mount(Root, {
    attachTo: document.body,
    global: {
      plugins: [i18n],
      provide: {
        [BRIDGE as symbol]: bridge,
        ...(first ? { [FIRST_STATUS as symbol]: first } : {}),
      },
    },
  })
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the first getStatus', () => {
  it('renders the screen it says at once when it has answered before mounting', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const first = askFirstStatus(bridge)
    await first.settled(1000)
    const wrapper = mountRoot(bridge, undefined, first)
    // No flush: the first render is already the sign-in screen.
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expect(bridge.callsOf('getStatus')).toHaveLength(1)
    await settle()
    expect(bridge.callsOf('getStatus')).toHaveLength(1)
  })

  it('shows the loading screen while it has not answered, then the screen it says', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    let answer: () => void = () => undefined
    const getStatus = bridge.getStatus
    bridge.getStatus = (input) =>
      new Promise((resolve) => {
        answer = () => resolve(getStatus(input))
      })
    const wrapper = mountRoot(bridge, undefined, askFirstStatus(bridge))
    expect(heading(wrapper)).toBe(m('fr').app.loading)
    answer()
    await settle()
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expect(bridge.callsOf('getStatus')).toHaveLength(1)
  })

  it('is used by the first clerk only: the next one asks again', async () => {
    await preloadScreens()
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const first = askFirstStatus(bridge)
    await first.settled(1000)
    const wrapper = mountRoot(bridge, undefined, first)
    await signInByEmail(wrapper, 'fr', 'agnes@mairie.fr', 'correct horse battery')
    expect(bridge.callsOf('getStatus')).toHaveLength(1)
    await button(wrapper, m('fr').home.signOut).trigger('click')
    await settle()
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    expect(bridge.callsOf('getStatus')).toHaveLength(2)
    expect(first.take()).toBeNull()
  })

  it('reads as an unreachable service when the bridge throws', async () => {
    const bridge = new FakeBridge()
    bridge.getStatus = () => Promise.reject(new Error('gone'))
    const first = askFirstStatus(bridge)
    await first.settled(1000)
    const wrapper = mountRoot(bridge, undefined, first)
    expect(heading(wrapper)).toBe(m('fr').unavailable.title)
  })
})

describe('English, loaded when wanted', () => {
  it('is loaded before the first screen shows when the kiosk is in English', async () => {
    const bridge = new FakeBridge()
    bridge.locale = 'en'
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const i18n = createGuichetI18n('fr')
    expect(i18n.global.availableLocales).toEqual(['fr'])
    const wrapper = mountRoot(bridge, i18n)
    await vi.waitFor(() => expect(heading(wrapper)).toBe(m('en').signIn.title))
    expect(document.documentElement.lang).toBe('en')
  })

  it('is applied from the language switch once its messages are there', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const i18n = createGuichetI18n('fr')
    const wrapper = mountRoot(bridge, i18n)
    await settle()
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
    await button(wrapper, 'English').trigger('click')
    await vi.waitFor(() => expect(heading(wrapper)).toBe(m('en').signIn.title))
    expect(document.documentElement.lang).toBe('en')
    await button(wrapper, 'Français').trigger('click')
    expect(heading(wrapper)).toBe(m('fr').signIn.title)
  })

  it('is loaded once, and only for a language that is missing', async () => {
    const i18n = createGuichetI18n('fr')
    expect(loadMessages(i18n.global, 'fr')).toBeNull()
    await loadMessages(i18n.global, 'en')
    expect(i18n.global.availableLocales).toContain('en')
    expect(loadMessages(i18n.global, 'en')).toBeNull()
  })
})

describe('screens loaded on demand', () => {
  const Shown = (props: { label: string }) => h('h1', `shown ${props.label}`)

  function host(Screen: typeof Shown) {
    return mount(Screen, {
      props: { label: 'with its props' },
      global: {
        plugins: [createGuichetI18n('fr')],
        provide: { [STORE as symbol]: { retry: vi.fn() }, [NOW as symbol]: ref(Date.now()) },
      },
    })
  }

  it('show the loading screen until their chunk is there, then the screen', async () => {
    let resolve: (module: { default: typeof Shown }) => void = () => undefined
    const Lazy = lazyScreen(() => new Promise<{ default: typeof Shown }>((r) => (resolve = r)))
    const wrapper = host(Lazy)
    expect(wrapper.find('h1').text()).toBe(m('fr').app.loading)
    resolve({ default: Shown })
    await flushPromises()
    expect(wrapper.find('h1').text()).toBe('shown with its props')
    // Loaded once: shown at once from then on.
    expect(host(Lazy).find('h1').text()).toBe('shown with its props')
  })

  it('show the unavailable screen when their chunk cannot be loaded, and load it again next time', async () => {
    const load = vi
      .fn<() => Promise<{ default: typeof Shown }>>()
      .mockRejectedValueOnce(new Error('offline'))
      .mockResolvedValue({ default: Shown })
    const Lazy = lazyScreen(load)
    const wrapper = host(Lazy)
    await flushPromises()
    expect(wrapper.find('h1').text()).toBe(m('fr').unavailable.title)
    const again = host(Lazy)
    await flushPromises()
    expect(again.find('h1').text()).toBe('shown with its props')
    expect(load).toHaveBeenCalledTimes(2)
  })

  it('are all there for the kiosk the tests mount (helpers preload them)', async () => {
    const bridge = new FakeBridge()
    bridge.addAccount({ email: 'agnes@mairie.fr', name: 'Agnès Martin' })
    const wrapper = await mountKiosk(bridge)
    await button(wrapper, m('fr').signIn.withKey).trigger('click')
    // At once, with no loading screen in between.
    expect(heading(wrapper)).toBe(m('fr').passwordless.title)
  })
})
