// Screens that are not needed for the first screen come in chunks of their own,
// loaded on demand: the first load is the sign-in screen and what it needs.
// main.ts preloads them all once the first screen is up, long before a clerk
// can reach one; one that is still loading shows as the loading screen, one that
// could not be loaded as the unavailable screen (« Réessayer » loads it again).

import { defineComponent, h, shallowRef, type Component } from 'vue'
import LoadingScreen from './LoadingScreen.vue'
import UnavailableScreen from './UnavailableScreen.vue'

const preloads: (() => Promise<void>)[] = []

/**
 * A component that stands for the screen `load` gives, with the same props (it
 * passes on its attributes), and renders it as soon as it is loaded: at once
 * when it already is.
 */
export function lazyScreen<T extends Component>(load: () => Promise<{ default: T }>): T {
  const loaded = shallowRef<T | null>(null)
  const failed = shallowRef(false)
  let pending: Promise<void> | null = null
  function preload(): Promise<void> {
    pending ??= load().then(
      (module) => {
        loaded.value = module.default
        failed.value = false
      },
      (error: unknown) => {
        pending = null
        failed.value = true
        throw error
      },
    )
    return pending
  }
  preloads.push(preload)
  return defineComponent({
    name: 'LazyScreen',
    inheritAttrs: false,
    setup(_, { attrs }) {
      if (!loaded.value) {
        failed.value = false
        preload().catch(() => undefined)
      }
      return () => {
        if (loaded.value) return h(loaded.value, attrs)
        if (failed.value) return h(UnavailableScreen, { error: { code: 'SERVICE_UNAVAILABLE' } })
        return h(LoadingScreen)
      }
    },
  }) as unknown as T
}

/** Loads every lazy screen (the first call does; later ones share its result). */
export function preloadScreens(): Promise<void> {
  return Promise.all(preloads.map((preload) => preload())).then(() => undefined)
}

export const AccountScreen = lazyScreen(() => import('./AccountScreen.vue'))
export const AddAppScreen = lazyScreen(() => import('./AddAppScreen.vue'))
export const AddKeyScreen = lazyScreen(() => import('./AddKeyScreen.vue'))
export const AppAddedScreen = lazyScreen(() => import('./AppAddedScreen.vue'))
export const ChangeKeyPinScreen = lazyScreen(() => import('./ChangeKeyPinScreen.vue'))
export const ChangeAddressScreen = lazyScreen(() => import('./ChangeAddressScreen.vue'))
export const CodeScreen = lazyScreen(() => import('./CodeScreen.vue'))
export const EnrollScreen = lazyScreen(() => import('./EnrollScreen.vue'))
export const FactorsScreen = lazyScreen(() => import('./FactorsScreen.vue'))
export const FirstStartScreen = lazyScreen(() => import('./FirstStartScreen.vue'))
export const HomeScreen = lazyScreen(() => import('./HomeScreen.vue'))
export const KeyAddedScreen = lazyScreen(() => import('./KeyAddedScreen.vue'))
export const PasswordlessScreen = lazyScreen(() => import('./PasswordlessScreen.vue'))
export const PasswordScreen = lazyScreen(() => import('./PasswordScreen.vue'))
