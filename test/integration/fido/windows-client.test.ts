/**
 * The Windows back end (src-main/fido/windows) against the webauthn.dll stand-in, built here
 * with gcc and loaded through the same koffi code as webauthn.dll. The stand-in records every
 * field it is given (read by the struct version, as the DLL does) and answers with what the
 * project's software key produced; the answers are checked as the engine checks them
 * (@simplewebauthn/server, src-main/engine/webauthn.ts).
 *
 * Struct versions follow webauthn.h (github.com/microsoft/webauthn): API version 1 →
 * MAKE_CREDENTIAL_OPTIONS v3 / GET_ASSERTION_OPTIONS v4, 2 → + credProtect, 3 → v4 / v5,
 * 4 and later → v5 / v6.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { verifyKeyAssertion, verifyNewKey } from '../../../src-main/engine/webauthn'
import { fromBase64Url, toBase64Url, toHex } from '../../../src-main/fido/protocol/bytes'
import type { FidoError, KeyStatus } from '../../../src-main/fido/client/client'
import { VirtualKey } from '../../../src-main/fido/virtual-key/key'
import { HRESULT, fidoErrorCodeForHresult } from '../../../src-main/fido/windows/hresult'
import { createKeyClientFromConfig } from '../../../src-main/fido/windows/key-client-config'
import { createWindowsKeyClient } from '../../../src-main/fido/windows/windows-client'
import type { KeyRecord } from '../../../src-main/store/types'
import {
  Standin,
  clientDataOf,
  serveWithKey,
  type StandinRequest,
} from '../../support/webauthn-standin'

const ORIGIN = 'app://guichet'
const RP = { id: 'guichet', name: 'Mairie de Test' }
const PIN = '4242'
/** What BrowserWindow.getNativeWindowHandle() returns: the HWND, little-endian. */
const HWND = Buffer.from([0x34, 0x12, 0, 0, 0, 0, 0, 0])

let standin: Standin

beforeAll(() => {
  standin = Standin.build()
})
afterAll(() => standin.remove())

function challenge(): Uint8Array {
  return new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff)
}

function client(
  options: { deadlineGraceMs?: number } = {},
): ReturnType<typeof createWindowsKeyClient> {
  return createWindowsKeyClient({
    origin: ORIGIN,
    libraryPath: standin.path,
    windowHandle: () => HWND,
    ...options,
  })
}

function user(id = 'user-one'): { id: Uint8Array; name: string; displayName: string } {
  return { id: new TextEncoder().encode(id), name: 'alice@mairie.fr', displayName: 'Alice Martin' }
}

async function rejection(promise: Promise<unknown>): Promise<FidoError> {
  try {
    await promise
  } catch (error) {
    return error as FidoError
  }
  throw new Error('expected a rejection')
}

function keyRecord(credentialID: string, publicKey: Uint8Array, signCount: number): KeyRecord {
  return {
    id: 'k1',
    userId: 1,
    credentialID,
    publicKey,
    signCount,
    aaguid: '',
    fmt: 'packed',
    discoverable: false,
    name: 'Clé',
    createdAt: 0,
    lastUsedAt: null,
  } as unknown as KeyRecord
}

