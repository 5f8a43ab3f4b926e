/**
 * What the engine sees of the security-key client: the KeyClient interface, its options and
 * results (WebAuthn JSON that @simplewebauthn/server verifies). KeyClient is also the seam for
 * Windows, where webauthn.dll owns FIDO devices: a second implementation of it over the platform
 * API plugs in behind index.ts, and the engine, the store and the screens do not change.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import type { DeviceSource } from '../transport/device-source'
import type { KeyStatus } from './select-device'

export type { KeyStatus } from './select-device'

export interface MakeCredentialOptions {
  /** 32 bytes from the engine. */
  challenge: Uint8Array
  rp: { id: string; name: string }
  user: { id: Uint8Array; name: string; displayName: string }
  /** base64url credential ids the user already has. */
  excludeCredentialIDs: string[]
  /** A discoverable credential (for passwordless sign-in). */
  residentKey: boolean
  /** PIN required. */
  userVerification: boolean
  pin?: string
  /** Default 30000. */
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}

export interface GetAssertionOptions {
  challenge: Uint8Array
  rpId: string
  /** base64url; empty = discoverable credentials (passwordless). */
  allowCredentialIDs: string[]
  userVerification: boolean
  pin?: string
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}

/**
 * Who asks the clerk for the key's PIN: the kiosk, which hands it to the key (`pin` in the
 * options, the HID/UDP client), or the platform, which shows its own dialog for the PIN and the
 * touch (webauthn.dll) and ignores `pin`.
 */
export type KeyPinEntry = 'kiosk' | 'platform'

/** What a key operation that needs no touch takes: its time limit, « Annuler », its progress. */
export interface KeyOperationOptions {
  /** Default 30000. */
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}

/** The key's PIN as its getInfo tells it (CTAP 2.1 §6.4). */
export interface KeyPinInfo {
  /**
   * `set`: option clientPin true; `not-set`: clientPin false (a PIN can be set); `unsupported`:
   * no clientPin option, or a U2F-only key.
   */
  pin: 'set' | 'not-set' | 'unsupported'
  /** getInfo minPINLength (code points), or 4 when the key does not say (§6.4, §6.5.1). */
  minPinLength: number
  /** The PIN/UV auth protocol the client uses with this key (§6.5.4), when it has one. */
  pinProtocol: 1 | 2 | null
  /** The key's model (getInfo aaguid), hex, for the audit log. */
  aaguid: string
}

export interface KeyClient {
  /** Absent: 'kiosk'. */
  readonly pinEntry?: KeyPinEntry
  /** Registration: returns WebAuthn RegistrationResponseJSON. */
  makeCredential(options: MakeCredentialOptions): Promise<RegistrationResponseJSON>
  /** Sign-in: response.userHandle is set for discoverable credentials. */
  getAssertion(options: GetAssertionOptions): Promise<AuthenticationResponseJSON>
  /**
   * Passwordless: with an empty allow list, one assertion for every discoverable credential the
   * key holds for the RP (other accounts, other deployments), most recent first. Absent where
   * the platform chooses the credential itself (Windows shows its own account list).
   */
  getAssertions?(options: GetAssertionOptions): Promise<AuthenticationResponseJSON[]>
  /**
   * The plugged key's PIN state (getInfo, no touch). Absent where the platform owns the key's
   * PIN (Windows asks for it in its own window).
   */
  readPinInfo?(options: KeyOperationOptions): Promise<KeyPinInfo>
  /** setPIN (CTAP 2.1 §6.5.5.5) on a key without a PIN. */
  setPin?(options: KeyOperationOptions & { pin: string }): Promise<void>
  /** changePIN (CTAP 2.1 §6.5.5.6). A wrong current PIN: FIDO_PIN_INVALID with attemptsLeft. */
  changePin?(options: KeyOperationOptions & { currentPin: string; newPin: string }): Promise<void>
  /**
   * Releases what is kept between operations (the connection to the key): for the owner's
   * shutdown. The client stays usable; a later operation connects again.
   */
  close?(): Promise<void>
}

export interface KeyClientOptions {
  /** main's origin, for clientDataJSON (never the renderer's). */
  origin: string
  transport: DeviceSource
  /**
   * How long the connection to the key (its CTAPHID channel and getInfo answer) is kept after a
   * successful operation, for the next one (connection-cache.ts). 0 = a new connection for every
   * operation. Default 60 s.
   */
  keepConnectedMs?: number
}
