/**
 * PIN/UV auth protocols 1 and 2 (CTAP 2.1 §6.5.6 and §6.5.7), used by the host (client-pin.ts)
 * and by the virtual key. Key agreement is ECDH on P-256; the platform key pair and the IV source
 * can be injected so tests run with fixed keys.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import type { ECDH } from 'node:crypto'
import { concatBytes } from './bytes'
import { getBytes, getInt } from './cbor'
import type { CborKey, CborValue } from './cbor'
import { COSE } from './ctap2-constants'
import { FidoProtocolError } from './errors'

export type PinUvAuthProtocolVersion = 1 | 2

export interface PinUvAuthProtocol {
  readonly version: PinUvAuthProtocolVersion
  /** Derives the shared secret from the ECDH x-coordinate Z. */
  kdf(z: Uint8Array): Uint8Array
  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array
  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
}

export interface PinUvAuthProtocolOptions {
  /** Source of IVs for protocol 2 (random by default). */
  random?: (length: number) => Uint8Array
}

const ZERO_IV = new Uint8Array(16)

function defaultRandom(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length))
}

function aesCbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length % 16 !== 0)
    throw new FidoProtocolError('PIN protocol: data is not a multiple of 16')
  const cipher = encrypt
    ? createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false)
    : createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false)
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]))
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest())
}

function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** PIN/UV auth protocol One (CTAP 2.1 §6.5.6). */
function protocolOne(): PinUvAuthProtocol {
  return {
    version: 1,
    kdf: (z) => new Uint8Array(createHash('sha256').update(z).digest()),
    encrypt: (key, plaintext) => aesCbc(true, key, ZERO_IV, plaintext),
    decrypt: (key, ciphertext) => aesCbc(false, key, ZERO_IV, ciphertext),
    authenticate: (key, message) => hmacSha256(key, message).subarray(0, 16),
    verify: (key, message, signature) =>
      safeEqual(hmacSha256(key, message).subarray(0, 16), signature),
  }
}

/** PIN/UV auth protocol Two (CTAP 2.1 §6.5.7): HKDF-derived HMAC and AES keys, random IV. */
function protocolTwo(random: (length: number) => Uint8Array): PinUvAuthProtocol {
  const salt = new Uint8Array(32)
  const hkdf = (z: Uint8Array, info: string): Uint8Array =>
    new Uint8Array(hkdfSync('sha256', z, salt, info, 32))
  // A shared secret is HMAC key (32) || AES key (32); a pinUvAuthToken is one 32-byte key, used
  // only to authenticate. encrypt/decrypt "discard the first 32 bytes of key" (§6.5.7).
  const hmacKey = (key: Uint8Array): Uint8Array => key.subarray(0, 32)
  const aesKey = (key: Uint8Array): Uint8Array => key.subarray(32)
  return {
    version: 2,
    kdf: (z) => concatBytes(hkdf(z, 'CTAP2 HMAC key'), hkdf(z, 'CTAP2 AES key')),
    encrypt: (key, plaintext) => {
      const iv = random(16)
      return concatBytes(iv, aesCbc(true, aesKey(key), iv, plaintext))
    },
    decrypt: (key, ciphertext) => {
      if (ciphertext.length < 16)
        throw new FidoProtocolError('PIN protocol 2: ciphertext too short')
      return aesCbc(false, aesKey(key), ciphertext.subarray(0, 16), ciphertext.subarray(16))
    },
    authenticate: (key, message) => hmacSha256(hmacKey(key), message),
    verify: (key, message, signature) => safeEqual(hmacSha256(hmacKey(key), message), signature),
  }
}

export function createPinUvAuthProtocol(
  version: PinUvAuthProtocolVersion,
  options: PinUvAuthProtocolOptions = {},
): PinUvAuthProtocol {
  return version === 1 ? protocolOne() : protocolTwo(options.random ?? defaultRandom)
}

/** A P-256 ECDH key pair; a fixed private key can be given (tests). */
export function createKeyAgreementKey(privateKey?: Uint8Array): ECDH {
  const ecdh = createECDH('prime256v1')
  if (privateKey) ecdh.setPrivateKey(privateKey)
  else ecdh.generateKeys()
  return ecdh
}

/** The COSE_Key form of a key-agreement public key (CTAP 2.1 §6.5.6 getPublicKey). */
export function keyAgreementToCose(ecdh: ECDH): Map<CborKey, CborValue> {
  const point = new Uint8Array(ecdh.getPublicKey())
  return new Map<CborKey, CborValue>([
    [COSE.KTY, COSE.KTY_EC2],
    [COSE.ALG, COSE.ALG_ECDH_ES_HKDF_256],
    [COSE.CRV, COSE.CRV_P256],
    [COSE.X, point.subarray(1, 33)],
    [COSE.Y, point.subarray(33, 65)],
  ])
}

/** Uncompressed P-256 point from a COSE_Key; checks kty and crv (the point itself is checked by ECDH). */
export function pointFromCose(key: Map<CborKey, CborValue>): Uint8Array {
  if (getInt(key, COSE.KTY, 'COSE kty') !== COSE.KTY_EC2)
    throw new FidoProtocolError('COSE key: not EC2')
  if (getInt(key, COSE.CRV, 'COSE crv') !== COSE.CRV_P256)
    throw new FidoProtocolError('COSE key: not P-256')
  const x = getBytes(key, COSE.X, 'COSE x')
  const y = getBytes(key, COSE.Y, 'COSE y')
  if (x.length !== 32 || y.length !== 32)
    throw new FidoProtocolError('COSE key: bad coordinate length')
  return concatBytes(Uint8Array.of(0x04), x, y)
}

/** ECDH, then the protocol's KDF (§6.5.6 ecdh). Throws FidoProtocolError on an invalid peer point. */
export function sharedSecret(
  protocol: PinUvAuthProtocol,
  own: ECDH,
  peer: Map<CborKey, CborValue>,
): Uint8Array {
  let z: Uint8Array
  try {
    z = new Uint8Array(own.computeSecret(pointFromCose(peer)))
  } catch (error) {
    if (error instanceof FidoProtocolError) throw error
    throw new FidoProtocolError('key agreement: invalid peer public key', { cause: error })
  }
  return protocol.kdf(z)
}

/** A PIN is at most 63 bytes of UTF-8 (§6.5.1). */
export const MAX_PIN_BYTES = 63

/**
 * Why a new PIN cannot be set (§6.5.1 PIN composition): after NFC, fewer code points than
 * `minPinLength` (at least 4; the key's getInfo minPINLength, §6.4), or more than 63 bytes of
 * UTF-8. Null when it can.
 */
export function newPinProblem(pin: string, minPinLength: number): 'too-short' | 'too-long' | null {
  const normalized = pin.normalize('NFC')
  if ([...normalized].length < Math.max(4, minPinLength)) return 'too-short'
  if (new TextEncoder().encode(normalized).length > MAX_PIN_BYTES) return 'too-long'
  return null
}

/** LEFT(SHA-256(pin), 16), what pinHashEnc carries (§6.5.5.7). */
export function pinHash(pin: string): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(pin.normalize('NFC'), 'utf8').digest(),
  ).subarray(0, 16)
}

/** The PIN as UTF-8 padded with zeros to 64 bytes, what newPinEnc carries (§6.5.5.5). */
export function paddedPin(pin: string): Uint8Array {
  const bytes = new TextEncoder().encode(pin.normalize('NFC'))
  if (bytes.length > MAX_PIN_BYTES) throw new FidoProtocolError('PIN longer than 63 bytes')
  const out = new Uint8Array(64)
  out.set(bytes)
  return out
}