describe.each([1, 2, 3, 4, 5])('webauthn.dll API version %i', (apiVersion) => {
  const makeVersion = apiVersion >= 4 ? 5 : apiVersion === 3 ? 4 : 3
  const getVersion = apiVersion >= 4 ? 6 : apiVersion === 3 ? 5 : 4
  beforeEach(() => standin.reset(apiVersion))

  it(`registers (MAKE_CREDENTIAL_OPTIONS v${makeVersion}), then signs in with the allow list (GET_ASSERTION_OPTIONS v${getVersion}); answers are freed once`, async () => {
    const key = new VirtualKey({ userPresence: 'approve' })
    const c = client()
    const statuses: KeyStatus[] = []
    const excluded = toBase64Url(new Uint8Array(32).fill(9))
    const registering = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user(),
      excludeCredentialIDs: [excluded],
      residentKey: false,
      userVerification: false,
      timeoutMs: 30_000,
      onStatus: (s) => statuses.push(s),
    })
    const made = await serveWithKey(standin, key, { attestationVersion: Math.min(apiVersion, 4) })
    const registration = await registering
    expect(statuses).toEqual(['platform'])
    expect(made.violations).toEqual([])
    expect(made.hWnd).toBe(String(0x1234))
    expect(made.rp).toEqual({ dwVersion: 1, id: 'guichet', name: 'Mairie de Test', icon: null })
    expect(made.user).toEqual({
      dwVersion: 1,
      id: toHex(user().id),
      name: 'alice@mairie.fr',
      displayName: 'Alice Martin',
      icon: null,
    })
    expect(made.pubKeyCredParams).toEqual([
      { dwVersion: 1, type: 'public-key', alg: -7 },
      { dwVersion: 1, type: 'public-key', alg: -8 },
      { dwVersion: 1, type: 'public-key', alg: -257 },
    ])
    // Our client data (WebAuthn §5.8.1): our origin and challenge are what the key signs.
    expect(made.clientData).toMatchObject({ dwVersion: 1, hashAlg: 'SHA-256' })
    expect(clientDataOf(made)).toEqual({
      type: 'webauthn.create',
      challenge: toBase64Url(challenge()),
      origin: ORIGIN,
      crossOrigin: false,
    })
    expect(made.options).toMatchObject({
      dwVersion: makeVersion,
      dwTimeoutMilliseconds: 30_000,
      dwAuthenticatorAttachment: 2, // cross-platform: security keys only
      bRequireResidentKey: 0,
      dwUserVerificationRequirement: 3, // discouraged
      dwAttestationConveyancePreference: 3, // direct: the AAGUID rules apply as with HID
      dwFlags: 0,
      CredentialList: [],
      Extensions: [],
      pCancellationId: expect.stringMatching(/^[0-9a-f]{32}$/),
      pExcludeCredentialList: [
        { dwVersion: 1, id: toHex(fromBase64Url(excluded)), type: 'public-key', dwTransports: 0 },
      ],
    })
    if (makeVersion >= 4) {
      expect(made.options).toMatchObject({
        dwEnterpriseAttestation: 0,
        dwLargeBlobSupport: 0,
        bPreferResidentKey: 0,
      })
    } else {
      expect(made.options).not.toHaveProperty('bPreferResidentKey')
    }
    expect(made.options['bBrowserInPrivateMode']).toBe(makeVersion >= 5 ? 0 : undefined)

    const verified = await verifyNewKey(registration, {
      rpId: RP.id,
      origin: ORIGIN,
      challenge: toBase64Url(challenge()),
      requireUserVerification: false,
    })
    expect(verified?.fmt).toBe('packed')
    expect(registration.response.transports).toEqual(['usb'])

    const signing = c.getAssertion({
      challenge: challenge(),
      rpId: RP.id,
      allowCredentialIDs: [excluded, registration.id],
      userVerification: false,
    })
    const got = await serveWithKey(standin, key, { assertionVersion: Math.min(apiVersion, 3) })
    const assertion = await signing
    expect(got.violations).toEqual([])
    expect(got.rpId).toBe('guichet')
    expect(clientDataOf(got)).toMatchObject({ type: 'webauthn.get', origin: ORIGIN })
    expect(got.options).toMatchObject({
      dwVersion: getVersion,
      dwTimeoutMilliseconds: 30_000,
      dwAuthenticatorAttachment: 2,
      dwUserVerificationRequirement: 3,
      dwFlags: 0,
      CredentialList: [],
      Extensions: [],
      pwszU2fAppId: null,
      pbU2fAppId: null,
      pCancellationId: expect.stringMatching(/^[0-9a-f]{32}$/),
      pAllowCredentialList: [
        { dwVersion: 1, id: toHex(fromBase64Url(excluded)), type: 'public-key', dwTransports: 0 },
        {
          dwVersion: 1,
          id: toHex(fromBase64Url(registration.id)),
          type: 'public-key',
          dwTransports: 0,
        },
      ],
    })
    // the fields a struct version adds are sent as zero, and only from that version on
    expect(Object.hasOwn(got.options, 'dwCredLargeBlobOperation')).toBe(getVersion >= 5)
    expect(Object.hasOwn(got.options, 'pHmacSecretSaltValues')).toBe(getVersion >= 6)
    expect(got.options).toMatchObject({
      ...(getVersion >= 5 ? { dwCredLargeBlobOperation: 0 } : {}),
      ...(getVersion >= 6 ? { pHmacSecretSaltValues: null } : {}),
    })
    expect(assertion.id).toBe(registration.id)
    const check = await verifyKeyAssertion(
      assertion,
      keyRecord(verified?.credentialID ?? '', verified?.publicKey ?? new Uint8Array(0), 0),
      {
        rpId: RP.id,
        origin: ORIGIN,
        challenge: toBase64Url(challenge()),
        requireUserVerification: false,
      },
    )
    expect(check).toMatchObject({ ok: true, userVerified: false })
    expect(standin.counters()).toMatchObject({
      attestationsAllocated: 1,
      attestationsFreed: 1,
      assertionsAllocated: 1,
      assertionsFreed: 1,
      badFrees: 0,
      nullFrees: 0,
      cancelCalls: 0,
      operations: 2,
    })
    await c.close()
  })

  it(`registers a passkey (resident key, user verification required${apiVersion >= 2 ? ', credProtect' : ''}) and signs in without a password`, async () => {
    const key = new VirtualKey({ userPresence: 'approve', pin: PIN })
    const c = client()
    const registering = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user('user-two'),
      excludeCredentialIDs: [],
      residentKey: true,
      userVerification: true,
      // Windows asks for the PIN in its own dialog: this one is not used.
      pin: 'not-sent',
    })
    const made = await serveWithKey(standin, key, { pin: PIN })
    const registration = await registering
    expect(made.violations).toEqual([])
    expect(made.options).toMatchObject({
      bRequireResidentKey: 1,
      dwUserVerificationRequirement: 1, // required
      pExcludeCredentialList: [],
      Extensions:
        apiVersion >= 2
          ? // CTAP 2.1 §12.1 credProtect level 2: userVerificationOptionalWithCredentialIDList
            [{ id: 'credProtect', cb: 8, dwCredProtect: 2, bRequireCredProtect: 0 }]
          : [],
    })
    expect(JSON.stringify(made)).not.toContain(toHex(new TextEncoder().encode('not-sent')))
    const verified = await verifyNewKey(registration, {
      rpId: RP.id,
      origin: ORIGIN,
      challenge: toBase64Url(challenge()),
      requireUserVerification: true,
    })
    expect(verified).toBeDefined()

    const signing = c.getAssertion({
      challenge: challenge(),
      rpId: RP.id,
      allowCredentialIDs: [],
      userVerification: true,
    })
    const got = await serveWithKey(standin, key, { pin: PIN })
    const assertion = await signing
    expect(got.options).toMatchObject({
      dwUserVerificationRequirement: 1,
      pAllowCredentialList: [],
    })
    expect(assertion.response.userHandle).toBe(toBase64Url(user('user-two').id))
    const check = await verifyKeyAssertion(
      assertion,
      keyRecord(verified?.credentialID ?? '', verified?.publicKey ?? new Uint8Array(0), 0),
      {
        rpId: RP.id,
        origin: ORIGIN,
        challenge: toBase64Url(challenge()),
        requireUserVerification: true,
      },
    )
    expect(check).toMatchObject({ ok: true, userVerified: true })
    await c.close()
  })
})

