/**
 * The seam between the engine and its storage. The engine sees only these
 * repositories; SQLite implements them here, and a PostgreSQL back end for
 * offices with many terminals implements the same interfaces. Rules that must
 * hold across terminals (a TOTP step used once, a code consumed once, counters)
 * are single conditional statements, never read-then-write.
 */

export interface UserRecord {
  id: number
  email: string
  name: string
  passwordHash: string
  mustChangePassword: boolean
  /** A temporary password (set by IT) stops working at this time; null otherwise. */
  passwordExpiresAt: number | null
  disabled: boolean
  createdAt: number
  updatedAt: number
}

export interface NewUser {
  email: string
  name: string
  passwordHash: string
  mustChangePassword: boolean
  passwordExpiresAt?: number | null
  now: number
}

export interface PasswordChange {
  passwordHash: string
  mustChange: boolean
  expiresAt: number | null
  now: number
}

export interface ThrottleRecord {
  subject: string
  failures: number
  lastFailureAt: number
  lockedUntil: number
}

export interface ThrottlePolicy {
  /** Failures allowed before any wait. */
  freeFailures: number
  /** First wait, doubled at each further failure, in ms. */
  baseWaitMs: number
  maxWaitMs: number
  /** A failure older than this starts the count again, in ms. */
  forgetAfterMs: number
}

export type CodeState = 'active' | 'used' | 'voided'

export interface EmailCodeRecord {
  id: number
  userId: number
  attemptId: string
  mac: Uint8Array
  sentAt: number
  expiresAt: number
  attempts: number
  state: CodeState
}

export interface NewEmailCode {
  userId: number
  attemptId: string
  mac: Uint8Array
  sentAt: number
  expiresAt: number
}

export interface AppRecord {
  userId: number
  secretEnc: Uint8Array
  deviceName: string
  createdAt: number
  lastStep: number
}

export interface KeyRecord {
  id: string
  userId: number
  /** base64url, as WebAuthn names it. */
  credentialID: string
  /** COSE public key. */
  publicKey: Uint8Array
  signCount: number
  aaguid: string
  fmt: string
  discoverable: boolean
  name: string
  createdAt: number
  lastUsedAt: number | null
}

export interface AuditEntry {
  at: number
  terminalId: string
  event: string
  outcome: 'ok' | 'fail'
  userId?: number | null
  email?: string | null
  factor?: string | null
  detail?: string | null
}

export interface AuditRecord extends Required<AuditEntry> {
  id: number
}

export interface UsersRepo {
  /** Inserts; resolves `undefined` when the address is taken (case-insensitive). */
  insert(user: NewUser): Promise<number | undefined>
  byEmail(email: string): Promise<UserRecord | undefined>
  byId(id: number): Promise<UserRecord | undefined>
  list(): Promise<UserRecord[]>
  count(): Promise<number>
  setDisabled(id: number, disabled: boolean, now: number): Promise<boolean>
  setPassword(id: number, change: PasswordChange): Promise<boolean>
  /** false when the new address belongs to another account (case-insensitive). */
  setEmail(id: number, email: string, now: number): Promise<boolean>
}

export interface ThrottleRepo {
  get(subject: string): Promise<ThrottleRecord | undefined>
  /** One atomic statement: counts the failure and sets the wait it earns. */
  recordFailure(subject: string, now: number, policy: ThrottlePolicy): Promise<ThrottleRecord>
  reset(subject: string): Promise<void>
}

export interface EmailCodesRepo {
  /** The active code of this sign-in attempt, if any. */
  active(userId: number, attemptId: string): Promise<EmailCodeRecord | undefined>
  countSentSince(userId: number, since: number): Promise<number>
  oldestSentSince(userId: number, since: number): Promise<number | undefined>
  /** Counts one try if the code is active and has tries left; resolves the new count or undefined. */
  registerAttempt(id: number, maxAttempts: number): Promise<number | undefined>
  /** active → used, once; false if it was not active any more. */
  consume(id: number, now: number): Promise<boolean>
  voidAll(userId: number): Promise<number>
}

export interface AppsRepo {
  get(userId: number): Promise<AppRecord | undefined>
  /** Inserts or replaces the clerk's one app. */
  put(app: AppRecord): Promise<void>
  remove(userId: number): Promise<boolean>
  /** Records `step` as used if it is newer than every accepted step; false otherwise. */
  markStepUsed(userId: number, step: number): Promise<boolean>
}

