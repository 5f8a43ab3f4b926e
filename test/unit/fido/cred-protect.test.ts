/**
 * credProtect on passkeys (CTAP 2.1 §12.1), as the CTAP2 back end asks for it and checks the
 * key's answer: the extension input goes with a discoverable credential only, and only to a key
 * whose getInfo lists the extension (§6.4 extensions); the level the key applied comes back in
 * the authenticator data's extension outputs (§12.1 "authenticator extension output"), and a
 * passkey the key did not protect as asked is refused. The key here is a scripted CTAP2 session,
 * so that it can answer what the software key (which honours the extension) never would.
 */
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Ctap2Backend, PASSKEY_CRED_PROTECT } from '../../../src-main/fido/client/ctap2-backend'
import { startOperation } from '../../../src-main/fido/client/operation'
import {
  encodeAuthenticatorData,
  es256CoseKey,
} from '../../../src-main/fido/protocol/authenticator-data'
import type { CborKey, CborValue } from '../../../src-main/fido/protocol/cbor'
import type {
  AuthenticatorInfo,
  Ctap2,
  MakeCredentialRequest,
} from '../../../src-main/fido/protocol/ctap2'
import { AUTH_DATA_FLAG, CRED_PROTECT } from '../../../src-main/fido/protocol/ctap2-constants'

function point(): Uint8Array {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
  return new Uint8Array([
    0x04,
    ...Buffer.from(jwk.x ?? '', 'base64url'),
    ...Buffer.from(jwk.y ?? '', 'base64url'),
  ])
}

/** A key that answers makeCredential with the credProtect output given (undefined: none). */
function scriptedKey(options: { lists: boolean; answers: number | undefined }) {
  const requests: MakeCredentialRequest[] = []
  const info: AuthenticatorInfo = {
    versions: ['FIDO_2_0', 'FIDO_2_1'],
    extensions: options.lists ? ['credProtect'] : [],
    aaguid: new Uint8Array(16),
    options: { rk: true, up: true },
    maxMsgSize: 1200,
    pinUvAuthProtocols: [2, 1],
    transports: ['usb'],
  }
  const session = {
    async makeCredential(request: MakeCredentialRequest) {
      requests.push(request)
      const extensions =
        options.answers === undefined
          ? undefined
          : new Map<CborKey, CborValue>([['credProtect', options.answers]])
      const authData = encodeAuthenticatorData({
        rpIdHash: new Uint8Array(32),
        flags: AUTH_DATA_FLAG.UP | AUTH_DATA_FLAG.AT | (extensions ? AUTH_DATA_FLAG.ED : 0),
        signCount: 1,
        attestedCredentialData: {
          aaguid: new Uint8Array(16),
          credentialId: new Uint8Array(32).fill(9),
          credentialPublicKey: es256CoseKey(point()),
        },
        ...(extensions ? { extensions } : {}),
      })
      return { fmt: 'none', authData, attStmt: new Map<CborKey, CborValue>() }
    },
  } as unknown as Ctap2
  return { backend: new Ctap2Backend({ session, info }), requests }
}

function register(backend: Ctap2Backend, residentKey: boolean) {
  return backend.makeCredential(
    {
      clientDataJSON: new TextEncoder().encode('{}'),
      rp: { id: 'guichet', name: 'Guichet' },
      user: { id: new Uint8Array(16), name: 'alice', displayName: 'Alice' },
      excludeIds: [],
      residentKey,
      userVerification: false,
    },
    startOperation({ timeoutMs: 5_000 }),
  )
}

describe('credProtect on passkeys (CTAP 2.1 §12.1)', () => {
  it('asks a key that lists it for userVerificationOptionalWithCredentialIDList, and accepts that answer', async () => {
    expect(PASSKEY_CRED_PROTECT).toBe(
      CRED_PROTECT.USER_VERIFICATION_OPTIONAL_WITH_CREDENTIAL_ID_LIST,
    )
    const { backend, requests } = scriptedKey({ lists: true, answers: PASSKEY_CRED_PROTECT })
    const made = await register(backend, true)
    expect(made.id).toBe(Buffer.from(new Uint8Array(32).fill(9)).toString('base64url'))
    expect([...(requests[0]?.extensions ?? [])]).toEqual([['credProtect', 2]])
  })

  it.each([
    ['no extension output', undefined],
    ['a lower level (userVerificationOptional)', CRED_PROTECT.USER_VERIFICATION_OPTIONAL],
  ])('refuses a passkey the key did not protect: %s', async (_what, answers) => {
    const { backend } = scriptedKey({ lists: true, answers })
    await expect(register(backend, true)).rejects.toMatchObject({ code: 'FIDO_DEVICE_ERROR' })
  })

  it('sends no extension to a key that does not list it, nor for a credential that is not a passkey', async () => {
    const unlisted = scriptedKey({ lists: false, answers: undefined })
    await register(unlisted.backend, true)
    expect(unlisted.requests[0]?.extensions).toBeUndefined()
    const secondFactor = scriptedKey({ lists: true, answers: undefined })
    await register(secondFactor.backend, false)
    expect(secondFactor.requests[0]?.extensions).toBeUndefined()
  })
})
