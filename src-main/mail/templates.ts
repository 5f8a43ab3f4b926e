// What Guichet writes to a clerk, in French or English. A mail never holds a
// link; a notice never holds a code.

export type Locale = 'fr' | 'en'

export interface Letter {
  subject: string
  text: string
}

export function formatTime(epochMs: number, locale: Locale): string {
  const d = new Date(epochMs)
  const hh = String(d.getHours()).padStart(2, '0')
  const mm = String(d.getMinutes()).padStart(2, '0')
  return locale === 'fr' ? `${d.getHours()} h ${mm}` : `${hh}:${mm}`
}

export function formatDateTime(epochMs: number, locale: Locale): string {
  const d = new Date(epochMs)
  const date = d.toLocaleDateString(locale === 'fr' ? 'fr-FR' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  })
  return locale === 'fr'
    ? `le ${date} à ${formatTime(epochMs, locale)}`
    : `on ${date} at ${formatTime(epochMs, locale)}`
}

export function signInCodeLetter(
  locale: Locale,
  p: { code: string; sentAt: number; ttlMinutes: number; issuer: string; terminalId: string },
): Letter {
  if (locale === 'en') {
    return {
      subject: `${p.issuer}: your sign-in code`,
      text: [
        `Your sign-in code is: ${p.code}`,
        '',
        `It was sent at ${formatTime(p.sentAt, 'en')} and works for ${p.ttlMinutes} minutes, once.`,
        'Any code sent earlier no longer works.',
        `Requested at terminal ${p.terminalId}.`,
        '',
        'Not you? Do not give this code to anyone, and contact IT.',
      ].join('\n'),
    }
  }
  return {
    subject: `${p.issuer} : votre code d'authentification`,
    text: [
      `Votre code d'authentification est : ${p.code}`,
      '',
      `Il a été envoyé à ${formatTime(p.sentAt, 'fr')} et reste valable ${p.ttlMinutes} minutes, pour une seule connexion.`,
      'Les codes envoyés auparavant ne sont plus valables.',
      `Demandé au poste ${p.terminalId}.`,
      '',
      "Ce n'est pas vous ? Ne communiquez ce code à personne et prévenez le service informatique.",
    ].join('\n'),
  }
}

export function addressCodeLetter(
  locale: Locale,
  p: { code: string; sentAt: number; ttlMinutes: number; issuer: string; terminalId: string },
): Letter {
  if (locale === 'en') {
    return {
      subject: `${p.issuer}: confirm your new sign-in address`,
      text: [
        `To make this address your sign-in address, enter this code at the terminal: ${p.code}`,
        '',
        `It was sent at ${formatTime(p.sentAt, 'en')} and works for ${p.ttlMinutes} minutes, once.`,
        `Requested at terminal ${p.terminalId}.`,
        '',
        'Not you? Ignore this message and contact IT.',
      ].join('\n'),
    }
  }
  return {
    subject: `${p.issuer} : confirmez votre nouvelle adresse de connexion`,
    text: [
      `Pour faire de cette adresse votre adresse de connexion, saisissez ce code au guichet : ${p.code}`,
      '',
      `Il a été envoyé à ${formatTime(p.sentAt, 'fr')} et reste valable ${p.ttlMinutes} minutes, une seule fois.`,
      `Demandé au poste ${p.terminalId}.`,
      '',
      "Ce n'est pas vous ? Ignorez ce message et prévenez le service informatique.",
    ].join('\n'),
  }
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
      body: 'Le service informatique a retiré l’application et les clés de sécurité de votre compte. Votre prochaine connexion se fera avec un code reçu par e-mail ; ajoutez ensuite votre nouvelle application.',
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
      body: 'De nouveaux codes de secours ont été créés pour votre compte ; les précédents ne sont plus valables.',
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
      body: 'L’adresse de connexion de votre compte a été remplacée ; cette adresse-ci ne permet plus de vous connecter.',
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
}

export function noticeLetter(
  kind: NoticeKind,
  locale: Locale,
  p: { at: number; issuer: string; terminalId: string },
): Letter {
  const n = NOTICES[kind][locale]
  const when =
    locale === 'fr'
      ? `Date : ${formatDateTime(p.at, 'fr')}, poste ${p.terminalId}.`
      : `When: ${formatDateTime(p.at, 'en')}, terminal ${p.terminalId}.`
  const notYou =
    locale === 'fr'
      ? "Ce n'est pas vous ? Prévenez sans attendre le service informatique."
      : 'Not you? Contact IT at once.'
  return {
    subject: `${p.issuer} : ${n.subject}`.replace(' : ', locale === 'fr' ? ' : ' : ': '),
    text: [n.body, '', when, '', notYou].join('\n'),
  }
}