describe('errors of webauthn.dll', () => {
  beforeEach(() => standin.reset(4))

  // webauthn.h, WebAuthNGetErrorName: InvalidStateError, NotAllowedError, NotSupportedError,
  // ConstraintError, UnknownError.
  const cases: [string, number, string][] = [
    ['NTE_EXISTS (already registered)', HRESULT.NTE_EXISTS, 'FIDO_CREDENTIAL_EXCLUDED'],
    ['NTE_NOT_FOUND (no credentials)', HRESULT.NTE_NOT_FOUND, 'FIDO_NO_CREDENTIALS'],
    ['NTE_DEVICE_NOT_FOUND', HRESULT.NTE_DEVICE_NOT_FOUND, 'FIDO_NO_DEVICE'],
    ['NTE_USER_CANCELLED (dialog closed)', HRESULT.NTE_USER_CANCELLED, 'FIDO_CANCELLED'],
    ['ERROR_CANCELLED', HRESULT.ERROR_CANCELLED, 'FIDO_CANCELLED'],
    ['ERROR_TIMEOUT', HRESULT.ERROR_TIMEOUT, 'FIDO_TIMEOUT'],
    ['NTE_INVALID_PARAMETER (not supported)', HRESULT.NTE_INVALID_PARAMETER, 'FIDO_DEVICE_ERROR'],
    ['NTE_NOT_SUPPORTED (constraint)', HRESULT.NTE_NOT_SUPPORTED, 'FIDO_DEVICE_ERROR'],
    ['ERROR_NOT_SUPPORTED (constraint)', HRESULT.ERROR_NOT_SUPPORTED, 'FIDO_DEVICE_ERROR'],
    ['NTE_TOKEN_KEYSET_STORAGE_FULL', HRESULT.NTE_TOKEN_KEYSET_STORAGE_FULL, 'FIDO_DEVICE_ERROR'],
    ['E_INVALIDARG', HRESULT.E_INVALIDARG, 'FIDO_DEVICE_ERROR'],
    ['an unknown HRESULT', 0x80004005, 'FIDO_DEVICE_ERROR'],
  ]

  it.each(cases)('%s → %s in makeCredential and getAssertion', async (_, hr, code) => {
    const c = client()
    for (const operation of ['makeCredential', 'getAssertion'] as const) {
      const pending =
        operation === 'makeCredential'
          ? c.makeCredential({
              challenge: challenge(),
              rp: RP,
              user: user(),
              excludeCredentialIDs: [],
              residentKey: false,
              userVerification: false,
            })
          : c.getAssertion({
              challenge: challenge(),
              rpId: RP.id,
              allowCredentialIDs: [],
              userVerification: true,
            })
      const request = await standin.nextRequest()
      expect(request.op).toBe(operation)
      expect(standin.respondError(hr)).toBe(true)
      const error = await rejection(pending)
      expect(error.name).toBe('FidoError')
      expect(error.code).toBe(code)
      // the HRESULT and its name (WebAuthNGetErrorName) are in the message, for the logs
      expect(error.message).toContain(`0x${(hr >>> 0).toString(16).padStart(8, '0')}`)
    }
    // nothing was allocated, so nothing is freed (no free of NULL either)
    expect(standin.counters()).toMatchObject({
      attestationsAllocated: 0,
      attestationsFreed: 0,
      assertionsAllocated: 0,
      assertionsFreed: 0,
      nullFrees: 0,
      badFrees: 0,
    })
    await c.close()
  })

  it('an answer it cannot read is a device error, and is still freed once', async () => {
    const c = client()
    const pending = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user(),
      excludeCredentialIDs: [],
      residentKey: false,
      userVerification: false,
    })
    await standin.nextRequest()
    standin.respondAttestation({
      version: 4,
      fmt: 'packed',
      authData: new Uint8Array(37),
      attestationObject: Uint8Array.of(0xff, 0x00),
      credentialId: new Uint8Array(16),
      usedTransport: 1,
    })
    expect((await rejection(pending)).code).toBe('FIDO_DEVICE_ERROR')
    expect(standin.counters()).toMatchObject({
      attestationsAllocated: 1,
      attestationsFreed: 1,
      badFrees: 0,
    })
    await c.close()
  })

  it('the stand-in checks struct versions: options v5 sent to API version 1 are refused', async () => {
    const c = client()
    expect(await c.apiVersion()).toBe(4) // read once, when the DLL is loaded
    standin.reset(1)
    const pending = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user(),
      excludeCredentialIDs: [],
      residentKey: false,
      userVerification: false,
    })
    const failed = rejection(pending) // refused at once, before the request is read
    const request = await standin.nextRequest()
    expect(request.violations).toEqual(['MAKE_CREDENTIAL_OPTIONS.dwVersion'])
    const error = await failed
    expect(error.code).toBe('FIDO_DEVICE_ERROR')
    expect(error.message).toContain('0x80070057')
    await c.close()
  })

  it('names the error with WebAuthNGetErrorName', async () => {
    const c = client()
    const pending = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user(),
      excludeCredentialIDs: [],
      residentKey: false,
      userVerification: false,
    })
    await standin.nextRequest()
    standin.respondError(HRESULT.NTE_EXISTS)
    expect((await rejection(pending)).message).toBe(
      'webauthn.dll makeCredential: 0x8009000f InvalidStateError',
    )
    await c.close()
  })

  it('a cancellation on our deadline is a timeout, one by the caller a cancel', () => {
    expect(fidoErrorCodeForHresult(HRESULT.ERROR_CANCELLED, 'deadline')).toBe('FIDO_TIMEOUT')
    expect(fidoErrorCodeForHresult(HRESULT.NTE_USER_CANCELLED, 'caller')).toBe('FIDO_CANCELLED')
  })
})

