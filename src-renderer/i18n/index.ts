// vue-i18n in Composition mode, French by default. The kiosk's locale comes from
// getStatus() and is reset to it for every new clerk.

import { createI18n } from 'vue-i18n'
import { en } from './en'
import { fr, type MessageSchema } from './fr'

export type Locale = 'fr' | 'en'
export const LOCALES: readonly Locale[] = ['fr', 'en']

export const messages: Record<Locale, MessageSchema> = { fr, en }

export type GuichetI18n = ReturnType<typeof createGuichetI18n>

export function createGuichetI18n(locale: Locale = 'fr') {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'fr',
    messages,
    // Clerks never see keys: a missing message is a bug caught by the tests.
    missingWarn: true,
    fallbackWarn: true,
  })
}

export function isLocale(value: unknown): value is Locale {
  return value === 'fr' || value === 'en'
}
