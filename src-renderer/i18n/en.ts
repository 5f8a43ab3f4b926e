// English messages: the same keys and placeholders as the French file (a test checks both).

import type { MessageSchema } from './fr'

export const en: MessageSchema = {
  app: {
    name: 'Guichet',
    loading: 'Loading…',
    documentTitle: '{screen} – {issuer}',
  },
  language: {
    label: 'Language',
    fr: 'Français',
    en: 'English',
  },
  userMenu: {
    signedIn: 'Signed in',
  },
  footer: {
    product: 'Guichet, secure sign-in',
  },
  aside: {
    title: 'Shared terminal',
    shared:
      'Several people use this terminal. Before you leave, choose “Sign out” in the menu under your name, top right.',
    idle: 'After {min} min without activity, the session closes by itself.',
    helpTitle: 'Need help?',
    help: 'Ask IT. They will never ask for your password or your codes.',
  },
  common: {
    back: 'Back',
    cancel: 'Cancel',
    backHome: 'Back to home',
    optional: 'Optional.',
    retry: 'Try again',
    emailFormat: 'Enter a complete address, for example {example}',
  },
  duration: {
    minutes: '{min} min {sec} s',
    wholeMinutes: '{min} min',
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
    current: 'Current password',
    next: 'New password',
    newEmail: 'New sign-in address',
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
    TEMP_PASSWORD_EXPIRED:
      'The temporary password from IT is no longer valid: it expires 24 hours after it was created. Ask IT for a new one.',
    PASSWORD_CHANGE_REQUIRED: 'Before you continue, choose your own password.',
    EMAIL_TAKEN: 'An account already uses this sign-in address. Choose another one.',
    CODE_INVALID: 'This code is not the right one. Check it and enter it again.',
    CODE_EXPIRED: 'This code has expired. Choose “Resend a code” to get a new one by e-mail.',
    CODE_REPLACED:
      'This code was replaced by the last code sent. Enter the code from the latest e-mail.',
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
    STEP_UP_REQUIRED:
      'This change is protected: first confirm your identity with your code or your key, then try again.',
    RECOVERY_CODE_INVALID:
      'This recovery code is not valid: it is wrong, it was already used or it was replaced by new codes. Check it or enter another of your codes.',
    NO_RECOVERY_CODES:
      'Recovery codes come with an authenticator app or a security key. Add one first.',
    NO_PENDING_ADDRESS_CHANGE:
      'No address change is in progress, or it has expired. Enter the new sign-in address again, then choose “Get a code”.',
    FIDO_NO_DEVICE: 'No security key was found. Plug your key into the kiosk, then try again.',
    FIDO_PIN_REQUIRED: 'Your security key is protected by a PIN. Enter it, then choose “Confirm”.',
    FIDO_PIN_NOT_SET:
      'Your security key has no PIN, so it cannot sign you in without a password. Sign in with your password first.',
    FIDO_PIN_INVALID: 'This PIN is not the right one. Check it and enter it again.',
    FIDO_PIN_BLOCKED:
      'The PIN of this security key is blocked after too many wrong attempts. Use another key or another way to sign in, and contact IT.',
    FIDO_PIN_AUTH_BLOCKED:
      'Too many wrong PINs in a row. Unplug your security key, plug it in again, then enter its PIN again.',
    FIDO_PIN_POLICY:
      'The security key refused this PIN: it does not meet the key’s own rules. Choose another one, longer or less simple.',
    FIDO_PIN_ALREADY_SET:
      'This security key already has a PIN. Choose “Cancel”, then enter that PIN in the “Security key PIN” field.',
    FIDO_PIN_UNSUPPORTED:
      'This security key cannot have a PIN: you will sign in with your password, then the key.',
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
    FIDO_NO_RESPONSE:
      'The security key does not answer. Unplug it and plug it back in, then try again.',
    FIDO_CANCELLED: 'The security key operation was cancelled. You can start again.',
    FIDO_DEVICE_ERROR:
      'The security key is not responding properly. Unplug it, plug it in again, then try again.',
    KEY_NOT_FOUND:
      'This security key is no longer registered for your account. The list of your keys is up to date.',
    KEY_PIN_REJECTED: 'This PIN cannot be used.',
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
    stepUp: {
      KEY_NOT_FOUND:
        'No security key is registered for your account any more. Choose “Cancel”, then start the change again.',
    },
    changeKeyPin: {
      FIDO_PIN_INVALID:
        'The current PIN is not the right one. Enter the key’s current PIN again, then the new one.',
      FIDO_PIN_AUTH_BLOCKED:
        'Three wrong PINs in a row: the key refuses any attempt for now. Unplug your security key, plug it in again, then start again.',
      FIDO_PIN_BLOCKED:
        'The PIN of this security key is blocked after too many wrong attempts: it can no longer be used or changed. Use another key or another way to sign in, and contact IT.',
      FIDO_PIN_NOT_SET:
        'This security key has no PIN to change. You can give it one when you add it with “Add a security key”.',
    },
    passwordless: {
      FIDO_NO_CREDENTIALS:
        'This security key is not registered on this kiosk for signing in without a password. Sign in with your password, then add the key in “My authentication factors” and choose signing in without a password.',
      FIDO_KEY_REFUSED:
        'This security key is not registered on this kiosk. Sign in with your password; if you think this is a mistake, please tell IT.',
    },
  },
  errorsAt: {
    changePassword: {
      INVALID_CREDENTIALS:
        'The current password is not the right one. Enter your current password again, then the new one.',
    },
    choosePassword: {
      INVALID_CREDENTIALS:
        'The current password is not the right one: enter the temporary password IT gave you, then your new password.',
    },
    addressChange: {
      CODE_EXPIRED:
        'This code has expired. Choose “Resend a code” to get a new one at the new address.',
      CODE_ATTEMPTS_EXHAUSTED:
        'Too many attempts with this code. Choose “Resend a code” to get a new one at the new address.',
    },
  },
  errorExtra: {
    attemptsLeft: 'Attempts left: {attemptsLeft}.',
    pinLastAttempts: 'Careful: when no attempt is left, the PIN of the key will be blocked.',
    field: 'Field to check: {field}.',
    retryNow: 'The wait is over: you can try again.',
  },
  keyPinRejection: {
    'too-short': 'It must have at least {minLength} characters.',
    'too-long':
      'It is too long: 63 bytes at most, that is 63 digits or unaccented letters, fewer with accents.',
  },
  passwordRejection: {
    'too-short': 'It must have at least 12 characters; a phrase of a few words works well.',
    'too-long': 'It is too long; choose a shorter one.',
    'too-common': 'It is too common or too easy to guess; choose a personal passphrase.',
    'contains-email':
      'The password must contain neither the name of the kiosk (“{issuer}”) nor your address.',
    'contains-product':
      'The password must contain neither the name of the kiosk (“{issuer}”) nor your address.',
  },
  notices: {
    signedOut: 'You are signed out. The kiosk is ready for the next person.',
    idle: 'You were signed out after a period without activity.',
    passwordChosen: 'Your password is saved. From now on, use it to sign in.',
    passwordChanged: 'Your password was changed. From now on, use it to sign in.',
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
    introPlatform:
      'Plug your security key into the kiosk. Windows then asks for its PIN, then for a touch of the key.',
    choose: 'Choose your account',
    chooseIntro: 'Your security key holds several accounts of this kiosk: choose yours.',
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
    platform: 'Follow the instructions from Windows',
    platformHint:
      'Windows shows its own window: enter the key’s PIN there if it asks, then touch the key when it blinks.',
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
    useRecovery: 'Use a recovery code',
    recoveryTitle: 'Use a recovery code',
    recoveryHint:
      'Enter one of the recovery codes you copied, with or without dashes. Each code works only once.',
    recoveryLabel: 'Recovery code',
    recoveryFormat: 'A recovery code has 16 letters and digits, for example ABCD-EFGH-JKMN-PQRS.',
  },
  home: {
    title: 'Hello, {name}',
    menu: 'Menu',
    account: 'My account',
    factors: 'My authentication factors',
    changeAddress: 'Change my sign-in address',
    signOut: 'Sign out',
    setupDone: 'The account is created and your app is registered.',
    checkTitle: 'Check your authentication factors',
    checkText:
      'You signed in with a recovery code. Check your app and your keys in “My authentication factors”: if you changed phones or lost your key, add the new device and remove the old one.',
    checkButton: 'Check my authentication factors',
    suggestTitle: 'Get your codes at once',
    suggestText:
      'For your next sign-ins, we recommend an authenticator app: it gives you the temporary security code at once. A code sent by e-mail is valid for a limited time, and the e-mail may arrive after that limit.',
    suggestButton: 'Add an app',
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
    changeKeyPin: 'Change my key’s PIN',
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
    recoveryTitle: 'Recovery codes',
    recoveryText:
      'If you no longer have your phone or your key, a recovery code lets you sign in once.',
    recoveryLeft: 'Recovery codes left: {left}',
    recoveryNone:
      'You will get recovery codes when you add an authenticator app or a security key.',
    newRecovery: 'Generate new recovery codes',
    confirmRecoveryTitle: 'Generate new recovery codes?',
    confirmRecoveryText:
      'Your current recovery codes will stop working, even the ones you copied. You will have to copy the new ones.',
    confirmRecovery: 'Generate the codes',
  },
  recoveryCodes: {
    title: 'Your recovery codes',
    once: 'Each code works only once: it lets you sign in if you no longer have your phone or your key.',
    copy: 'Copy them by hand now and keep them somewhere safe: once you leave this screen, they will not be shown again. On this shared kiosk, they can be neither downloaded nor printed.',
    copied: 'I have written down my codes',
    hidden: 'Your recovery codes are hidden to protect your account.',
    showAgain: 'Show again',
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
    replaceTitle: 'Replace the app',
    replaceWarning:
      'Your current app ({device}) will stop working as soon as the new one is confirmed: its codes will no longer be accepted.',
    replaceSubmit: 'Replace the app',
  },
  addKey: {
    title: 'Add a security key',
    intro:
      'Plug your security key into the kiosk and give it a name. Then touch the key when it blinks.',
    name: 'Key name',
    nameHint: 'For example: blue key.',
    nameMissing: 'Enter a name for the key.',
    pin: 'Security key PIN',
    passkey: 'Also sign in without a password with this key',
    passkeyHint: 'Windows will then ask for the key’s PIN.',
    pinHint: 'Optional: needed to sign in without a password.',
    submit: 'Register the key',
  },
  keyPinSetup: {
    title: 'Choose a PIN for this key',
    intro:
      'This security key has no PIN yet. With a PIN, it will also let you sign in without a password. Then touch the key to register it.',
    newPin: 'New PIN',
    newPinHint:
      'At least {min} characters, digits or letters. You will enter it at every sign-in without a password: do not write it on the key.',
    confirm: 'Confirm the PIN',
    missing: 'Enter the PIN you chose.',
    confirmMissing: 'Enter the PIN you chose again.',
    tooShort: 'The PIN must have at least {min} characters.',
    tooLong:
      'This PIN is too long: 63 bytes at most, that is 63 digits or unaccented letters, fewer with accents.',
    mismatch: 'The two PINs are not the same. Enter them again.',
    submit: 'Save this PIN',
    skip: 'Continue without a PIN',
  },
  changeKeyPin: {
    title: 'Change my key’s PIN',
    intro:
      'Plug your security key into the kiosk. Enter its current PIN, then the new one twice. No touch is needed.',
    current: 'Current PIN of the key',
    currentMissing: 'Enter the current PIN of the key.',
    submit: 'Change the PIN',
    done: 'The PIN of your security key was changed. From now on, use the new one.',
    backFactors: 'Back to my authentication factors',
  },
  keyAdded: {
    title: 'Security key registered',
    text: 'Your security key is registered.',
    secondFactor: 'From now on, you will sign in with your password, then this key.',
    passwordless:
      'You can also sign in without a password: choose “Sign in with my security key”, then enter the PIN of the key.',
    passwordlessPlatform:
      'You can also sign in without a password: choose “Sign in with my security key”, then follow the instructions from Windows.',
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
    changePassword: 'Change my password',
  },
  password: {
    changeTitle: 'Change my password',
    chooseTitle: 'Choose your password',
    changeIntro: 'Enter your current password, then the new one twice.',
    chooseIntro:
      'You signed in with the temporary password IT gave you. Before you continue, choose your own password.',
    current: 'Current password',
    next: 'New password',
    nextHint: 'At least 12 characters. A phrase of a few words is easier to remember.',
    confirm: 'Confirm the new password',
    currentMissing: 'Enter your current password.',
    nextMissing: 'Enter your new password.',
    mismatch: 'The two new passwords are not the same. Enter them again.',
    submit: 'Save the password',
  },
  changeAddress: {
    title: 'Change my sign-in address',
    current: 'Current sign-in address',
    intro:
      'Enter your new address: a 6-digit code will be sent to it to check that you receive it.',
    newEmail: 'New sign-in address',
    emailMissing: 'Enter your new sign-in address.',
    sameEmail: 'This is already your sign-in address. Enter the new one.',
    send: 'Get a code',
    sent: 'A 6-digit code was sent to {email} at {time}.',
    code: 'Code received at the new address',
    submit: 'Confirm',
    resend: 'Resend a code',
    otherEmail: 'Change the new address',
    expired: 'This code has expired. Choose “Resend a code” to get a new one at the new address.',
    done: 'Your sign-in address is now {email}. Use it to sign in.',
    appNote:
      'If you use an authenticator app, the kiosk account in it still shows the old address ({email}). It keeps working; you can rename it in the app.',
  },
  stepUp: {
    title: 'Confirm your identity',
    intro: 'This change is protected: first confirm that it is really you.',
    hintApp: 'Enter the 6-digit code shown by your authenticator app.',
    hintEmail: 'Enter the 6-digit code that was just sent to your sign-in address ({email}).',
    hintKey: 'Plug your security key into the kiosk, then choose “Use my security key”.',
    action: 'Requested change: {action}.',
    actions: {
      addApp: 'add an authenticator app',
      replaceApp: 'replace your authenticator app',
      removeApp: 'remove your authenticator app',
      addKey: 'add a security key',
      removeKey: 'remove a security key',
      newRecoveryCodes: 'generate new recovery codes',
      changePassword: 'change your password',
      changeAddress: 'change your sign-in address',
    },
    restarted: 'The previous check expired: start again with this new code.',
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