describe('cancel and time limits', () => {
  it('« Annuler » (the AbortSignal) ends the Windows dialog with WebAuthNCancelCurrentOperation and its GUID', async () => {
    standin.reset(4)
    const c = client()
    const controller = new AbortController()
    const pending = c.getAssertion({
      challenge: challenge(),
      rpId: RP.id,
      allowCredentialIDs: [],
      userVerification: true,
      signal: controller.signal,
    })
    const request = await standin.nextRequest()
    expect(request.options.pCancellationId).toMatch(/^[0-9a-f]{32}$/)
    controller.abort()
    expect((await rejection(pending)).code).toBe('FIDO_CANCELLED')
    expect(standin.counters()).toMatchObject({
      cancelCalls: 1,
      cancelUnknown: 0,
      cancellationIds: 1,
      assertionsAllocated: 0,
      pending: 0,
    })
    await c.close()
  })

  it('« Annuler » as the operation starts: the cancel is asked again until the DLL knows the operation', async () => {
    standin.reset(4)
    standin.delayStart(150)
    const c = client()
    const controller = new AbortController()
    const failed = rejection(
      c.getAssertion({
        challenge: challenge(),
        rpId: RP.id,
        allowCredentialIDs: [],
        userVerification: true,
        signal: controller.signal,
        // the status comes right before the call into the DLL
        onStatus: (status) => {
          if (status === 'platform') controller.abort()
        },
      }),
    )
    expect((await failed).code).toBe('FIDO_CANCELLED')
    const counters = standin.counters()
    expect(counters.cancelUnknown).toBeGreaterThanOrEqual(1)
    expect(counters.cancelCalls).toBe(counters.cancelUnknown + 1)
    expect(counters).toMatchObject({ operations: 1, pending: 0, assertionsAllocated: 0 })
    await c.close()
  })

  it('an operation already cancelled does not reach the DLL', async () => {
    standin.reset(4)
    const c = client()
    const controller = new AbortController()
    controller.abort()
    const error = await rejection(
      c.getAssertion({
        challenge: challenge(),
        rpId: RP.id,
        allowCredentialIDs: [],
        userVerification: true,
        signal: controller.signal,
      }),
    )
    expect(error.code).toBe('FIDO_CANCELLED')
    expect(standin.counters().operations).toBe(0)
    await c.close()
  })

  it('gives Windows the time limit (dwTimeoutMilliseconds); its ERROR_TIMEOUT is FIDO_TIMEOUT', async () => {
    standin.reset(4)
    const c = client()
    // Handled from the start: the time limit may pass before the request is read.
    const failed = rejection(
      c.makeCredential({
        challenge: challenge(),
        rp: RP,
        user: user(),
        excludeCredentialIDs: [],
        residentKey: false,
        userVerification: false,
        timeoutMs: 150,
      }),
    )
    const request = await standin.nextRequest()
    expect(request.options['dwTimeoutMilliseconds']).toBe(150)
    expect((await failed).code).toBe('FIDO_TIMEOUT')
    expect(standin.counters()).toMatchObject({ cancelCalls: 0 })
    await c.close()
  })

  it('cancels itself when Windows overruns the time limit, and reports a timeout', async () => {
    standin.reset(4, { ignoreTimeouts: true })
    const c = client({ deadlineGraceMs: 100 })
    // Handled from the start: the time limit may pass before the request is read.
    const failed = rejection(
      c.makeCredential({
        challenge: challenge(),
        rp: RP,
        user: user(),
        excludeCredentialIDs: [],
        residentKey: false,
        userVerification: false,
        timeoutMs: 100,
      }),
    )
    await standin.nextRequest()
    expect((await failed).code).toBe('FIDO_TIMEOUT')
    expect(standin.counters()).toMatchObject({ cancelCalls: 1, cancelUnknown: 0 })
    await c.close()
  })

  it('runs one operation at a time: a second waits until the first has returned', async () => {
    standin.reset(4)
    const key = new VirtualKey({ userPresence: 'approve' })
    const c = client()
    const first = new AbortController()
    const one = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user(),
      excludeCredentialIDs: [],
      residentKey: false,
      userVerification: false,
      signal: first.signal,
    })
    await standin.nextRequest()
    const two = c.makeCredential({
      challenge: challenge(),
      rp: RP,
      user: user(),
      excludeCredentialIDs: [],
      residentKey: false,
      userVerification: false,
    })
    first.abort()
    expect((await rejection(one)).code).toBe('FIDO_CANCELLED')
    const served: StandinRequest = await serveWithKey(standin, key)
    expect(served.op).toBe('makeCredential')
    expect((await two).type).toBe('public-key')
    await c.close()
  })
})

