/**
 * What Guichet writes to a clerk, in French or English. A mail never holds a
 * link; a notice never holds a code.
 *
 * Every French text sits under a `fr` key, so `npm run fix:typography`
 * (scripts/french-typography.ts) finds it, and the typography test renders every
 * French letter. Counts go through Intl.PluralRules (« valable 1 minute »).
 */

export type Locale = 'fr' | 'en'

export interface Letter {
  subject: string
  text: string
}

export function formatTime(epochMs: number, locale: Locale): string {
  const d = new Date(epochMs)
  const hh = String(d.getHours()).padStart(2, '0')
  const mm = String(d.getMinutes()).padStart(2, '0')
  // « 9 h 05 »: no-break spaces, so the time never splits across two lines.
  return locale === 'fr' ? `${d.getHours()}\u00a0h\u00a0${mm}` : `${hh}:${mm}`
}

export function formatDateTime(epochMs: number, locale: Locale): string {
  const d = new Date(epochMs)
  const date = d.toLocaleDateString(locale === 'fr' ? 'fr-FR' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  })
  return WORDS[locale].dateTime(date, formatTime(epochMs, locale))
}

type Plural = Record<'one' | 'other', string>

/** `count` and its unit, in the grammatical number the locale's rules ask for. */
export function countOf(count: number, unit: Plural, locale: Locale): string {
  const form = new Intl.PluralRules(locale).select(count) === 'one' ? 'one' : 'other'
  return `${count}\u00a0${unit[form]}`
}

interface Words {
  minutes: Plural
  dateTime: (date: string, time: string) => string
  subject: (issuer: string, subject: string) => string
  when: (dateTime: string, terminalId: string) => string
  notYou: string
}

const WORDS: Record<Locale, Words> = {
  fr: {
    minutes: { one: 'minute', other: 'minutes' },
    dateTime: (date, time) => `le ${date} à ${time}`,
    subject: (issuer, subject) => `${issuer}\u202f: ${subject}`,
    when: (dateTime, terminalId) => `Date\u202f: ${dateTime}, poste ${terminalId}.`,
    notYou: 'Ce n’est pas vous ? Prévenez sans attendre le service informatique.',
  },
  en: {
    minutes: { one: 'minute', other: 'minutes' },
    dateTime: (date, time) => `on ${date} at ${time}`,
    subject: (issuer, subject) => `${issuer}: ${subject}`,
    when: (dateTime, terminalId) => `When: ${dateTime}, terminal ${terminalId}.`,
    notYou: 'Not you? Contact IT at once.',
  },
}

export interface CodeLetterParams {
  code: string
  sentAt: number
  ttlMinutes: number
  issuer: string
  terminalId: string
}

/** `p` with the send time and the validity already written out in the letter's language. */
type CodeLetterWords = CodeLetterParams & { time: string; validity: string }

function codeWords(locale: Locale, p: CodeLetterParams): CodeLetterWords {
  return {
    ...p,
    time: formatTime(p.sentAt, locale),
    validity: countOf(p.ttlMinutes, WORDS[locale].minutes, locale),
  }
}

const SIGN_IN_CODE: Record<Locale, (p: CodeLetterWords) => Letter> = {
  fr: (p) => ({
    subject: `${p.issuer}\u202f: votre code d’authentification`,
    text: [
      `Votre code d’authentification est\u202f: ${p.code}`,
      '',
      `Il a été envoyé à ${p.time} et reste valable ${p.validity}, pour une seule connexion.`,
      'Les codes envoyés auparavant ne sont plus valables.',
      `Demandé au poste ${p.terminalId}.`,
      '',
      'Ce n’est pas vous ? Ne communiquez ce code à personne et prévenez le service informatique.',
    ].join('\n'),
  }),
  en: (p) => ({
    subject: `${p.issuer}: your sign-in code`,
    text: [
      `Your sign-in code is: ${p.code}`,
      '',
      `It was sent at ${p.time} and works for ${p.validity}, once.`,
      'Any code sent earlier no longer works.',
      `Requested at terminal ${p.terminalId}.`,
      '',
      'Not you? Do not give this code to anyone, and contact IT.',
    ].join('\n'),
  }),
}

const ADDRESS_CODE: Record<Locale, (p: CodeLetterWords) => Letter> = {
  fr: (p) => ({
    subject: `${p.issuer}\u202f: confirmez votre nouvelle adresse de connexion`,
    text: [
      `Pour faire de cette adresse votre adresse de connexion, saisissez ce code au guichet\u202f: ${p.code}`,
      '',
      `Il a été envoyé à ${p.time} et reste valable ${p.validity}, une seule fois.`,
      `Demandé au poste ${p.terminalId}.`,
      '',
      'Ce n’est pas vous ? Ignorez ce message et prévenez le service informatique.',
    ].join('\n'),
  }),
  en: (p) => ({
    subject: `${p.issuer}: confirm your new sign-in address`,
    text: [
      `To make this address your sign-in address, enter this code at the terminal: ${p.code}`,
      '',
      `It was sent at ${p.time} and works for ${p.validity}, once.`,
      `Requested at terminal ${p.terminalId}.`,
      '',
      'Not you? Ignore this message and contact IT.',
    ].join('\n'),
  }),
}

