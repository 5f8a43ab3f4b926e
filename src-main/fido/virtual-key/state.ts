/**
 * The virtual key's durable state: credentials, signature counter, PIN, U2F attestation key.
 * In memory by default; optionally mirrored to a JSON file (mode 0600) for demos across restarts.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { fromBase64Url, toBase64Url } from '../protocol/bytes'
import { createSelfSignedCertificate } from './x509'

export interface StoredCredential {
  /** Credential id (CTAP2) or key handle (U2F). */
  id: Uint8Array
  rpIdHash: Uint8Array
  rpId?: string
  userId?: Uint8Array
  userName?: string
  displayName?: string
  privateKey: KeyObject
  discoverable: boolean
  /** Order of creation, for "most recent first" (CTAP 2.1 §6.2.2). */
  created: number
  /** credProtect level (CTAP 2.1 §12.1); absent = 1, userVerificationOptional. */
  credProtect?: number
}

export interface PinState {
  /** LEFT(SHA-256(pin), 16) (CTAP 2.1 §6.5.5.5). */
  hash: Uint8Array
  /** Code points in the PIN, for forcePINChange/minPINLength bookkeeping. */
  length: number
}

export interface AttestationKey {
  privateKey: KeyObject
  certificate: Uint8Array
}

export interface VirtualKeyState {
  aaguid: Uint8Array
  signCount: number
  pin?: PinState
  pinRetries: number
  credentials: StoredCredential[]
  attestation: AttestationKey
  nextCreated: number
}

export const PIN_RETRIES_MAX = 8

interface StateFile {
  version: 1
  aaguid: string
  signCount: number
  pin?: { hash: string; length: number }
  pinRetries: number
  nextCreated: number
  attestation: { privateKey: string; certificate: string }
  credentials: {
    id: string
    rpIdHash: string
    rpId?: string
    userId?: string
    userName?: string
    displayName?: string
    privateKey: string
    discoverable: boolean
    created: number
    credProtect?: number
  }[]
}

function exportKey(key: KeyObject): string {
  return toBase64Url(new Uint8Array(key.export({ format: 'der', type: 'pkcs8' })))
}

function importKey(text: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(fromBase64Url(text)), format: 'der', type: 'pkcs8' })
}

/** A fresh key: random AAGUID, a new self-signed attestation certificate, no credentials, no PIN. */
export function createVirtualKeyState(): VirtualKeyState {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    aaguid: new Uint8Array(randomBytes(16)),
    signCount: 0,
    pinRetries: PIN_RETRIES_MAX,
    credentials: [],
    nextCreated: 1,
    attestation: {
      privateKey,
      certificate: createSelfSignedCertificate({
        publicKey,
        privateKey,
        commonName: 'Guichet Virtual Key',
      }),
    },
  }
}

export function serializeState(state: VirtualKeyState): string {
  const file: StateFile = {
    version: 1,
    aaguid: toBase64Url(state.aaguid),
    signCount: state.signCount,
    pinRetries: state.pinRetries,
    nextCreated: state.nextCreated,
    attestation: {
      privateKey: exportKey(state.attestation.privateKey),
      certificate: toBase64Url(state.attestation.certificate),
    },
    credentials: state.credentials.map((credential) => ({
      id: toBase64Url(credential.id),
      rpIdHash: toBase64Url(credential.rpIdHash),
      ...(credential.rpId !== undefined ? { rpId: credential.rpId } : {}),
      ...(credential.userId !== undefined ? { userId: toBase64Url(credential.userId) } : {}),
      ...(credential.userName !== undefined ? { userName: credential.userName } : {}),
      ...(credential.displayName !== undefined ? { displayName: credential.displayName } : {}),
      privateKey: exportKey(credential.privateKey),
      discoverable: credential.discoverable,
      created: credential.created,
      ...(credential.credProtect !== undefined ? { credProtect: credential.credProtect } : {}),
    })),
  }
  if (state.pin) file.pin = { hash: toBase64Url(state.pin.hash), length: state.pin.length }
  return JSON.stringify(file, null, 2) + '\n'
}

export function deserializeState(text: string): VirtualKeyState {
  const file = JSON.parse(text) as StateFile
  if (file.version !== 1) throw new Error('virtual key state: unsupported version')
  const state: VirtualKeyState = {
    aaguid: fromBase64Url(file.aaguid),
    signCount: file.signCount,
    pinRetries: file.pinRetries,
    nextCreated: file.nextCreated,
    attestation: {
      privateKey: importKey(file.attestation.privateKey),
      certificate: fromBase64Url(file.attestation.certificate),
    },
    credentials: file.credentials.map((credential) => {
      const stored: StoredCredential = {
        id: fromBase64Url(credential.id),
        rpIdHash: fromBase64Url(credential.rpIdHash),
        privateKey: importKey(credential.privateKey),
        discoverable: credential.discoverable,
        created: credential.created,
      }
      if (credential.rpId !== undefined) stored.rpId = credential.rpId
      if (credential.userId !== undefined) stored.userId = fromBase64Url(credential.userId)
      if (credential.userName !== undefined) stored.userName = credential.userName
      if (credential.displayName !== undefined) stored.displayName = credential.displayName
      if (credential.credProtect !== undefined) stored.credProtect = credential.credProtect
      return stored
    }),
  }
  if (file.pin) state.pin = { hash: fromBase64Url(file.pin.hash), length: file.pin.length }
  return state
}

/** Loads the state file, or creates it with a fresh state when absent. */
export function loadOrCreateStateFile(path: string): VirtualKeyState {
  if (existsSync(path)) return deserializeState(readFileSync(path, 'utf8'))
  const state = createVirtualKeyState()
  saveStateFile(path, state)
  return state
}

/** The state file could not be written: the command that changed the state is refused. */
export class StateWriteError extends Error {
  constructor(path: string, options: { cause: unknown }) {
    super(`cannot write the virtual key state to ${path}`, options)
    this.name = 'StateWriteError'
  }
}

/** Writes atomically (temporary file, then rename), readable by the owner only. */
export function saveStateFile(path: string, state: VirtualKeyState): void {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, serializeState(state), { mode: 0o600 })
    renameSync(temporary, path)
  } catch (cause) {
    throw new StateWriteError(path, { cause })
  }
}
