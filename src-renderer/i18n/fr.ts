// French messages: the reference language. Labels are DESIGN.md's, to the letter.
// The English file is typed against this one (same keys), and the error table is
// typed against the contract's ErrorCode list, so a missing sentence fails vue-tsc.
//
// Typography: run `npm run fix:typography` after editing (narrow no-break spaces,
// ’, no-break spaces between a number and its unit); a test checks it.
//
// Message syntax (i18n/index.ts): `{name}` is a placeholder; `@`, `|`, `{` and `}` are
// reserved, so never write them as plain text here.

import type { ErrorCode, PasswordRejection } from '../../src-main/contract/errors'

const errors = {
  VALIDATION: 'Une information saisie n’est pas valide. Vérifiez-la et réessayez.',
  UNKNOWN_METHOD:
    'Cette action n’est pas disponible sur ce guichet. Prévenez le service informatique.',
  FORBIDDEN:
    'Cette page du guichet n’a pas été reconnue par le service de connexion. Rechargez la page ; si cela continue, prévenez le service informatique.',
  INTERNAL:
    'Une erreur inattendue s’est produite. Réessayez ; si elle se reproduit, prévenez le service informatique.',
  SERVICE_UNAVAILABLE:
    'Le service de connexion ne répond pas. Réessayez dans quelques instants ; si cela dure, prévenez le service informatique.',
  INVALID_CREDENTIALS:
    'L’adresse de connexion ou le mot de passe est incorrect. Vérifiez-les et réessayez.',
  ACCOUNT_LOCKED:
    'Votre compte est bloqué pour un moment après plusieurs essais infructueux. Réessayez dans {wait}.',
  ACCOUNT_DISABLED: 'Ce compte est désactivé. Adressez-vous au service informatique.',
  PASSWORD_REJECTED: 'Ce mot de passe ne peut pas être utilisé.',
  TEMP_PASSWORD_EXPIRED:
    'Le mot de passe temporaire donné par le service informatique n’est plus valable : il expire 24 heures après sa création. Demandez-en un nouveau au service informatique.',
  PASSWORD_CHANGE_REQUIRED: 'Avant de continuer, choisissez votre propre mot de passe.',
  EMAIL_TAKEN: 'Un compte existe déjà avec cette adresse de connexion. Choisissez-en une autre.',
  CODE_INVALID: 'Ce code n’est pas le bon. Vérifiez-le et saisissez-le à nouveau.',
  CODE_EXPIRED:
    'Ce code a expiré. Choisissez « Renvoyer un code » pour en recevoir un nouveau par e-mail.',
  CODE_REPLACED:
    'Ce code a été remplacé par le dernier code envoyé. Saisissez le code du dernier e-mail reçu.',
  CODE_REPLAYED:
    'Ce code a déjà été utilisé. Attendez que votre application affiche le code suivant, puis saisissez-le.',
  CODE_ATTEMPTS_EXHAUSTED:
    'Trop d’essais avec ce code. Choisissez « Renvoyer un code » pour en recevoir un nouveau par e-mail.',
  CODE_QUOTA_EXCEEDED:
    'Trop de codes ont été envoyés à votre adresse en une heure. Vous pourrez en demander un nouveau dans {wait}.',
  EMAIL_CODE_NOT_ALLOWED:
    'Les codes reçus par e-mail ne sont plus acceptés pour ce compte. Saisissez le code affiché par votre application d’authentification.',
  MAIL_UNAVAILABLE:
    'Le code n’a pas pu être envoyé : le serveur de messagerie ne répond pas. Réessayez dans quelques minutes ; si cela dure, prévenez le service informatique.',
  NO_PENDING_SIGN_IN:
    'Votre connexion a expiré ou n’a pas été commencée. Saisissez à nouveau votre adresse de connexion et votre mot de passe.',
  NOT_SIGNED_IN: 'Votre session est terminée. Connectez-vous à nouveau.',
  ENROLLMENT_REQUIRED:
    'Avant de continuer, ajoutez une application d’authentification ou une clé de sécurité à votre compte.',
  NO_PENDING_ENROLLMENT:
    'Ce QR code n’est plus valable. Affichez-en un nouveau pour recommencer l’ajout de l’application.',
  SETUP_ALREADY_DONE: 'Le guichet est déjà configuré. Connectez-vous avec votre compte.',
  APP_NOT_ENROLLED: 'Aucune application d’authentification n’est enregistrée pour ce compte.',
  STEP_UP_REQUIRED:
    'Cette modification est protégée : confirmez d’abord votre identité avec votre code ou votre clé, puis recommencez.',
  RECOVERY_CODE_INVALID:
    'Ce code de secours n’est pas valable : il est erroné, il a déjà servi ou il a été remplacé par de nouveaux codes. Vérifiez-le ou saisissez un autre de vos codes.',
  NO_RECOVERY_CODES:
    'Les codes de secours accompagnent une application d’authentification ou une clé de sécurité. Ajoutez-en une d’abord.',
  NO_PENDING_ADDRESS_CHANGE:
    'Aucun changement d’adresse n’est en cours, ou il a expiré. Saisissez à nouveau la nouvelle adresse de connexion, puis choisissez « Recevoir un code ».',
  FIDO_NO_DEVICE:
    'Aucune clé de sécurité n’a été détectée. Branchez votre clé sur le guichet, puis réessayez.',
  FIDO_PIN_REQUIRED:
    'Votre clé de sécurité est protégée par un code PIN. Saisissez-le, puis choisissez « Valider ».',
  FIDO_PIN_NOT_SET:
    'Votre clé de sécurité n’a pas de code PIN : elle ne permet pas de se connecter sans mot de passe. Connectez-vous d’abord avec votre mot de passe.',
  FIDO_PIN_INVALID: 'Ce code PIN n’est pas le bon. Vérifiez-le et saisissez-le à nouveau.',
  FIDO_PIN_BLOCKED:
    'Le code PIN de cette clé de sécurité est bloqué après trop d’essais erronés. Utilisez une autre clé ou un autre moyen de connexion, et adressez-vous au service informatique.',
  FIDO_PIN_AUTH_BLOCKED:
    'Trop de codes PIN erronés à la suite. Débranchez votre clé de sécurité, rebranchez-la, puis saisissez à nouveau son code PIN.',
  FIDO_PIN_POLICY:
    'La clé de sécurité a refusé ce code PIN : il ne respecte pas ses propres règles. Choisissez-en un autre, plus long ou moins simple.',
  FIDO_PIN_ALREADY_SET:
    'Cette clé de sécurité a déjà un code PIN. Choisissez « Annuler », puis saisissez ce code PIN dans le champ « Code PIN de la clé ».',
  FIDO_PIN_UNSUPPORTED:
    'Cette clé de sécurité ne peut pas avoir de code PIN : vous vous connecterez avec votre mot de passe, puis la clé.',
  FIDO_CREDENTIAL_EXCLUDED:
    'Cette clé de sécurité est déjà enregistrée pour votre compte. Pour en ajouter une autre, branchez une autre clé.',
  FIDO_NO_CREDENTIALS:
    'Cette clé de sécurité n’est pas enregistrée pour votre compte sur ce guichet. Branchez la clé que vous avez enregistrée, puis réessayez.',
  FIDO_KEY_NOT_ALLOWED:
    'Ce modèle de clé de sécurité n’est pas autorisé sur ce guichet. Utilisez une clé fournie par le service informatique.',
  FIDO_KEY_REFUSED:
    'Cette clé de sécurité a été refusée. Utilisez un autre moyen de connexion et prévenez le service informatique.',
  FIDO_TIMEOUT:
    'La clé de sécurité n’a pas été touchée à temps. Réessayez, puis touchez votre clé quand elle clignote.',
  FIDO_NO_RESPONSE:
    'La clé de sécurité ne répond pas. Débranchez-la et rebranchez-la, puis réessayez.',
  FIDO_CANCELLED: 'L’opération avec la clé de sécurité a été annulée. Vous pouvez recommencer.',
  FIDO_DEVICE_ERROR:
    'La clé de sécurité ne répond pas correctement. Débranchez-la, rebranchez-la, puis réessayez.',
  KEY_NOT_FOUND:
    'Cette clé de sécurité n’est plus enregistrée pour votre compte. La liste de vos clés est à jour.',
  KEY_PIN_REJECTED: 'Ce code PIN ne peut pas être utilisé.',
} satisfies Record<ErrorCode, string>