export function signInCodeLetter(locale: Locale, p: CodeLetterParams): Letter {
  return SIGN_IN_CODE[locale](codeWords(locale, p))
}

export function addressCodeLetter(locale: Locale, p: CodeLetterParams): Letter {
  return ADDRESS_CODE[locale](codeWords(locale, p))
}

export type NoticeKind =
  | 'app-added'
  | 'app-removed'
  | 'key-added'
  | 'key-removed'
  | 'factors-reset'
  | 'recovery-used'
  | 'recovery-codes-issued'
  | 'password-changed'
  | 'address-changed'
  | 'account-disabled'
  | 'address-claimed'

const NOTICES: Record<NoticeKind, Record<Locale, { subject: string; body: string }>> = {
  'app-added': {
    fr: {
      subject: 'Application d’authentification ajoutée',
      body: 'Une application d’authentification a été enregistrée sur votre compte. Elle remplace toute application enregistrée auparavant, et les codes reçus par e-mail ne sont plus acceptés.',
    },
    en: {
      subject: 'Authenticator app added',
      body: 'An authenticator app was registered on your account. It replaces any app registered before, and e-mailed codes are no longer accepted.',
    },
  },
  'app-removed': {
    fr: {
      subject: 'Application d’authentification supprimée',
      body: 'L’application d’authentification de votre compte a été supprimée. Votre prochaine connexion se fera avec un code reçu par e-mail.',
    },
    en: {
      subject: 'Authenticator app removed',
      body: 'The authenticator app of your account was removed. Your next sign-in will use a code sent by e-mail.',
    },
  },
  'key-added': {
    fr: {
      subject: 'Clé de sécurité ajoutée',
      body: 'Une clé de sécurité a été enregistrée sur votre compte.',
    },
    en: { subject: 'Security key added', body: 'A security key was registered on your account.' },
  },
  'key-removed': {
    fr: {
      subject: 'Clé de sécurité supprimée',
      body: 'Une clé de sécurité a été retirée de votre compte.',
    },
    en: { subject: 'Security key removed', body: 'A security key was removed from your account.' },
  },
  'factors-reset': {
    fr: {
      subject: 'Facteurs d’authentification réinitialisés',
      body: 'Le service informatique a retiré l’application et les clés de sécurité de votre compte. Votre prochaine connexion se fera avec un code reçu par e-mail ; ajoutez ensuite votre nouvelle application.',
    },
    en: {
      subject: 'Sign-in factors reset',
      body: 'IT removed the app and the security keys from your account. Your next sign-in will use a code sent by e-mail; then add your new app.',
    },
  },
  'recovery-used': {
    fr: {
      subject: 'Code de secours utilisé',
      body: 'Un code de secours a servi à vous connecter. Vérifiez vos facteurs d’authentification et, si votre téléphone est perdu, ajoutez votre nouvelle application.',
    },
    en: {
      subject: 'Recovery code used',
      body: 'A recovery code was used to sign you in. Check your sign-in factors and, if your phone is lost, add your new app.',
    },
  },
  'recovery-codes-issued': {
    fr: {
      subject: 'Nouveaux codes de secours',
      body: 'De nouveaux codes de secours ont été créés pour votre compte ; les précédents ne sont plus valables.',
    },
    en: {
      subject: 'New recovery codes',
      body: 'New recovery codes were created for your account; the previous ones no longer work.',
    },
  },
  'password-changed': {
    fr: { subject: 'Mot de passe modifié', body: 'Le mot de passe de votre compte a été modifié.' },
    en: { subject: 'Password changed', body: 'The password of your account was changed.' },
  },
  'address-changed': {
    fr: {
      subject: 'Adresse de connexion modifiée',
      body: 'L’adresse de connexion de votre compte a été remplacée ; cette adresse-ci ne permet plus de vous connecter.',
    },
    en: {
      subject: 'Sign-in address changed',
      body: 'The sign-in address of your account was replaced; this address no longer signs you in.',
    },
  },
  'account-disabled': {
    fr: {
      subject: 'Compte désactivé',
      body: 'Votre compte a été désactivé par le service informatique.',
    },
    en: { subject: 'Account disabled', body: 'Your account was disabled by IT.' },
  },
  'address-claimed': {
    fr: {
      subject: 'Votre adresse demandée pour un autre compte',
      body: 'Quelqu’un a demandé que cette adresse devienne l’adresse de connexion d’un autre compte. Rien n’a changé : cette adresse reste la vôtre et aucun code n’a été envoyé. Si cela vous étonne, prévenez le service informatique.',
    },
    en: {
      subject: 'Your address asked for by another account',
      body: 'Someone asked for this address to become the sign-in address of another account. Nothing changed: the address stays yours and no code was sent. If this surprises you, tell IT.',
    },
  },
}

export function noticeLetter(
  kind: NoticeKind,
  locale: Locale,
  p: { at: number; issuer: string; terminalId: string },
): Letter {
  const n = NOTICES[kind][locale]
  const words = WORDS[locale]
  return {
    subject: words.subject(p.issuer, n.subject),
    text: [
      n.body,
      '',
      words.when(formatDateTime(p.at, locale), p.terminalId),
      '',
      words.notYou,
    ].join('\n'),
  }
}
