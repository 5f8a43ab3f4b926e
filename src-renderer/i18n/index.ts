// The kiosk's messages, French by default. The kiosk's locale comes from
// getStatus() and is reset to it for every new clerk.
//
// French is the reference and the fallback: it comes with the first screen. The
// other languages' messages are a chunk of their own each, loaded the first time
// that language is wanted (loadMessages), or once the first screen is up.
//
// The messages are nested objects of strings whose only syntax is `{name}`, a
// placeholder (fr.ts; a test forbids any other). That is all this module
// renders: a key looked up in the current language then in French, its
// placeholders filled, reactively. The API is vue-i18n's Composition API, as the
// screens used it (`useI18n()`: `t`, `te`, `locale`; `<Translation>` for a
// placeholder filled with markup): vue-i18n and its runtime (plurals, linked
// messages, number and date formats, a message AST and its interpreter, all
// unused here) were a third of the page's JavaScript (renderer_js_gzip_kb).

import {
  defineComponent,
  h,
  inject,
  ref,
  shallowReactive,
  type App,
  type InjectionKey,
  type PropType,
  type Ref,
  type VNodeChild,
} from 'vue'
import { fr, type MessageSchema } from './fr'

export type Locale = 'fr' | 'en'
export const LOCALES: readonly Locale[] = ['fr', 'en']

/** Values of a message's placeholders, by name. */
export type MessageParams = Record<string, unknown>

const LOADERS: Record<Exclude<Locale, 'fr'>, () => Promise<MessageSchema>> = {
  en: () => import('./en').then((module) => module.en),
}

/** What the screens use (useI18n()); also `i18n.global`. */
export interface Composer {
  /** The language shown; setting it re-renders every message. */
  readonly locale: Ref<Locale>
  /** The languages whose messages are at hand, sorted. */
  readonly availableLocales: readonly Locale[]
  /** The message `key` in the current language (else in French, else the key itself), placeholders filled. */
  t(key: string, params?: MessageParams): string
  /** Whether the current language has a message `key`. */
  te(key: string): boolean
  setLocaleMessage(locale: Locale, messages: MessageSchema): void
}

export interface GuichetI18n {
  readonly global: Composer
  install(app: App): void
}

const I18N: InjectionKey<Composer> = Symbol('i18n')

/** A placeholder: `{name}`, spaces allowed inside the braces. */
const PLACEHOLDER = /\{\s*(\w+)\s*\}/g

type Tree = { readonly [key: string]: string | Tree | undefined }

function lookUp(tree: Tree | undefined, key: string): string | undefined {
  let node: string | Tree | undefined = tree
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined
    node = node[part]
  }
  return typeof node === 'string' ? node : undefined
}

function display(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}

/**
 * `preloaded`: messages of other languages, already at hand (the tests); any
 * other language is loaded by loadMessages before it is shown.
 */
export function createGuichetI18n(
  locale: Locale = 'fr',
  preloaded: Partial<Record<Locale, MessageSchema>> = {},
): GuichetI18n {
  const messages = shallowReactive<Partial<Record<Locale, MessageSchema>>>({ ...preloaded, fr })
  const current = ref<Locale>(locale)
  const message = (key: string): string | undefined =>
    lookUp(messages[current.value] as Tree | undefined, key) ??
    lookUp(messages.fr as Tree | undefined, key)
  const global: Composer = {
    locale: current,
    get availableLocales() {
      return (Object.keys(messages) as Locale[]).sort()
    },
    t(key, params = {}) {
      const text = message(key)
      if (text === undefined) {
        // Clerks never see keys: a missing message is a bug caught by the tests.
        if (import.meta.env.DEV) console.warn(`[i18n] no message '${key}'`)
        return key
      }
      return text.replace(PLACEHOLDER, (_match, name: string) => display(params[name]))
    },
    te: (key) => lookUp(messages[current.value] as Tree | undefined, key) !== undefined,
    setLocaleMessage(next, catalogue) {
      messages[next] = catalogue
    },
  }
  return {
    global,
    install(app) {
      app.provide(I18N, global)
    },
  }
}

/** The kiosk's messages, in a component's setup (installed by createGuichetI18n's plugin). */
export function useI18n(): Composer {
  const composer = inject(I18N, null)
  if (!composer) throw new Error('useI18n: no i18n installed on this app')
  return composer
}

/**
 * A message whose placeholders are filled with markup: each placeholder with a
 * slot of that name is filled with the slot's content, any other with its text
 * from `params`. As vue-i18n's `<Translation keypath tag>`.
 */
export const Translation = defineComponent({
  name: 'Translation',
  props: {
    keypath: { type: String, required: true },
    tag: { type: String, default: 'span' },
    params: { type: Object as PropType<MessageParams>, default: () => ({}) },
  },
  setup(props, { slots }) {
    const { t } = useI18n()
    return () => {
      const names: string[] = []
      // Each placeholder with a slot becomes a marker that cannot be in a message.
      const text = t(
        props.keypath,
        new Proxy(props.params, {
          get: (params, name: string) =>
            slots[name] ? `\u0000${names.push(name) - 1}\u0000` : params[name],
        }),
      )
      const children: VNodeChild[] = text
        .split('\u0000')
        .map((part, index) => (index % 2 === 0 ? part : slots[names[Number(part)]!]!()))
        .filter((child) => child !== '')
      return h(props.tag, children)
    }
  },
})

/** What loadMessages needs of the composer (i18n.global, useI18n()). */
interface Messages {
  readonly availableLocales: readonly string[]
  setLocaleMessage(locale: Locale, messages: MessageSchema): void
}

const loading = new Map<Locale, Promise<MessageSchema>>()

/**
 * Makes `locale`'s messages available: null when they already are, else the
 * promise of their loading (rejected if the chunk could not be loaded; tried
 * again on the next call).
 */
export function loadMessages(composer: Messages, locale: Locale): Promise<void> | null {
  if (locale === 'fr' || composer.availableLocales.includes(locale)) return null
  let pending = loading.get(locale)
  if (!pending) {
    pending = LOADERS[locale]()
    loading.set(locale, pending)
    pending.catch(() => loading.delete(locale))
  }
  return pending.then((messages) => {
    if (!composer.availableLocales.includes(locale)) composer.setLocaleMessage(locale, messages)
  })
}

export function isLocale(value: unknown): value is Locale {
  return value === 'fr' || value === 'en'
}
