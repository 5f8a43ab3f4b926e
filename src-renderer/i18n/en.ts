// English messages: the same keys and placeholders as the French file (a test checks both).

import type { MessageSchema } from './fr'

export const en: MessageSchema = {
  app: {
    name: 'Guichet',
    loading: 'Loading…',
    documentTitle: '{screen} – Guichet',
  },
  language: {
    label: 'Language',
    fr: 'Français',
    en: 'English',
  },
  common: {
    back: 'Back',
    cancel: 'Cancel',
    backHome: 'Back to home',
    optional: 'Optional.',
    retry: 'Try again',
  },
  duration: {
    minutes: '{min} min {sec} s',
    seconds: '{sec} s',
    unknown: 'a few minutes',
  },
  time: '{hours}:{minutes}',
  fields: {
    email: 'Sign-in address',
    password: 'Password',
    name: 'Full name',
    code: 'Code',
    deviceName: 'Device name',
    keyName: 'Key name',
    pin: 'Security key PIN',
  },
  errors: {
    VALIDATION: 'Some information you entered is not valid. Check it and try again.',
    UNKNOWN_METHOD: 'This action is not available on this kiosk. Please tell IT.',
    FORBIDDEN:
      'This kiosk page was not recognised by the sign-in service. Reload the page; if it continues, please tell IT.',
    INTERNAL: 'Something unexpected went wrong. Try again; if it happens again, please tell IT.',
    SERVICE_UNAVAILABLE:
      'The sign-in service is not responding. Try again in a moment; if it lasts, please tell IT.',
    INVALID_CREDENTIALS: 'The sign-in address or the password is wrong. Check them and try again.',
    ACCOUNT_LOCKED:
      'Your account is blocked for a while after several failed attempts. Try again in {wait}.',
    ACCOUNT_DISABLED: 'This account is disabled. Please contact IT.',
    PASSWORD_REJECTED: 'This password cannot be used.',
    EMAIL_TAKEN: 'An account already uses this sign-in address. Choose another one.',
    CODE_INVALID: 'This code is not the right one. Check it and enter it again.',
    CODE_EXPIRED: 'This code has expired. Choose “Resend a code” to get a new one by e-mail.',
    CODE_REPLAYED:
      'This code has already been used. Wait for your app to show the next code, then enter it.',
    CODE_ATTEMPTS_EXHAUSTED:
      'Too many attempts with this code. Choose “Resend a code” to get a new one by e-mail.',
    CODE_QUOTA_EXCEEDED:
      'Too many codes were sent to your address in one hour. You can ask for a new one in {wait}.',
    EMAIL_CODE_NOT_ALLOWED:
      'Codes sent by e-mail are no longer accepted for this account. Enter the code shown by your authenticator app.',
    MAIL_UNAVAILABLE:
      'The code could not be sent: the mail server is not responding. Try again in a few minutes; if it lasts, please tell IT.',
    NO_PENDING_SIGN_IN:
      'Your sign-in has expired or was not started. Enter your sign-in address and password again.',
    NOT_SIGNED_IN: 'Your session has ended. Please sign in again.',
    ENROLLMENT_REQUIRED:
      'Before you continue, add an authenticator app or a security key to your account.',
    NO_PENDING_ENROLLMENT:
      'This QR code is no longer valid. Show a new one to start adding the app again.',
    SETUP_ALREADY_DONE: 'This kiosk is already set up. Sign in with your account.',
    APP_NOT_ENROLLED: 'No authenticator app is registered for this account.',
    FIDO_NO_DEVICE: 'No security key was found. Plug your key into the kiosk, then try again.',
    FIDO_PIN_REQUIRED: 'Your security key is protected by a PIN. Enter it, then choose “Confirm”.',
    FIDO_PIN_NOT_SET:
      'Your security key has no PIN, so it cannot sign you in without a password. Sign in with your password first.',
    FIDO_PIN_INVALID: 'This PIN is not the right one. Check it and enter it again.',
    FIDO_PIN_BLOCKED:
      'The PIN of this security key is blocked after too many wrong attempts. Use another key or another way to sign in, and contact IT.',
    FIDO_PIN_AUTH_BLOCKED:
      'Too many wrong PINs in a row. Unplug your security key, plug it in again, then enter its PIN again.',
    FIDO_CREDENTIAL_EXCLUDED:
      'This security key is already registered for your account. To add another one, plug in another key.',
    FIDO_NO_CREDENTIALS:
      'This security key is not registered for your account on this kiosk. Plug in the key you registered, then try again.',
    FIDO_KEY_NOT_ALLOWED:
      'This security key model is not allowed on this kiosk. Use a key provided by IT.',
    FIDO_KEY_REFUSED:
      'This security key was refused. Use another way to sign in and please tell IT.',
    FIDO_TIMEOUT:
      'The security key was not touched in time. Try again, then touch your key when it blinks.',
    FIDO_CANCELLED: 'The security key operation was cancelled. You can start again.',
    FIDO_DEVICE_ERROR:
      'The security key is not responding properly. Unplug it, plug it in again, then try again.',
    KEY_NOT_FOUND:
      'This security key is no longer registered for your account. The list of your keys is up to date.',
  },
  errorsApp: {
    CODE_INVALID: 'This code is not the right one. Enter the code your app shows right now.',
    CODE_EXPIRED: 'This code has expired. Enter the code your app shows now.',
  },
  errorsKey: {
    register: {
      FIDO_PIN_NOT_SET:
        'Your security key has no PIN. Leave the “Security key PIN” field empty to register it: you will sign in with your password, then the key.',
      FIDO_KEY_REFUSED:
        'This security key could not be verified. Try another key; if it happens again, please tell IT.',
    },
    keySignIn: {
      KEY_NOT_FOUND:
        'No security key is registered for your account any more. Choose “Back”, then sign in again.',
    },
    passwordless: {
      FIDO_NO_CREDENTIALS:
        'This security key is not registered on this kiosk for signing in without a password. Sign in with your password, then add the key with its PIN in “My authentication factors”.',
      FIDO_KEY_REFUSED:
        'This security key is not registered on this kiosk. Sign in with your password; if you think this is a mistake, please tell IT.',
    },
  },
  errorExtra: {
    attemptsLeft: 'Attempts left: {attemptsLeft}.',
    pinLastAttempts: 'Careful: when no attempt is left, the PIN of the key will be blocked.',
    field: 'Field to check: {field}.',
    retryNow: 'The wait is over: you can try again.',
  },
  passwordRejection: {
    'too-short': 'It must have at least 12 characters; a phrase of a few words works well.',
    'too-long': 'It is too long; choose a shorter one.',
    'too-common': 'It is too common or too easy to guess; choose a personal passphrase.',
    'contains-email': 'It must not contain your sign-in address.',
    'contains-product': 'It must not contain the name of the kiosk.',
  },
  notices: {
    signedOut: 'You are signed out. The kiosk is ready for the next person.',
    idle: 'You were signed out after a period without activity.',
  },
  unavailable: {
    title: 'Service unavailable',
  },
  signIn: {
    title: 'Sign in',
    intro: 'Sign in with your personal account.',
    email: 'Sign-in address',
    password: 'Password',
    submit: 'Sign in',
    emailMissing: 'Enter your sign-in address.',
    passwordMissing: 'Enter your password.',
    withKey: 'Sign in with my security key',
  },
  passwordless: {
    title: 'Sign in with my security key',
    intro:
      'Plug your security key into the kiosk and enter its PIN. Then touch the key when it blinks.',
  },
  key: {
    pin: 'Security key PIN',
    submit: 'Confirm',
    pinMissing: 'Enter the PIN of your security key.',
    pinTooShort: 'The PIN of a security key has at least 4 characters.',
    waitingDevice: 'Plug in your security key',
    touch: 'Touch your security key',
    processing: 'Checking…',
    waitingDeviceHint: 'Plug it into a USB port of the kiosk.',
    touchHint: 'Touch the button or the gold area of the key when it blinks.',
  },
  code: {
    title: 'Enter your code',
    hintEmail: 'This is the 6-digit code you received at your sign-in e-mail address ({email}).',
    hintApp: 'This is the 6-digit code shown by your authenticator app.',
    label: 'Authentication code',
    submit: 'Confirm',
    resend: 'Resend a code',
    validFor: 'This code is valid for another {wait}.',
    expiresSoon: 'This code expires in less than a minute.',
    expired: 'This code has expired. Choose “Resend a code” to get a new one by e-mail.',
    resent: 'A new code was sent at {time}; earlier codes are no longer valid.',
    sixDigits: 'The code has 6 digits.',
    titleKey: 'Use your security key',
    hintKey:
      'Your account is protected by a security key. Plug it into the kiosk, then choose “Use my security key”.',
    useKey: 'Use my security key',
  },
  home: {
    title: 'Hello, {name}',
    menu: 'Menu',
    account: 'My account',
    factors: 'My authentication factors',
    changeAddress: 'Change my sign-in address',
    signOut: 'Sign out',
    setupDone: 'The account is created and your app is registered.',
  },
  enroll: {
    title: 'Secure your account',
    text: 'Before you continue, add an authenticator app or a security key to your account: you will use it to sign in.',
    add: 'Add an app',
    addKey: 'Add a security key',
  },
  factors: {
    title: 'My authentication factors',
    section: 'Sign-in settings',
    emailTitle: 'Code by e-mail',
    emailText: 'Sent to your sign-in address: {email}',
    emailInactive: 'E-mailed codes are no longer accepted: you sign in with your app.',
    appTitle: 'Authenticator app',
    appText: '{device}, added on {date}',
    appUnnamed: 'Unnamed device',
    noApp: 'No authenticator app is registered.',
    addApp: 'Add an app',
    replaceApp: 'Replace the app',
    removeApp: 'Remove',
    keysTitle: 'Security keys',
    emailInactiveKey: 'E-mailed codes are no longer accepted: you sign in with your security key.',
    keyText: '{name}, added on {date}',
    keyLastUsed: 'Last used on {date} at {time}',
    keyNeverUsed: 'Not used yet',
    noKeys: 'No security key is registered.',
    addKey: 'Add a security key',
    removeKey: 'Remove',
    confirmKeyTitle: 'Remove this security key?',
    confirmKeyText:
      'You will no longer be able to sign in with the key “{name}”. You can add another one afterwards.',
    confirmKey: 'Remove the key',
    keyRemoved: 'The security key was removed.',
    confirmTitle: 'Remove the app?',
    confirmText:
      'You will no longer be able to sign in with the codes of this app. You can add another one afterwards.',
    confirm: 'Remove the app',
    removed: 'The app was removed.',
  },
  addApp: {
    title: 'Add an app',
    setupTitle: "Register IT's authenticator app",
    step1:
      'Install an authenticator app on your phone (for example FreeOTP, Google Authenticator or Microsoft Authenticator).',
    step2: 'Open the app and scan the QR code or type the key.',
    step3: 'Enter the 6-digit code shown by the app to register it.',
    qrAlt: 'QR code to scan',
    keyLabel: 'Key to type',
    hidden: 'The QR code and the key are hidden to protect your account.',
    showAgain: 'Show again',
    newQr: 'Show a new QR code',
    formTitle: 'Register the app',
    code: 'One-time code',
    deviceName: 'Device name',
    deviceHint: 'Optional. For example: office phone.',
    submit: 'Add the app',
  },
  addKey: {
    title: 'Add a security key',
    intro:
      'Plug your security key into the kiosk and give it a name. Then touch the key when it blinks.',
    name: 'Key name',
    nameHint: 'For example: blue key.',
    nameMissing: 'Enter a name for the key.',
    pin: 'Security key PIN',
    pinHint: 'Optional: needed to sign in without a password.',
    submit: 'Register the key',
  },
  keyAdded: {
    title: 'Security key registered',
    text: 'Your security key is registered.',
    secondFactor: 'From now on, you will sign in with your password, then this key.',
    passwordless:
      'You can also sign in without a password: choose “Sign in with my security key”, then enter the PIN of the key.',
    backFactors: 'Back to my authentication factors',
    continue: 'Continue',
  },
  appAdded: {
    title: 'App registered',
    text: 'Your app is registered. From now on, you will sign in with the 6-digit code it shows.',
    backFactors: 'Back to my authentication factors',
    continue: 'Continue',
  },
  account: {
    title: 'My account',
    name: 'Full name',
    email: 'Sign-in address',
  },
  changeAddress: {
    title: 'Change my sign-in address',
    current: 'Current sign-in address',
    text: 'To change your sign-in address, please contact IT.',
  },
  firstStart: {
    title: 'First start',
    intro:
      "No account exists on this kiosk yet. Create IT's account, then register its authenticator app.",
    email: 'Sign-in address',
    name: 'Full name',
    password: 'Password',
    passwordHint: 'At least 12 characters. A phrase of a few words is easier to remember.',
    confirm: 'Confirm the password',
    mismatch: 'The two passwords are not the same. Enter them again.',
    nameMissing: 'Enter the full name.',
    submit: 'Create the account',
  },
  idle: {
    title: 'Still there?',
    text: 'Without any action from you, you will be signed out in {wait}.',
    soon: 'Signing out in 10 seconds.',
    stay: "I'm still here",
  },
}
