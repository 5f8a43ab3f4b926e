/**
 * The key's PIN: when a key call asks for it, the « Code PIN de la clé » entry —
 * never where the platform takes the PIN (Windows' own dialog asks for it).
 */

import { ref } from 'vue'
import type { ContractError, Result } from '../../src-main/contract/errors'
import { useStore } from '../injection'
import { useKeyOperation } from './keyOperation'

/** The PIN errors that lead to the « Code PIN de la clé » entry. */
const PIN_ENTRY: ReadonlySet<string> = new Set([
  'FIDO_PIN_REQUIRED',
  'FIDO_PIN_INVALID',
  'FIDO_PIN_AUTH_BLOCKED',
])

/** The key's PIN is asked for (or was wrong): show the PIN entry. */
export function needsPin(error: ContractError): boolean {
  return PIN_ENTRY.has(error.code)
}

/**
 * A key call that may ask for the key's PIN: `run(pin?)` makes the call through
 * one key operation (touch, status, « Annuler »). When the key wants its PIN, or
 * the PIN was wrong, `pinEntry` turns true (with `pinError` for a wrong one) and
 * `run` answers null; the PIN form then calls `run(pin)`. `run` answers null too
 * when the clerk cancelled; otherwise the result, to use or show, and the PIN
 * entry is over. `leave` closes the PIN entry (its « Annuler »).
 */
export function useKeyPinFlow<T>(call: (input: { pin?: string }) => Promise<Result<T>>) {
  const store = useStore()
  const key = useKeyOperation()
  const pinEntry = ref(false)
  const pinError = ref<ContractError | null>(null)

  function leave(): void {
    pinEntry.value = false
    pinError.value = null
  }

  async function run(pin?: string): Promise<Result<T> | null> {
    const result = await key.run(() => call(pin === undefined ? {} : { pin }))
    if (!result) return null
    if (!result.ok && needsPin(result.error) && !store.platformTakesPin.value) {
      pinError.value = result.error.code === 'FIDO_PIN_REQUIRED' ? null : result.error
      pinEntry.value = true
      return null
    }
    leave()
    return result
  }

  return {
    waiting: key.waiting,
    status: key.status,
    cancel: key.cancel,
    pinEntry,
    pinError,
    run,
    leave,
  }
}

/** A PIN is at most 63 bytes of UTF-8 (CTAP 2.1 §6.5.1). */
const KEY_PIN_MAX_BYTES = 63

/**
 * Why a new key PIN cannot be chosen, as the engine and the key see it (CTAP 2.1 §6.5.1):
 * after NFC, fewer characters (code points) than `minLength`, or more than 63 bytes of UTF-8.
 */
export function newKeyPinProblem(pin: string, minLength: number): 'too-short' | 'too-long' | null {
  const normalized = pin.normalize('NFC')
  if ([...normalized].length < Math.max(4, minLength)) return 'too-short'
  if (new TextEncoder().encode(normalized).length > KEY_PIN_MAX_BYTES) return 'too-long'
  return null
}