/** What the key step of a sign-in reads (KeysRepo.withAccount). */
export interface KeyStepRead {
  /** undefined when the account is gone. */
  user: UserRecord | undefined
  /** The account's keys, oldest first (as listByUser). */
  keys: KeyRecord[]
  /** The throttle row of the address signed in with, if any (as ThrottleRepo.get). */
  throttle: ThrottleRecord | undefined
}

export interface KeysRepo {
  listByUser(userId: number): Promise<KeyRecord[]>
  /**
   * The account, its keys and the throttle row of `subject`, in one statement:
   * all that the key step of a sign-in reads, in one wait for the store.
   */
  withAccount(userId: number, subject: string): Promise<KeyStepRead>
  byCredentialID(credentialID: string): Promise<KeyRecord | undefined>
  /** false when the credential is already registered (to anyone). */
  insert(key: KeyRecord): Promise<boolean>
  remove(userId: number, id: string): Promise<boolean>
  removeAll(userId: number): Promise<number>
  /**
   * Stores a new signature counter if it moved forward (or both are 0, for keys
   * without a counter); false when it did not, which refuses the sign-in.
   */
  advanceCounter(credentialID: string, signCount: number, now: number): Promise<boolean>
}

export interface RecoveryCodeRecord {
  id: number
  mac: Uint8Array
}

export interface RecoveryCodesRepo {
  unused(userId: number): Promise<RecoveryCodeRecord[]>
  countUnused(userId: number): Promise<number>
  /** unused → used, once; false if it was already used. */
  consume(id: number, now: number): Promise<boolean>
  removeAll(userId: number): Promise<number>
}

export interface AddressCodeRecord {
  id: number
  userId: number
  newEmail: string
  mac: Uint8Array
  sentAt: number
  expiresAt: number
  attempts: number
}

export interface AddressCodesRepo {
  active(userId: number): Promise<AddressCodeRecord | undefined>
  countSentSince(userId: number, since: number): Promise<number>
  registerAttempt(id: number, maxAttempts: number): Promise<number | undefined>
  consume(id: number, now: number): Promise<boolean>
}

export interface SettingsRepo {
  get(name: string): Promise<Uint8Array | undefined>
  /** Stores the value unless one is there already; resolves the value that stays. */
  putIfAbsent(name: string, value: Uint8Array): Promise<Uint8Array>
}

export interface LastSignIn {
  userId: number
  at: number
  terminalId: string
  factor: string | null
}

export interface AuditRepo {
  append(entry: AuditEntry): Promise<void>
  list(options?: { since?: number; limit?: number }): Promise<AuditRecord[]>
  /** Each account's latest successful sign-in (for `user list`); accounts never signed in are absent. */
  lastSignIns(): Promise<LastSignIn[]>
}

export interface Repos {
  users: UsersRepo
  throttle: ThrottleRepo
  codes: EmailCodesRepo
  apps: AppsRepo
  keys: KeysRepo
  recovery: RecoveryCodesRepo
  addressCodes: AddressCodesRepo
  settings: SettingsRepo
  audit: AuditRepo
}

/*
 * Writes that replace a set (void the old codes, store the new) are only safe
 * inside a transaction: they exist only on the transaction's handle.
 */
export interface EmailCodesTxRepo extends EmailCodesRepo {
  /** Voids every active code of the user, then stores the new one. */
  insertReplacing(code: NewEmailCode): Promise<number>
}

export interface RecoveryCodesTxRepo extends RecoveryCodesRepo {
  /** Deletes every code of the user and stores the new set. */
  replaceAll(userId: number, macs: readonly Uint8Array[], now: number): Promise<void>
}

export interface AddressCodesTxRepo extends AddressCodesRepo {
  /** Voids the user's active code, stores this one. */
  insertReplacing(code: Omit<AddressCodeRecord, 'id' | 'attempts'>): Promise<number>
}

/** The repositories as a transaction sees them: the same, plus the writes that need one. */
export interface TxRepos extends Repos {
  codes: EmailCodesTxRepo
  recovery: RecoveryCodesTxRepo
  addressCodes: AddressCodesTxRepo
}

export interface Store extends Repos {
  /** Runs `fn` atomically: every write through `tx` commits together or not at all. */
  transaction<T>(fn: (tx: TxRepos) => Promise<T>): Promise<T>
  close(): Promise<void>
  /** Where the data lives, for messages (a file path or a server URL without password). */
  readonly location: string
}
