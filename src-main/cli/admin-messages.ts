/**
 * Every sentence of the admin command, in French and English: the language is
 * `--lang fr|en`, else the configuration's `locale` (French by default).
 * French typography: U+202F before : ; ! ? and inside « », U+00A0 where a
 * break would part a number from its unit, ’ for the apostrophe.
 */

import { UNSAFE_NAME_CHARS } from '../contract/methods'
import type { ArgumentProblem, StoreProblem } from './admin-errors'

export type Lang = 'fr' | 'en'

const NNBSP = '\u202f'

/** Names and addresses come from people and old stores: shown with every invisible or control character escaped. */
export function printable(text: string): string {
  return text.replace(
    new RegExp(UNSAFE_NAME_CHARS.source, 'gu'),
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`,
  )
}

export interface ListRow {
  email: string
  name: string
  disabled: boolean
  app: string | null
  keys: number
  recoveryCodesLeft: number
  lockedUntil: number | null
  lastSignIn: { at: number; terminalId: string; factor: string | null } | null
}

const FR = {
  usage: `Usage : npm run admin -- [--config FICHIER] [--lang fr|en] <commande>

Commandes :
  user add --email E --name N --password-stdin   crée un compte (mot de passe lu sur l’entrée standard)
  user add --email E --name N --temp-password    crée un compte avec un mot de passe temporaire (affiché)
  user temp-password --email E                   nouveau mot de passe à usage unique, valable 24${'\u00a0'}h, à changer à la connexion
  user list [--json]                             liste les comptes : facteurs, codes de secours restants, blocage, dernière connexion
  user disable --email E                         refuse toute connexion à ce compte
  user enable --email E                          autorise de nouveau la connexion
  user unlock --email E                          efface l’attente après des échecs
  user reset-factors --email E                   retire l’application et les clés (téléphone perdu)${NNBSP}: prochaine connexion par code envoyé par e-mail
  audit [--json] [--since DATE-ISO]              affiche le journal d’audit
  store migrate                                  applique les migrations de la base et s’arrête
  store copy --from sqlite:CHEMIN [--to URL]     copie la base SQLite d’un poste (fichier ou dossier de données) dans
                                                 la base PostgreSQL (par défaut celle configurée)${NNBSP}; sans effet si déjà copiée

La configuration vient de --config FICHIER ou de la variable GUICHET_CONFIG${NNBSP}; sans elle, la commande
utilise celle de \`npm run web\` sans configuration (données dans .guichet/data, dans le dossier du projet).
Langue${NNBSP}: --lang, sinon la clé «${NNBSP}locale${NNBSP}» de la configuration.
Codes de sortie${NNBSP}: 0 fait, 1 refusé, 2 usage.`,
  badArguments: (detail: string) => `Arguments non compris${NNBSP}: ${detail}`,
  argumentProblem: (p: ArgumentProblem): string => {
    switch (p.kind) {
      case 'unknown-option':
        return `Option inconnue${NNBSP}: ${p.option}.`
      case 'needs-value':
        return `L’option ${p.option} attend une valeur.`
      case 'no-value':
        return `L’option ${p.option} ne prend pas de valeur.`
      case 'other':
        return `Arguments non compris${NNBSP}: ${p.detail}`
    }
  },
  storeProblem: (p: StoreProblem): string => {
    const url = `«${NNBSP}store.url${NNBSP}»`
    switch (p.kind) {
      case 'data-folder':
        return `Les données ${p.location} ne peuvent pas être créées ni écrites (${p.code})${NNBSP}: indiquez dans «${NNBSP}dataDir${NNBSP}» un dossier où cet utilisateur peut écrire.`
      case 'damaged':
        return `La base ${p.location} est endommagée ou n’est pas une base Guichet${NNBSP}: restaurez-la depuis une sauvegarde.`
      case 'locked':
        return `La base ${p.location} est verrouillée par un autre programme${NNBSP}: réessayez dans un instant.`
      case 'newer-schema':
        return `La base ${p.location} vient d’une version plus récente de Guichet${NNBSP}: mettez Guichet à jour sur ce poste.`
      case 'unreachable':
        return `Le serveur PostgreSQL ${p.location} ne répond pas (${p.code})${NNBSP}: vérifiez qu’il est démarré et joignable depuis ce poste.`
      case 'pg-password':
        return `Le serveur PostgreSQL (${p.location}) refuse le mot de passe du rôle${NNBSP}: donnez-le dans la variable PGPASSWORD ou dans «${NNBSP}store.passwordFile${NNBSP}».`
      case 'pg-no-database':
        return `La base PostgreSQL ${p.location} n’existe pas${NNBSP}: créez-la, ou corrigez son nom.`
      case 'pg-role':
        return `Le serveur PostgreSQL (${p.location}) n’accepte pas ce rôle depuis ce poste${NNBSP}: vérifiez l’utilisateur de ${url} et le fichier pg_hba.conf du serveur.`
      case 'pg-permission':
        return `Le rôle de ${url} ne peut pas créer les tables de Guichet (${p.location})${NNBSP}: faites-en le propriétaire de la base, ou lancez une fois «${NNBSP}store migrate${NNBSP}» en tant que propriétaire.`
      case 'other':
        return `La base de comptes ${p.location} ne peut pas être utilisée${p.code ? ` (${p.code})` : ''}${NNBSP}: ${p.original}`
    }
  },
  badLang: (value: string) => `--lang «${NNBSP}${value}${NNBSP}»${NNBSP}: attendu fr ou en.`,
  unknownCommand: (command: string) => `Commande inconnue${NNBSP}: «${NNBSP}${command}${NNBSP}».`,
  noCommand: 'Aucune commande donnée.',
  defaultConfig: (dataDir: string) =>
    `Aucune configuration donnée (--config FICHIER ou GUICHET_CONFIG)${NNBSP}: celle de \`npm run web\` sans configuration, données dans ${dataDir}.`,
  emailRequired: '--email est obligatoire.',
  badEmail: (value: string) =>
    `«${NNBSP}${printable(value)}${NNBSP}» n’est pas une adresse e-mail valide.`,
  noAccount: (email: string) => `Aucun compte n’a l’adresse ${email}.`,
  badSince: (value: string) =>
    `--since «${NNBSP}${printable(value)}${NNBSP}» n’est pas une date ISO (par exemple 2026-11-29 ou 2026-11-29T08:00:00Z).`,
  nameRequired: '--name est obligatoire.',
  nameTooLong: (max: number) => `Le nom dépasse ${max}${'\u00a0'}caractères.`,
  nameInvisible: (shown: string) =>
    `Le nom contient un caractère de contrôle, invisible ou de sens d’écriture (${shown})${NNBSP}: saisissez-le en lettres seulement.`,
  onePasswordOption:
    'Donnez soit --password-stdin (le mot de passe sur l’entrée standard), soit --temp-password, et un seul des deux.',
  passwordRefused: (reason: string) => `Le mot de passe est refusé${NNBSP}: ${reason}.`,
  passwordReasons: {
    'too-short': 'il a moins de 12 caractères',
    'too-long': 'il a plus de 256 caractères',
    'too-common': 'il est trop courant ou trop facile à deviner',
    'contains-email': 'il contient l’adresse',
    'contains-product': 'il contient le nom du guichet',
  } as Record<string, string>,
  containsNames: (issuer: string) =>
    `il ne doit contenir ni le nom du guichet («${NNBSP}${issuer}${NNBSP}») ni l’adresse`,
  exists: (email: string) => `Un compte avec l’adresse ${email} existe déjà.`,
  created: (email: string) =>
    `Compte ${email} créé. À la première connexion, un code est envoyé à cette adresse.`,
  temporary: (password: string) =>
    `Mot de passe temporaire (valable 24${'\u00a0'}heures, à changer à la première connexion)${NNBSP}: ${password}\n` +
    `Donnez-le en personne ou par téléphone${NNBSP}; il n’est enregistré nulle part en clair.`,
  temporarySet: (email: string) => `Mot de passe temporaire défini pour ${email}.`,
  noAccounts: 'Aucun compte.',
  disabled: (email: string) => `Compte ${email} désactivé.`,
  enabled: (email: string) => `Compte ${email} réactivé.`,
  unlocked: (email: string) => `Compte ${email} débloqué${NNBSP}: échecs effacés.`,
  resetDone: (email: string, app: boolean, keys: number) => {
    const what = [
      app ? 'l’application d’authentification' : '',
      keys ? `${keys}${'\u00a0'}clé${keys > 1 ? 's' : ''} de sécurité` : '',
    ]
      .filter(Boolean)
      .join(' et ')
    return `Facteurs de ${email} réinitialisés (${what ? `retiré${NNBSP}: ${what}` : 'rien n’était enregistré'}). La prochaine connexion se fera par un code envoyé par e-mail.`
  },
  noticeFailed: (email: string, reason: string) =>
    `Attention${NNBSP}: l’avis à ${email} n’a pas pu être envoyé (${reason}).`,
  upToDate: (location: string) => `La base ${location} est à jour.`,
  fromRequired: `--from est obligatoire${NNBSP}: sqlite:CHEMIN (un fichier guichet.sqlite ou son dossier de données).`,
  noSqlite: (path: string) => `Il n’y a pas de base SQLite à ${path}.`,
  toUrl: '--to doit être une URL postgres:// ou postgresql://.',
  noPasswordInTo: `Ne mettez pas de mot de passe dans --to${NNBSP}: utilisez la variable PGPASSWORD (ou «${NNBSP}store.passwordFile${NNBSP}» pour la base configurée).`,
  configuredIsSqlite: `La base configurée est SQLite${NNBSP}: donnez la base PostgreSQL avec --to postgres://…, ou définissez «${NNBSP}store.url${NNBSP}» dans la configuration.`,
  copying: (from: string, to: string) => `Copie de ${from} dans ${to}…`,
  copied: (
    c: CopyFigures,
  ) => `Copié${NNBSP}: ${n(c.accounts, 'compte')} (${n(c.apps, 'application')}, ${n(c.keys, 'clé de sécurité', 'clés de sécurité')}, ${n(c.recoveryCodes, 'code de secours', 'codes de secours')}), ${n(c.throttle, 'compteur d’échecs', 'compteurs d’échecs')}, ${n(c.audit, 'entrée d’audit', 'entrées d’audit')}.
Déjà dans la base partagée, laissés tels quels${NNBSP}: ${n(c.accountsPresent, 'compte')}, ${n(c.keysPresent, 'clé de sécurité', 'clés de sécurité')}, ${n(c.auditPresent, 'entrée d’audit', 'entrées d’audit')}.`,
  typePassword: `Tapez le mot de passe, puis Entrée et Ctrl-D${NNBSP}:`,
  row: (r: ListRow) => {
    const factors =
      [
        r.app !== null ? `application (${printable(r.app)})` : '',
        r.keys ? `${r.keys}${'\u00a0'}clé${r.keys > 1 ? 's' : ''}` : '',
      ]
        .filter(Boolean)
        .join(' + ') || 'code par e-mail seulement'
    return [
      `${printable(r.email)} — ${printable(r.name)}`,
      `  ${r.disabled ? 'désactivé' : 'actif'} · facteurs${NNBSP}: ${factors} · codes de secours restants${NNBSP}: ${r.recoveryCodesLeft}`,
      `  ${r.lockedUntil ? `bloqué jusqu’à ${when(r.lockedUntil, 'fr')} · ` : ''}dernière connexion${NNBSP}: ${
        r.lastSignIn
          ? `${when(r.lastSignIn.at, 'fr')}, poste ${printable(r.lastSignIn.terminalId)}${r.lastSignIn.factor ? ` (${FACTOR.fr[r.lastSignIn.factor] ?? r.lastSignIn.factor})` : ''}`
          : 'jamais'
      }`,
    ].join('\n')
  },
  unexpected: 'Erreur inattendue',
}

export interface CopyFigures {
  accounts: number
  apps: number
  keys: number
  recoveryCodes: number
  throttle: number
  audit: number
  accountsPresent: number
  keysPresent: number
  auditPresent: number
}

/** French counts: 0 and 1 take the singular. */
function n(count: number, one: string, many = `${one}s`): string {
  return `${count}\u00a0${count <= 1 ? one : many}`
}

/** English counts: 0 takes the plural. */
function nEn(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

const FACTOR: Record<Lang, Record<string, string>> = {
  fr: { email: 'code par e-mail', app: 'application', key: 'clé', recovery: 'code de secours' },
  en: { email: 'e-mailed code', app: 'app', key: 'key', recovery: 'recovery code' },
}

/** A time for IT on the phone: local time, with the day. */
export function when(at: number, lang: Lang): string {
  return new Date(at).toLocaleString(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  })
}

const EN: typeof FR = {
  usage: `Usage: npm run admin -- [--config FILE] [--lang fr|en] <command>

Commands:
  user add --email E --name N --password-stdin   create an account (password read from standard input)
  user add --email E --name N --temp-password    create an account with a temporary password (printed)
  user temp-password --email E                   a new single-use password, valid 24 h, to change at sign-in
  user list [--json]                             list accounts: factors, recovery codes left, lock, last sign-in
  user disable --email E                         refuse every sign-in of this account
  user enable --email E                          allow sign-in again
  user unlock --email E                          clear the failed-attempt wait
  user reset-factors --email E                   remove the app and keys (lost phone): next sign-in by e-mailed code
  audit [--json] [--since ISO-DATE]              print the audit log
  store migrate                                  apply the database migrations and exit
  store copy --from sqlite:PATH [--to URL]       copy a terminal's SQLite store (file or data folder) into
                                                 the PostgreSQL store (default: the configured one); idempotent

The configuration comes from --config FILE or the GUICHET_CONFIG variable; without either, the command
uses the one of \`npm run web\` without configuration (data in .guichet/data, inside the checkout).
Language: --lang, else the configuration's "locale".
Exit codes: 0 done, 1 refused, 2 usage.`,
  badArguments: (detail) => `Arguments not understood: ${detail}`,
  argumentProblem: (p) => {
    switch (p.kind) {
      case 'unknown-option':
        return `Unknown option: ${p.option}.`
      case 'needs-value':
        return `The option ${p.option} needs a value.`
      case 'no-value':
        return `The option ${p.option} takes no value.`
      case 'other':
        return `Arguments not understood: ${p.detail}`
    }
  },
  // The store's own sentence, written for IT in English.
  storeProblem: (p) => p.original,
  badLang: (value) => `--lang "${value}": expected fr or en.`,
  unknownCommand: (command) => `Unknown command "${command}".`,
  noCommand: 'No command given.',
  defaultConfig: (dataDir) =>
    `No configuration given (--config FILE or GUICHET_CONFIG): the one of \`npm run web\` without configuration, data in ${dataDir}.`,
  emailRequired: '--email is required.',
  badEmail: (value) => `"${printable(value)}" is not a valid e-mail address.`,
  noAccount: (email) => `No account has the address ${email}.`,
  badSince: (value) =>
    `--since "${printable(value)}" is not an ISO date (e.g. 2026-11-29 or 2026-11-29T08:00:00Z).`,
  nameRequired: '--name is required.',
  nameTooLong: (max) => `The name is longer than ${max} characters.`,
  nameInvisible: (shown) =>
    `The name contains a control, invisible or writing-direction character (${shown}): type it in letters only.`,
  onePasswordOption:
    'Give exactly one of --password-stdin (the password on standard input) or --temp-password.',
  passwordRefused: (reason) => `The password was refused: ${reason}.`,
  passwordReasons: {
    'too-short': 'it is shorter than 12 characters',
    'too-long': 'it is longer than 256 characters',
    'too-common': 'it is too common or too easy to guess',
    'contains-email': 'it contains the address',
    'contains-product': 'it contains the name of the kiosk',
  },
  containsNames: (issuer) =>
    `it must contain neither the name of the kiosk ("${issuer}") nor the address`,
  exists: (email) => `An account with the address ${email} already exists.`,
  created: (email) =>
    `Account ${email} created. At the first sign-in a code is sent to this address.`,
  temporary: (password) =>
    `Temporary password (valid 24 hours, to be changed at the first sign-in): ${password}\n` +
    'Give it to the clerk in person or by phone; it is not stored anywhere in clear.',
  temporarySet: (email) => `Temporary password set for ${email}.`,
  noAccounts: 'No accounts.',
  disabled: (email) => `Account ${email} disabled.`,
  enabled: (email) => `Account ${email} enabled.`,
  unlocked: (email) => `Account ${email} unlocked: failed attempts cleared.`,
  resetDone: (email, app, keys) => {
    const what = [
      app ? 'authenticator app' : '',
      keys ? `${keys} security key${keys > 1 ? 's' : ''}` : '',
    ]
      .filter(Boolean)
      .join(' and ')
    return `Factors of ${email} reset (${what ? `removed ${what}` : 'nothing was enrolled'}). The next sign-in uses a code sent by e-mail.`
  },
  noticeFailed: (email, reason) => `Warning: the notice to ${email} could not be sent (${reason}).`,
  upToDate: (location) => `Database ${location} is up to date.`,
  fromRequired: '--from is required: sqlite:PATH (a guichet.sqlite file or its data folder).',
  noSqlite: (path) => `There is no SQLite store at ${path}.`,
  toUrl: '--to must be a postgres:// or postgresql:// URL.',
  noPasswordInTo:
    'Put no password in --to: set the PGPASSWORD variable (or "store.passwordFile" for the configured store).',
  configuredIsSqlite:
    'The configured store is SQLite: give the PostgreSQL store with --to postgres://…, or set "store.url" in the configuration.',
  copying: (from, to) => `Copying ${from} into ${to}…`,
  copied: (c) =>
    `Copied: ${nEn(c.accounts, 'account')} (${nEn(c.apps, 'app')}, ${nEn(c.keys, 'security key')}, ${nEn(c.recoveryCodes, 'recovery code')}), ` +
    `${nEn(c.throttle, 'throttle record')}, ${nEn(c.audit, 'audit entry', 'audit entries')}.\n` +
    `Already in the shared store, left as they are there: ${nEn(c.accountsPresent, 'account')}, ` +
    `${nEn(c.keysPresent, 'security key')}, ${nEn(c.auditPresent, 'audit entry', 'audit entries')}.`,
  typePassword: 'Type the password, then press Enter and Ctrl-D:',
  row: (r) => {
    const factors =
      [
        r.app !== null ? `app (${printable(r.app)})` : '',
        r.keys ? `${r.keys} key${r.keys > 1 ? 's' : ''}` : '',
      ]
        .filter(Boolean)
        .join(' + ') || 'e-mailed code only'
    return [
      `${printable(r.email)} — ${printable(r.name)}`,
      `  ${r.disabled ? 'disabled' : 'active'} · factors: ${factors} · recovery codes left: ${r.recoveryCodesLeft}`,
      `  ${r.lockedUntil ? `locked until ${when(r.lockedUntil, 'en')} · ` : ''}last sign-in: ${
        r.lastSignIn
          ? `${when(r.lastSignIn.at, 'en')}, terminal ${printable(r.lastSignIn.terminalId)}${r.lastSignIn.factor ? ` (${FACTOR.en[r.lastSignIn.factor] ?? r.lastSignIn.factor})` : ''}`
          : 'never'
      }`,
    ].join('\n')
  },
  unexpected: 'Unexpected error',
}

export const MESSAGES: Record<Lang, typeof FR> = { fr: FR, en: EN }
