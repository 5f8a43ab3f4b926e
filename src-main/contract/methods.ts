/**
 * The one contract between the kiosk UI and main. Main (IPC handlers, web host),
 * the preload and the renderer derive their types from this table; payloads
 * from the renderer are untrusted and parsed against `input` in main.
 *
 * Time values are epoch milliseconds. Every method answers with the envelope
 * `Result<output>` of ./errors.ts.
 */

import { z } from 'zod'

/**
 * What no name may hold (user, app and key names; the admin command's `--name`
 * too): control characters (Cc), format characters (Cf: the bidi overrides,
 * embeddings, isolates and marks such as U+202E, the zero-width space, joiner
 * and non-joiner, U+FEFF, soft hyphen, tags) and the line and paragraph
 * separators. They would let a name display, or be audited, as another.
 */
export const UNSAFE_NAME_CHARS = /[\p{Cc}\p{Cf}\u2028\u2029]/u

/** The shared validator: true when `name` holds none of UNSAFE_NAME_CHARS. */
export function isSafeName(name: string): boolean {
  return !UNSAFE_NAME_CHARS.test(name)
}

const text = (max: number) =>
  z.string().max(max).refine(isSafeName, {
    message: 'control, bidi and zero-width characters are not allowed',
  })

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ pattern: z.regexes.html5Email }))
  .transform((s) => s.toLowerCase())

/** A password as typed at sign-in; the rules for new ones are the engine's. */
export const Password = z.string().min(1).max(1024)
/** Six digits, nothing else: the screen strips spaces before sending. */
export const OtpCode = z.string().regex(/^[0-9]{6}$/)
export const DisplayName = text(100).pipe(z.string().trim().min(1))
export const DeviceName = text(64).pipe(z.string().trim())
export const KeyPin = z.string().min(4).max(63)
/**
 * A key PIN being chosen: its rules (CTAP 2.1 §6.5.1, the key's minPINLength, counted after
 * NFC) are the engine's, which answers KEY_PIN_REJECTED; the schema only bounds the payload.
 */
export const NewKeyPin = z.string().min(1).max(256)
/** `XXXX-XXXX-XXXX-XXXX`, typed with or without dashes and spaces, any case. */
export const RecoveryCode = z
  .string()
  .max(64)
  .regex(/^[0-9A-Za-z\s-]+$/)

/** One account a passkey on the key belongs to: the key record's id, never the credential. */
export const AccountChoice = z.strictObject({
  id: z.string(),
  name: z.string(),
  maskedEmail: z.string(),
})
export type AccountChoice = z.infer<typeof AccountChoice>

export const AddressChange = z.strictObject({
  maskedEmail: z.string(),
  sentAt: z.number(),
  expiresAt: z.number(),
})
export type AddressChange = z.infer<typeof AddressChange>

const Empty = z.strictObject({})

export const Factor = z.enum(['email', 'app', 'key', 'recovery'])
export type Factor = z.infer<typeof Factor>

export const SignInStep = z.strictObject({
  /**
   * What the second step asks for: a code from the clerk's mailbox or their
   * authenticator app, or (an account whose only factor is a key) the key.
   */
  factor: z.enum(['email', 'app', 'key']),
  /** The login address masked for the shared screen: `a•••@mairie.fr`. */
  maskedEmail: z.string(),
  /** E-mailed codes: when this code was sent and when it stops working. */
  sentAt: z.number().nullable(),
  expiresAt: z.number().nullable(),
  /** The account has at least one security key: offer « Utiliser ma clé de sécurité ». */
  hasKey: z.boolean(),
  /** The account has unused recovery codes: offer « Utiliser un code de secours ». */
  hasRecoveryCodes: z.boolean(),
})
export type SignInStep = z.infer<typeof SignInStep>

export const SessionView = z.strictObject({
  name: z.string(),
  email: z.string(),
  /** The factor that completed this sign-in. */
  factor: Factor,
  /** Policy `first-sign-in-only`: the clerk must enroll an app or key before home. */
  mustEnroll: z.boolean(),
  /** Signed in with IT's temporary password: the clerk must choose a password before home. */
  mustChangePassword: z.boolean(),
  /** Signed in with a recovery code: home asks the clerk to check their factors. */
  checkFactors: z.boolean(),
})
export type SessionView = z.infer<typeof SessionView>

/** The end of the first start: IT's session, and the 10 recovery codes its first app brought (shown once). */
export const SetupDone = SessionView.extend({ newRecoveryCodes: z.array(z.string()) })
export type SetupDone = z.infer<typeof SetupDone>