/** Where the code comes from changes the next step: an app shows a new code every 30 s. */
const errorsApp = {
  CODE_INVALID:
    'Ce code n’est pas le bon. Saisissez le code que votre application affiche en ce moment.',
  CODE_EXPIRED: 'Ce code a expiré. Saisissez le code que votre application affiche maintenant.',
} satisfies Partial<Record<ErrorCode, string>>

/**
 * The same key error reads differently where it happens: registering a key, the
 * key after the password, or « Se connecter avec ma clé de sécurité » (no password).
 */
const errorsKey = {
  register: {
    FIDO_PIN_NOT_SET:
      'Votre clé de sécurité n’a pas de code PIN. Laissez le champ « Code PIN de la clé » vide pour l’enregistrer : vous vous connecterez avec votre mot de passe, puis la clé.',
    FIDO_KEY_REFUSED:
      'Cette clé de sécurité n’a pas pu être vérifiée. Essayez avec une autre clé ; si cela se reproduit, prévenez le service informatique.',
  },
  keySignIn: {
    KEY_NOT_FOUND:
      'Aucune clé de sécurité n’est plus enregistrée pour votre compte. Choisissez « Retour », puis connectez-vous à nouveau.',
  },
  stepUp: {
    KEY_NOT_FOUND:
      'Aucune clé de sécurité n’est plus enregistrée pour votre compte. Choisissez « Annuler », puis recommencez la modification.',
  },
  changeKeyPin: {
    FIDO_PIN_INVALID:
      'Le code PIN actuel n’est pas le bon. Saisissez à nouveau le code PIN actuel de la clé, puis le nouveau.',
    FIDO_PIN_AUTH_BLOCKED:
      'Trois codes PIN erronés à la suite : la clé refuse tout essai pour le moment. Débranchez votre clé de sécurité et rebranchez-la, puis recommencez.',
    FIDO_PIN_BLOCKED:
      'Le code PIN de cette clé de sécurité est bloqué après trop d’essais erronés : il ne peut plus être ni utilisé ni changé. Utilisez une autre clé ou un autre moyen de connexion, et adressez-vous au service informatique.',
    FIDO_PIN_NOT_SET:
      'Cette clé de sécurité n’a pas de code PIN à changer. Vous pouvez lui en donner un en l’ajoutant avec « Ajouter une clé de sécurité ».',
  },
  passwordless: {
    FIDO_NO_CREDENTIALS:
      'Cette clé de sécurité n’est pas enregistrée sur ce guichet pour une connexion sans mot de passe. Connectez-vous avec votre mot de passe, puis ajoutez la clé dans « Mes facteurs d’authentification » en choisissant la connexion sans mot de passe.',
    FIDO_KEY_REFUSED:
      'Cette clé de sécurité n’est pas enregistrée sur ce guichet. Connectez-vous avec votre mot de passe ; si vous pensez que c’est une erreur, prévenez le service informatique.',
  },
} satisfies Record<string, Partial<Record<ErrorCode, string>>>

