// Small formatting helpers shared by the screens; the words come from the messages.

type Translate = (key: string, params?: Record<string, unknown>) => string

/** "4 min 30 s", "10 min", "45 s"; never negative. */
export function formatDuration(t: Translate, totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds))
  const min = Math.floor(seconds / 60)
  const sec = seconds % 60
  if (min === 0) return t('duration.seconds', { sec })
  return sec === 0 ? t('duration.wholeMinutes', { min }) : t('duration.minutes', { min, sec })
}

/** "10 h 42" in French, "10:42" in English, in the terminal's local time. */
export function formatClockTime(t: Translate, epochMs: number): string {
  const date = new Date(epochMs)
  return t('time', {
    hours: String(date.getHours()),
    minutes: String(date.getMinutes()).padStart(2, '0'),
  })
}

/** A calendar date in the current language: "18 septembre 2024". */
export function formatDate(locale: string, epochMs: number): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(epochMs))
}

/** Keeps digits only; a pasted "123 456" or "123-456" becomes "123456". At most 6. */
export function normalizeCode(raw: string): string {
  return raw.replace(/\D/g, '').slice(0, 6)
}

/**
 * A recovery code as typed (any case, dashes or spaces anywhere) in its printed
 * form, XXXX-XXXX-XXXX-XXXX; null when it cannot be one (16 letters and digits).
 */
export function normalizeRecoveryCode(raw: string): string | null {
  const compact = raw.toUpperCase().replace(/[\s-]/g, '')
  if (!/^[0-9A-Z]{16}$/.test(compact)) return null
  return compact.match(/.{4}/g)!.join('-')
}