describe('fido.transport selection', () => {
  it('"auto" on Windows drives webauthn.dll, with the kiosk window handle', async () => {
    standin.reset(4)
    const c = createKeyClientFromConfig(
      { transport: 'auto', origin: ORIGIN },
      {
        platform: 'win32',
        libraryPath: standin.path,
        windowHandle: () => Buffer.from([0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0]),
      },
    )
    const pending = c.getAssertion({
      challenge: challenge(),
      rpId: RP.id,
      allowCredentialIDs: [],
      userVerification: true,
    })
    const request = await standin.nextRequest()
    expect(request).toMatchObject({ op: 'getAssertion', hWnd: String(0x12345678) })
    standin.respondError(HRESULT.NTE_NOT_FOUND)
    expect((await rejection(pending)).code).toBe('FIDO_NO_CREDENTIALS')
    await c.close()
  })
})

describe('loading webauthn.dll', () => {
  it('reports a missing library as a device error', async () => {
    const c = createWindowsKeyClient({ origin: ORIGIN, libraryPath: '/nonexistent/webauthn.dll' })
    const error = await rejection(
      c.getAssertion({
        challenge: challenge(),
        rpId: RP.id,
        allowCredentialIDs: [],
        userVerification: true,
      }),
    )
    expect(error.code).toBe('FIDO_DEVICE_ERROR')
    expect(error.message).toContain('could not be loaded')
  })

  it('refuses an API version below 1 without calling the DLL', async () => {
    standin.reset(0)
    const c = client()
    const error = await rejection(
      c.getAssertion({
        challenge: challenge(),
        rpId: RP.id,
        allowCredentialIDs: [],
        userVerification: true,
      }),
    )
    expect(error.code).toBe('FIDO_DEVICE_ERROR')
    expect(standin.counters().operations).toBe(0)
  })

  it('reads the API version of the DLL', async () => {
    standin.reset(3)
    const c = client()
    expect(await c.apiVersion()).toBe(3)
    await c.close()
  })
})