/** The same error reads differently on the account screens: what was wrong, what to do there. */
const errorsAt = {
  changePassword: {
    INVALID_CREDENTIALS:
      'Le mot de passe actuel n’est pas le bon. Saisissez à nouveau votre mot de passe actuel, puis le nouveau.',
  },
  choosePassword: {
    INVALID_CREDENTIALS:
      'Le mot de passe actuel n’est pas le bon : saisissez le mot de passe temporaire donné par le service informatique, puis votre nouveau mot de passe.',
  },
  addressChange: {
    CODE_EXPIRED:
      'Ce code a expiré. Choisissez « Renvoyer un code » pour en recevoir un nouveau à la nouvelle adresse.',
    CODE_ATTEMPTS_EXHAUSTED:
      'Trop d’essais avec ce code. Choisissez « Renvoyer un code » pour en recevoir un nouveau à la nouvelle adresse.',
  },
} satisfies Record<string, Partial<Record<ErrorCode, string>>>

/** Why a new key PIN is refused (KEY_PIN_REJECTED): CTAP 2.1 §6.5.1 and the key's own minimum. */
const keyPinRejection = {
  'too-short': 'Il doit comporter au moins {minLength} caractères.',
  'too-long':
    'Il est trop long : 63 octets au plus, soit 63 chiffres ou lettres sans accent, moins avec des accents.',
}

