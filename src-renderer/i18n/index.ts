// vue-i18n in Composition mode, French by default. The kiosk's locale comes from
// getStatus() and is reset to it for every new clerk.
//
// French is the reference and the fallback: it comes with the first screen. The
// other languages' messages are a chunk of their own each, loaded the first time
// that language is wanted (loadMessages), or once the first screen is up.

import { createI18n } from 'vue-i18n'
import { fr, type MessageSchema } from './fr'

export type Locale = 'fr' | 'en'
export const LOCALES: readonly Locale[] = ['fr', 'en']

const LOADERS: Record<Exclude<Locale, 'fr'>, () => Promise<MessageSchema>> = {
  en: () => import('./en').then((module) => module.en),
}

export type GuichetI18n = ReturnType<typeof createGuichetI18n>

/**
 * `preloaded`: messages of other languages, already at hand (the tests); any
 * other language is loaded by loadMessages before it is shown.
 */
export function createGuichetI18n(
  locale: Locale = 'fr',
  preloaded: Partial<Record<Locale, MessageSchema>> = {},
) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'fr',
    messages: { ...preloaded, fr } as Record<Locale, MessageSchema>,
    // Clerks never see keys: a missing message is a bug caught by the tests.
    missingWarn: true,
    fallbackWarn: true,
  })
}

/** What loadMessages needs of vue-i18n's composer (i18n.global, useI18n()). */
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