export const Status = z.strictObject({
  /** Empty store: show the first-start account creation screen. */
  firstStart: z.boolean(),
  issuer: z.string(),
  locale: z.enum(['fr', 'en']),
  idleLockSeconds: z.number(),
  emailCodeTtlSeconds: z.number(),
  /**
   * Who asks for a security key's PIN: `kiosk` (« Code PIN de la clé » on the kiosk's screens)
   * or `platform` (Windows' own dialog; the kiosk shows « Suivez les instructions de Windows »
   * and never its PIN form, and key calls go without `pin`).
   */
  keyPinEntry: z.enum(['kiosk', 'platform']),
  session: SessionView.nullable(),
  pending: SignInStep.nullable(),
})
export type Status = z.infer<typeof Status>

export const AppEnrollment = z.strictObject({
  /** otpauth:// URI; the QR codes encode it. */
  uri: z.string(),
  qrSvg: z.string(),
  qrPngDataUrl: z.string(),
  /** The base32 key in groups of four, for typing. */
  secretGroups: z.array(z.string()),
  expiresAt: z.number(),
})
export type AppEnrollment = z.infer<typeof AppEnrollment>

export const KeyView = z.strictObject({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
})
export type KeyView = z.infer<typeof KeyView>

/** The plugged key's PIN (getInfo, no touch): whether « Choisir un code PIN » applies. */
export const KeyPinState = z.strictObject({
  /**
   * `set`, `not-set` (a PIN can be chosen here), `unsupported` (a U2F-only key), or `platform`:
   * the system (Windows) handles the key's PIN in its own window, the kiosk cannot read it.
   */
  pin: z.enum(['set', 'not-set', 'unsupported', 'platform']),
  /** The shortest PIN the key accepts, in characters (getInfo minPINLength, at least 4). */
  minPinLength: z.number(),
})
export type KeyPinState = z.infer<typeof KeyPinState>

export const Factors = z.strictObject({
  email: z.string(),
  app: z.strictObject({ deviceName: z.string(), createdAt: z.number() }).nullable(),
  keys: z.array(KeyView),
  recoveryCodesLeft: z.number(),
  /**
   * Recovery codes just issued (first app or key, or « Générer de nouveaux codes »):
   * shown once, never again; null in every other answer.
   */
  newRecoveryCodes: z.array(z.string()).nullable(),
})
export type Factors = z.infer<typeof Factors>

