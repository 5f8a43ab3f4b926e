/**
 * The key's own PIN, from the platform side: its state from getInfo (CTAP 2.1 §6.4 options
 * clientPin, minPINLength), setPIN on a key without one (§6.5.5.5) and changePIN (§6.5.5.6),
 * over either PIN/UV auth protocol (2 preferred, 1 for CTAP 2.0 keys, §6.5.4). A new PIN is
 * checked against §6.5.1 before it leaves: at least minPINLength code points, at most 63 bytes
 * of UTF-8, both after NFC (what paddedPin sends).
 */
import { ClientPin, choosePinProtocol } from '../protocol/client-pin'
import { STATUS } from '../protocol/ctap2-constants'
import { CtapStatusError } from '../protocol/errors'
import { newPinProblem } from '../protocol/pin-protocol'
import { FidoError, toFidoError } from './errors'
import { callOptions } from './operation'
import type { Operation } from './operation'
import type { ConnectedKey } from './select-device'
import type { KeyPinInfo } from './types'

/** §6.5.1: no key takes a PIN shorter than 4 code points; the default minPINLength (§6.4). */
export const DEFAULT_MIN_PIN_LENGTH = 4

/** The key's PIN state, from the getInfo the connection read. */
export function pinInfoOf(key: ConnectedKey): KeyPinInfo {
  const info = key.ctap2?.info
  const aaguid = Buffer.from(info?.aaguid ?? new Uint8Array(16)).toString('hex')
  const clientPin = info?.options['clientPin']
  if (!info || clientPin === undefined) {
    return { pin: 'unsupported', minPinLength: DEFAULT_MIN_PIN_LENGTH, pinProtocol: null, aaguid }
  }
  return {
    pin: clientPin ? 'set' : 'not-set',
    minPinLength: Math.max(DEFAULT_MIN_PIN_LENGTH, info.minPinLength ?? DEFAULT_MIN_PIN_LENGTH),
    pinProtocol: choosePinProtocol(info),
    aaguid,
  }
}

function clientPinOf(key: ConnectedKey): ClientPin {
  const ctap2 = key.ctap2
  if (!ctap2 || ctap2.info.options['clientPin'] === undefined) {
    throw new FidoError('FIDO_PIN_UNSUPPORTED', 'this security key cannot have a PIN')
  }
  return ClientPin.forVersion(ctap2.session, choosePinProtocol(ctap2.info))
}

/** The new PIN against §6.5.1 and the key's minPINLength, before anything is sent. */
function checkNewPin(key: ConnectedKey, pin: string): void {
  const problem = newPinProblem(pin, pinInfoOf(key).minPinLength)
  if (problem) throw new FidoError('FIDO_PIN_POLICY', `the new PIN is ${problem}`)
}

/** setPIN (§6.5.5.5) on a key whose getInfo says clientPin false. */
export async function setPin(key: ConnectedKey, pin: string, operation: Operation): Promise<void> {
  const clientPin = clientPinOf(key)
  // "If a PIN has already been set, authenticator returns CTAP2_ERR_PIN_AUTH_INVALID": say why.
  if (key.ctap2?.info.options['clientPin'] === true) {
    throw new FidoError('FIDO_PIN_ALREADY_SET', 'this security key already has a PIN')
  }
  checkNewPin(key, pin)
  await clientPin.setPin(pin, callOptions(operation, true))
}

/**
 * changePIN (§6.5.5.6). A wrong current PIN comes back as FIDO_PIN_INVALID with the retries
 * the key has left (getPINRetries, §6.5.5.2); after 3 wrong PINs in a row the key answers
 * PIN_AUTH_BLOCKED until it is replugged, after the last retry PIN_BLOCKED.
 */
export async function changePin(
  key: ConnectedKey,
  currentPin: string,
  newPin: string,
  operation: Operation,
): Promise<void> {
  const clientPin = clientPinOf(key)
  if (key.ctap2?.info.options['clientPin'] !== true) {
    throw new FidoError('FIDO_PIN_NOT_SET', 'this security key has no PIN to change')
  }
  checkNewPin(key, newPin)
  try {
    await clientPin.changePin(currentPin, newPin, callOptions(operation, true))
  } catch (error) {
    if (error instanceof CtapStatusError && error.status === STATUS.PIN_INVALID) {
      const retries = await clientPin
        .getRetries(callOptions(operation, true))
        .catch(() => undefined)
      throw new FidoError('FIDO_PIN_INVALID', 'wrong current PIN', {
        cause: error,
        ...(retries ? { attemptsLeft: retries.retries } : {}),
      })
    }
    throw toFidoError(error)
  }
}