const passwordRejection = {
  'too-short': 'Il doit comporter au moins 12 caractères ; une phrase de quelques mots convient.',
  'too-long': 'Il est trop long ; choisissez-en un plus court.',
  'too-common':
    'Il est trop courant ou trop facile à deviner ; choisissez une phrase de passe personnelle.',
  'contains-email':
    'Le mot de passe ne doit pas contenir le nom du guichet (« {issuer} ») ni votre adresse.',
  'contains-product':
    'Le mot de passe ne doit pas contenir le nom du guichet (« {issuer} ») ni votre adresse.',
} satisfies Record<PasswordRejection, string>

export const fr = {
  app: {
    name: 'Guichet',
    loading: 'Chargement…',
    documentTitle: '{screen} – {issuer}',
  },
  language: {
    label: 'Langue',
    fr: 'Français',
    en: 'English',
  },
  userMenu: {
    signedIn: 'Session ouverte',
  },
  footer: {
    product: 'Guichet, connexion sécurisée',
  },
  aside: {
    title: 'Poste partagé',
    shared:
      'Ce guichet sert à plusieurs personnes. Avant de partir, choisissez « Se déconnecter » dans le menu à votre nom, en haut à droite.',
    idle: 'Sans activité pendant {min} min, la session se ferme d’elle-même.',
    helpTitle: 'Besoin d’aide ?',
    help: 'Adressez-vous au service informatique. Il ne vous demandera jamais votre mot de passe ni vos codes.',
  },
  common: {
    back: 'Retour',
    cancel: 'Annuler',
    backHome: 'Retour à l’accueil',
    optional: 'Facultatif.',
    retry: 'Réessayer',
    emailFormat: 'Saisissez une adresse complète, par exemple {example}',
  },
  duration: {
    minutes: '{min} min {sec} s',
    wholeMinutes: '{min} min',
    seconds: '{sec} s',
    unknown: 'quelques minutes',
  },
  time: '{hours} h {minutes}',
  fields: {
    email: 'Adresse de connexion',
    password: 'Mot de passe',
    name: 'Nom et prénom',
    code: 'Code',
    deviceName: 'Nom de l’appareil',
    keyName: 'Nom de la clé',
    pin: 'Code PIN de la clé',
    current: 'Mot de passe actuel',
    next: 'Nouveau mot de passe',
    newEmail: 'Nouvelle adresse de connexion',
  },
  errors,
  errorsApp,
  errorsKey,
  errorsAt,
  errorExtra: {
    attemptsLeft: 'Nombre d’essais restants : {attemptsLeft}.',
    pinLastAttempts:
      'Attention : quand il ne restera plus d’essai, le code PIN de la clé sera bloqué.',
    field: 'Champ à vérifier : {field}.',
    retryNow: 'Le délai est écoulé : vous pouvez réessayer.',
  },
  passwordRejection,
  keyPinRejection,
  notices: {
    signedOut: 'La session est fermée. Le guichet est prêt pour la personne suivante.',
    idle: 'La session a été fermée après une période sans activité.',
    passwordChosen: 'Votre mot de passe est enregistré. Utilisez-le désormais pour vous connecter.',
    passwordChanged: 'Votre mot de passe a été changé. Utilisez-le désormais pour vous connecter.',
  },
  unavailable: {
    title: 'Service indisponible',
  },
  signIn: {
    title: 'Connexion',
    intro: 'Connectez-vous avec votre compte personnel.',
    email: 'Adresse de connexion',
    password: 'Mot de passe',
    submit: 'Se connecter',
    emailMissing: 'Saisissez votre adresse de connexion.',
    passwordMissing: 'Saisissez votre mot de passe.',
    withKey: 'Se connecter avec ma clé de sécurité',
  },
  passwordless: {
    title: 'Se connecter avec ma clé de sécurité',
    intro:
      'Branchez votre clé de sécurité sur le guichet et saisissez son code PIN. Touchez ensuite la clé quand elle clignote.',
    introPlatform:
      'Branchez votre clé de sécurité sur le guichet. Windows vous demande ensuite son code PIN, puis de la toucher.',
    choose: 'Choisissez votre compte',
    chooseIntro:
      'Votre clé de sécurité connaît plusieurs comptes de ce guichet\u202f: choisissez le vôtre.',
  },
  key: {
    pin: 'Code PIN de la clé',
    submit: 'Valider',
    pinMissing: 'Saisissez le code PIN de votre clé de sécurité.',
    pinTooShort: 'Le code PIN d’une clé de sécurité comporte au moins 4 caractères.',
    waitingDevice: 'Branchez votre clé de sécurité',
    touch: 'Touchez votre clé de sécurité',
    processing: 'Vérification…',
    waitingDeviceHint: 'Branchez-la sur un port USB du guichet.',
    touchHint: 'Touchez le bouton ou la zone dorée de la clé quand elle clignote.',
    platform: 'Suivez les instructions de Windows',
    platformHint:
      'Windows affiche sa propre fenêtre : saisissez-y le code PIN de la clé s’il le demande, puis touchez la clé quand elle clignote.',
  },
  code: {
    title: 'Saisissez votre code',
    hintEmail:
      'Il s’agit du code à 6 chiffres que vous avez reçu sur votre e-mail de connexion ({email}).',
    hintApp: 'Il s’agit du code à 6 chiffres affiché par votre application d’authentification.',
    label: 'Code d’authentification',
    submit: 'Valider',
    resend: 'Renvoyer un code',
    validFor: 'Ce code est valable encore {wait}.',
    expiresSoon: 'Ce code expire dans moins d’une minute.',
    expired:
      'Ce code a expiré. Choisissez « Renvoyer un code » pour en recevoir un nouveau par e-mail.',
    resent: 'Un nouveau code a été envoyé à {time} ; les codes précédents ne sont plus valables.',
    sixDigits: 'Le code comporte 6 chiffres.',
    titleKey: 'Utilisez votre clé de sécurité',
    hintKey:
      'Votre compte est protégé par une clé de sécurité. Branchez-la sur le guichet, puis choisissez « Utiliser ma clé de sécurité ».',
    useKey: 'Utiliser ma clé de sécurité',
    useRecovery: 'Utiliser un code de secours',
    recoveryTitle: 'Utiliser un code de secours',
    recoveryHint:
      'Saisissez l’un des codes de secours que vous avez recopiés, avec ou sans tirets. Chaque code ne fonctionne qu’une fois.',
    recoveryLabel: 'Code de secours',
    recoveryFormat:
      'Un code de secours comporte 16 lettres et chiffres, par exemple ABCD-EFGH-JKMN-PQRS.',
  },
  home: {
    title: 'Bonjour, {name}',
    menu: 'Menu',
    account: 'Mon compte',
    factors: 'Mes facteurs d’authentification',
    changeAddress: 'Changer mon adresse de connexion',
    signOut: 'Se déconnecter',
    setupDone: 'Le compte est créé et votre application est enregistrée.',
    checkTitle: 'Vérifiez vos facteurs d’authentification',
    checkText:
      'Cette connexion a utilisé un code de secours. Vérifiez votre application et vos clés dans « Mes facteurs d’authentification » : si vous avez changé de téléphone ou perdu votre clé, ajoutez le nouvel appareil et supprimez l’ancien.',
    checkButton: 'Vérifier mes facteurs d’authentification',
    suggestTitle: 'Recevez vos codes immédiatement',
    suggestText:
      'Pour vos connexions ultérieures, nous vous préconisons d’utiliser une application d’authentification qui vous permettra de recevoir le code de sécurité temporaire de façon immédiate. Le code transmis par e-mail a une durée de validité limitée, et l’e-mail peut arriver après cette limite.',
    suggestButton: 'Ajouter une application',
  },
  enroll: {
    title: 'Sécurisez votre compte',
    text: 'Avant de continuer, ajoutez une application d’authentification ou une clé de sécurité à votre compte : vous l’utiliserez pour vous connecter.',
    add: 'Ajouter une application',
    addKey: 'Ajouter une clé de sécurité',
  },
  factors: {
    title: 'Mes facteurs d’authentification',
    section: 'Paramètres de connexion',
    emailTitle: 'Code par e-mail',
    emailText: 'Envoyé à votre adresse de connexion : {email}',
    emailInactive:
      'Les codes par e-mail ne sont plus acceptés : vous vous connectez avec votre application.',
    appTitle: 'Application d’authentification',
    appText: '{device}, ajoutée le {date}',
    appUnnamed: 'Appareil sans nom',
    noApp: 'Aucune application d’authentification n’est enregistrée.',
    addApp: 'Ajouter une application',
    replaceApp: 'Remplacer l’application',
    removeApp: 'Supprimer',
    keysTitle: 'Clés de sécurité',
    emailInactiveKey:
      'Les codes par e-mail ne sont plus acceptés : vous vous connectez avec votre clé de sécurité.',
    keyText: '{name}, ajoutée le {date}',
    keyLastUsed: 'Dernière utilisation le {date} à {time}',
    keyNeverUsed: 'Pas encore utilisée',
    noKeys: 'Aucune clé de sécurité n’est enregistrée.',
    addKey: 'Ajouter une clé de sécurité',
    changeKeyPin: 'Changer le code PIN de ma clé',
    removeKey: 'Supprimer',
    confirmKeyTitle: 'Supprimer cette clé de sécurité ?',
    confirmKeyText:
      'Vous ne pourrez plus vous connecter avec la clé « {name} ». Vous pourrez en ajouter une autre ensuite.',
    confirmKey: 'Supprimer la clé',
    keyRemoved: 'La clé de sécurité a été supprimée.',
    confirmTitle: 'Supprimer l’application ?',
    confirmText:
      'Vous ne pourrez plus vous connecter avec les codes de cette application. Vous pourrez en ajouter une autre ensuite.',
    confirm: 'Supprimer l’application',
    removed: 'L’application a été supprimée.',
    recoveryTitle: 'Codes de secours',
    recoveryText:
      'Si vous n’avez plus votre téléphone ni votre clé, un code de secours vous permet de vous connecter une fois.',
    recoveryLeft: 'Codes de secours restants : {left}',
    recoveryNone:
      'Vous recevrez des codes de secours en ajoutant une application d’authentification ou une clé de sécurité.',
    newRecovery: 'Générer de nouveaux codes de secours',
    confirmRecoveryTitle: 'Générer de nouveaux codes de secours ?',
    confirmRecoveryText:
      'Vos codes de secours actuels ne fonctionneront plus, même ceux que vous avez recopiés. Vous devrez recopier les nouveaux.',
    confirmRecovery: 'Générer les codes',
  },
  recoveryCodes: {
    title: 'Vos codes de secours',
    once: 'Chaque code ne fonctionne qu’une fois : il vous permet de vous connecter si vous n’avez plus votre téléphone ni votre clé.',
    copy: 'Recopiez-les maintenant à la main et rangez-les en lieu sûr : une fois cet écran quitté, ils ne seront plus affichés. Sur ce guichet partagé, ils ne peuvent être ni téléchargés ni imprimés.',
    copied: 'J’ai noté mes codes',
    hidden: 'Vos codes de secours sont masqués pour protéger votre compte.',
    showAgain: 'Afficher à nouveau',
  },
  addApp: {
    title: 'Ajouter une application',
    setupTitle: 'Enregistrez l’application du service informatique',
    step1:
      'Installez une application d’authentification sur votre téléphone (par exemple FreeOTP, Google Authenticator ou Microsoft Authenticator).',
    step2: 'Ouvrez l’application et scannez le QR ou entrez la clé.',
    step3: 'Saisissez le code à 6 chiffres affiché par l’application pour l’enregistrer.',
    qrAlt: 'QR code à scanner',
    keyLabel: 'Clé à saisir',
    hidden: 'Le QR code et la clé sont masqués pour protéger votre compte.',
    showAgain: 'Afficher à nouveau',
    newQr: 'Afficher un nouveau QR code',
    formTitle: 'Enregistrez l’application',
    code: 'Code unique',
    deviceName: 'Nom de l’appareil',
    deviceHint: 'Facultatif. Par exemple : téléphone du bureau.',
    submit: 'Ajouter l’application',
    replaceTitle: 'Remplacer l’application',
    replaceWarning:
      'Votre application actuelle ({device}) cessera de fonctionner dès que la nouvelle sera confirmée : ses codes ne seront plus acceptés.',
    replaceSubmit: 'Remplacer l’application',
  },
  addKey: {
    title: 'Ajouter une clé de sécurité',
    intro:
      'Branchez votre clé de sécurité sur le guichet et donnez-lui un nom. Touchez ensuite la clé quand elle clignote.',
    name: 'Nom de la clé',
    nameHint: 'Par exemple : clé bleue.',
    nameMissing: 'Saisissez un nom pour la clé.',
    pin: 'Code PIN de la clé',
    passkey: 'Me connecter aussi sans mot de passe avec cette clé',
    passkeyHint: 'Windows vous demandera alors le code PIN de la clé.',
    pinHint: 'Facultatif : nécessaire pour vous connecter sans mot de passe.',
    submit: 'Enregistrer la clé',
  },
  keyPinSetup: {
    title: 'Choisir un code PIN pour cette clé',
    intro:
      'Cette clé de sécurité n’a pas encore de code PIN. Avec un code PIN, elle vous permettra aussi de vous connecter sans mot de passe. Touchez ensuite la clé pour l’enregistrer.',
    newPin: 'Nouveau code PIN',
    newPinHint:
      'Au moins {min} caractères, chiffres ou lettres. Il vous sera demandé à chaque connexion sans mot de passe : ne le notez pas sur la clé.',
    confirm: 'Confirmez le code PIN',
    missing: 'Saisissez le code PIN choisi.',
    confirmMissing: 'Saisissez à nouveau le code PIN choisi.',
    tooShort: 'Le code PIN doit comporter au moins {min} caractères.',
    tooLong:
      'Ce code PIN est trop long : 63 octets au plus, soit 63 chiffres ou lettres sans accent, moins avec des accents.',
    mismatch: 'Les deux codes PIN ne sont pas identiques. Saisissez-les à nouveau.',
    submit: 'Enregistrer ce code PIN',
    skip: 'Continuer sans code PIN',
  },
  changeKeyPin: {
    title: 'Changer le code PIN de ma clé',
    intro:
      'Branchez votre clé de sécurité sur le guichet. Saisissez son code PIN actuel, puis le nouveau deux fois. Aucun toucher n’est nécessaire.',
    current: 'Code PIN actuel de la clé',
    currentMissing: 'Saisissez le code PIN actuel de la clé.',
    submit: 'Changer le code PIN',
    done: 'Le code PIN de votre clé de sécurité a été changé. Utilisez désormais le nouveau.',
    backFactors: 'Retour à mes facteurs d’authentification',
  },
  keyAdded: {
    title: 'Clé de sécurité enregistrée',
    text: 'Votre clé de sécurité est enregistrée.',
    secondFactor: 'Désormais, vous vous connecterez avec votre mot de passe, puis cette clé.',
    passwordless:
      'Vous pourrez aussi vous connecter sans mot de passe : choisissez « Se connecter avec ma clé de sécurité », puis saisissez le code PIN de la clé.',
    passwordlessPlatform:
      'Vous pourrez aussi vous connecter sans mot de passe : choisissez « Se connecter avec ma clé de sécurité », puis suivez les instructions de Windows.',
    backFactors: 'Retour à mes facteurs d’authentification',
    continue: 'Continuer',
  },
  appAdded: {
    title: 'Application enregistrée',
    text: 'Votre application est enregistrée. Désormais, vous vous connecterez avec le code à 6 chiffres qu’elle affiche.',
    backFactors: 'Retour à mes facteurs d’authentification',
    continue: 'Continuer',
  },
  account: {
    title: 'Mon compte',
    name: 'Nom et prénom',
    email: 'Adresse de connexion',
    changePassword: 'Changer mon mot de passe',
  },
  password: {
    changeTitle: 'Changer mon mot de passe',
    chooseTitle: 'Choisissez votre mot de passe',
    changeIntro: 'Saisissez votre mot de passe actuel, puis le nouveau deux fois.',
    chooseIntro:
      'Cette connexion a utilisé le mot de passe temporaire donné par le service informatique. Avant de continuer, choisissez votre propre mot de passe.',
    current: 'Mot de passe actuel',
    next: 'Nouveau mot de passe',
    nextHint: 'Au moins 12 caractères. Une phrase de quelques mots est plus facile à retenir.',
    confirm: 'Confirmation du nouveau mot de passe',
    currentMissing: 'Saisissez votre mot de passe actuel.',
    nextMissing: 'Saisissez votre nouveau mot de passe.',
    mismatch: 'Les deux nouveaux mots de passe ne sont pas identiques. Saisissez-les à nouveau.',
    submit: 'Enregistrer le mot de passe',
  },
  changeAddress: {
    title: 'Changer mon adresse de connexion',
    current: 'Adresse de connexion actuelle',
    intro:
      'Saisissez votre nouvelle adresse : un code à 6 chiffres y sera envoyé pour vérifier que vous la recevez.',
    newEmail: 'Nouvelle adresse de connexion',
    emailMissing: 'Saisissez votre nouvelle adresse de connexion.',
    sameEmail: 'C’est déjà votre adresse de connexion. Saisissez la nouvelle.',
    send: 'Recevoir un code',
    sent: 'Un code à 6 chiffres a été envoyé à {email} à {time}.',
    code: 'Code reçu à la nouvelle adresse',
    submit: 'Valider',
    resend: 'Renvoyer un code',
    otherEmail: 'Modifier la nouvelle adresse',
    expired:
      'Ce code a expiré. Choisissez « Renvoyer un code » pour en recevoir un nouveau à la nouvelle adresse.',
    done: 'Votre adresse de connexion est désormais {email}. Utilisez-la pour vous connecter.',
    appNote:
      'Si vous utilisez une application d’authentification, le compte du guichet y porte toujours l’ancienne adresse ({email}). Il continue de fonctionner ; vous pouvez le renommer dans l’application.',
  },
  stepUp: {
    title: 'Confirmez votre identité',
    intro: 'Cette modification est protégée : confirmez d’abord que c’est bien vous.',
    hintApp: 'Saisissez le code à 6 chiffres affiché par votre application d’authentification.',
    hintEmail:
      'Saisissez le code à 6 chiffres qui vient d’être envoyé à votre adresse de connexion ({email}).',
    hintKey:
      'Branchez votre clé de sécurité sur le guichet, puis choisissez « Utiliser ma clé de sécurité ».',
    action: 'Modification demandée : {action}.',
    actions: {
      addApp: 'ajouter une application d’authentification',
      replaceApp: 'remplacer votre application d’authentification',
      removeApp: 'supprimer votre application d’authentification',
      addKey: 'ajouter une clé de sécurité',
      removeKey: 'supprimer une clé de sécurité',
      newRecoveryCodes: 'générer de nouveaux codes de secours',
      changePassword: 'changer votre mot de passe',
      changeAddress: 'changer votre adresse de connexion',
    },
    restarted: 'La vérification précédente a expiré : recommencez avec ce nouveau code.',
  },
  firstStart: {
    title: 'Première mise en service',
    intro:
      'Aucun compte n’existe encore sur ce guichet. Créez le compte du service informatique, puis enregistrez son application d’authentification.',
    email: 'Adresse de connexion',
    name: 'Nom et prénom',
    password: 'Mot de passe',
    passwordHint: 'Au moins 12 caractères. Une phrase de quelques mots est plus facile à retenir.',
    confirm: 'Confirmation du mot de passe',
    mismatch: 'Les deux mots de passe ne sont pas identiques. Saisissez-les à nouveau.',
    nameMissing: 'Saisissez le nom et le prénom.',
    submit: 'Créer le compte',
  },
  idle: {
    title: 'Toujours là ?',
    text: 'Sans action de votre part, la session sera fermée dans {wait}.',
    soon: 'Déconnexion dans 10 secondes.',
    stay: 'Je suis toujours là',
  },
}

export type MessageSchema = typeof fr