export const methods = {
  /** What the kiosk should show at start or after a reload. */
  getStatus: { input: Empty, output: Status },

  // First start with an empty store: IT's account, with its app enrolled on the spot.
  beginSetup: {
    input: z.strictObject({ email: Email, name: DisplayName, password: Password }),
    output: AppEnrollment,
  },
  confirmSetup: {
    input: z.strictObject({ code: OtpCode, deviceName: DeviceName }),
    output: SetupDone,
  },

  // Sign-in.
  signIn: {
    input: z.strictObject({ email: Email, password: Password }),
    output: SignInStep,
  },
  resendCode: { input: Empty, output: SignInStep },
  verifyCode: { input: z.strictObject({ code: OtpCode }), output: SessionView },
  cancelSignIn: { input: Empty, output: Empty },
  signOut: { input: Empty, output: Empty },
  /**
   * « Je suis toujours là » (and input on the page): the signed-in session's
   * idle time starts again. NOT_SIGNED_IN when the engine already ended it.
   */
  stillHere: { input: Empty, output: Empty },
  /**
   * The language switch: the clerk's language for the rest of the visit. The
   * mails of the visit (codes, notices) are written in it; the engine goes back
   * to the configuration's `locale` when the visit ends (sign-out, idle lock,
   * a session that ends, a new page).
   */
  setLanguage: { input: z.strictObject({ locale: z.enum(['fr', 'en']) }), output: Empty },

  // « Mes facteurs d'authentification ».
  listFactors: { input: Empty, output: Factors },
  beginAppEnrollment: { input: Empty, output: AppEnrollment },
  confirmAppEnrollment: {
    input: z.strictObject({ code: OtpCode, deviceName: DeviceName }),
    output: Factors,
  },
  removeApp: { input: Empty, output: Factors },

  // Security keys. Main talks to the key; `keyStatus` events report progress.
  /**
   * Registers the key plugged in; with its PIN the credential is discoverable (passwordless
   * sign-in). `passkey`: discoverable, user verification required, credProtect — with
   * `keyPinEntry` `platform` without `pin` (the platform asks for it); with `kiosk` it needs
   * `pin` (FIDO_PIN_REQUIRED without).
   */
  registerKey: {
    input: z.strictObject({
      name: DeviceName.pipe(z.string().min(1)),
      pin: KeyPin.optional(),
      passkey: z.boolean().optional(),
    }),
    output: Factors,
  },
  removeKey: { input: z.strictObject({ id: z.string().min(1).max(64) }), output: Factors },
  /** The second step with a key instead of a code (after the password). */
  signInWithKey: { input: z.strictObject({ pin: KeyPin.optional() }), output: SessionView },
  /**
   * « Se connecter avec ma clé de sécurité »: no password, the key's PIN instead. When the key
   * holds passkeys of several accounts of this kiosk, the clerk chooses (« Choisissez votre
   * compte »), shown only once the PIN is verified. With `keyPinEntry` `platform`, without
   * `pin`: the platform verifies the clerk (user verification required); with `kiosk` a call
   * without `pin` answers FIDO_PIN_REQUIRED.
   */
  signInPasswordless: {
    input: z.strictObject({ pin: KeyPin.optional() }),
    output: z.union([SessionView, z.strictObject({ chooseAccount: z.array(AccountChoice) })]),
  },
  /** The account chosen after signInPasswordless offered several; its assertion is then checked. */
  choosePasswordlessAccount: {
    input: z.strictObject({ id: z.string().min(1).max(64) }),
    output: SessionView,
  },
  /** Stops a key operation waiting for a touch (« Annuler »). */
  cancelKeyOperation: { input: Empty, output: Empty },
  /** The plugged key's PIN state, before registering it (no touch; waits for the key). */
  inspectKey: { input: Empty, output: KeyPinState },
  /**
   * « Choisir un code PIN pour cette clé »: setPIN on the plugged key, which has none. It changes
   * the key, not the account: no step-up. KEY_PIN_REJECTED when the PIN breaks the rules.
   */
  setKeyPin: { input: z.strictObject({ pin: NewKeyPin }), output: KeyPinState },
  /**
   * « Changer le code PIN de ma clé »: changePIN on the plugged key. A wrong current PIN answers
   * FIDO_PIN_INVALID with params.attemptsLeft. No step-up (the current PIN is the proof).
   */
  changeKeyPin: {
    input: z.strictObject({ current: KeyPin, next: NewKeyPin }),
    output: Empty,
  },

  // Account lifecycle.
  /** « Utiliser un code de secours »: the second step with a recovery code. */
  useRecoveryCode: { input: z.strictObject({ code: RecoveryCode }), output: SessionView },
  /** A new set of 10 recovery codes; the old ones stop working. */
  issueRecoveryCodes: { input: Empty, output: Factors },
  /**
   * « Changer mon mot de passe » (`current` required), and « Choisissez votre mot
   * de passe » after a sign-in with IT's temporary password (`mustChangePassword`):
   * there the temporary password was typed seconds ago and `current` is not asked.
   */
  changePassword: {
    input: z.strictObject({ current: Password.optional(), next: z.string().min(1).max(1024) }),
    output: SessionView,
  },
  /** « Changer mon adresse de connexion »: a code goes to the new address. */
  beginAddressChange: { input: z.strictObject({ email: Email }), output: AddressChange },
  confirmAddressChange: { input: z.strictObject({ code: OtpCode }), output: SessionView },
  /**
   * Step-up: checks the second factor again before a sensitive change when the
   * last check is older than 5 minutes. `beginStepUp` says which factor (and
   * sends an e-mailed code when that is the factor); then `stepUp` with the
   * code, or `stepUpWithKey`.
   */
  beginStepUp: { input: Empty, output: SignInStep },
  stepUp: { input: z.strictObject({ code: OtpCode }), output: SessionView },
  stepUpWithKey: { input: z.strictObject({ pin: KeyPin.optional() }), output: SessionView },
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type Input<M extends MethodName> = z.input<Methods[M]['input']>
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>
export type Output<M extends MethodName> = z.output<Methods[M]['output']>

export const METHOD_NAMES = Object.keys(methods) as MethodName[]

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name)
}

/** Main → renderer events. */
export const events = {
  /** A security-key operation's progress: `touch` means « Touchez votre clé de sécurité ». */
  keyStatus: z.strictObject({
    status: z.enum(['waiting-device', 'processing', 'touch', 'platform']),
  }),
} as const
export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

/**
 * The engine's limits that the screens count on (tries left, the step-up
 * window). The engine applies them (src-main/engine/policy.ts reads them here);
 * the renderer's test double and the tests read them here too, never a copy.
 */
export const LIMITS = {
  /** Wrong tries per e-mailed code (sign-in, step-up, address change). */
  emailCodeMaxTries: 5,
  /** Wrong app codes per enrollment (a clerk's app, IT's at the first start), then it ends. */
  enrollmentMaxTries: 5,
  /** A sensitive change needs a second factor checked this recently. */
  stepUpWindowSeconds: 5 * 60,
} as const

/** Largest accepted request body (web host) or serialized IPC payload, in bytes. */
export const MAX_PAYLOAD_BYTES = 64 * 1024
