/**
 * The engine's security-key flows through the Windows back end (src-main/fido/windows), with
 * the webauthn.dll stand-in built by the tests (test/fixtures/webauthn-standin) playing the
 * DLL and the project's software key behind it: registration, key sign-in after the password,
 * passkey registration and passwordless sign-in with the PIN typed in "the Windows dialog",
 * the exclude list, the AAGUID rule, and « Annuler ».
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SettingsService } from '@simplewebauthn/server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../src-main/fido/protocol/bytes'
import { VirtualKey } from '../../src-main/fido/virtual-key/key'
import { createVirtualKeyState } from '../../src-main/fido/virtual-key/state'
import { createWindowsKeyClient } from '../../src-main/fido/windows/windows-client'
import type { ConfigInput } from '../../src-main/config'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'
import { keyModel, metadataService } from '../support/fido-metadata'
import { Standin, clientDataOf, serveWithKey } from '../support/webauthn-standin'

const EMAIL = 'alice.martin@mairie.fr'
const ORIGIN = 'app://guichet'
const PIN = '4242'

let standin: Standin

beforeAll(() => {
  standin = Standin.build()
})
afterAll(() => standin.remove())

interface WindowsBed {
  bed: TestBed
  key: VirtualKey
  statuses: string[]
}

async function windowsBed(
  options: { pin?: string; config?: Partial<ConfigInput> } = {},
): Promise<WindowsBed> {
  standin.reset(4)
  const key = new VirtualKey({ pin: options.pin, userPresence: 'approve' })
  const statuses: string[] = []
  const bed = await startBed(options.config ?? {}, {
    keyClient: createWindowsKeyClient({
      origin: ORIGIN,
      libraryPath: standin.path,
      windowHandle: () => Buffer.from([0x2a, 0, 0, 0, 0, 0, 0, 0]),
    }),
    emit: (event, payload) => {
      if (event === 'keyStatus') statuses.push((payload as { status: string }).status)
    },
  })
  await addUser(bed.store, EMAIL)
  return { bed, key, statuses }
}

async function signInByMail(bed: TestBed): Promise<void> {
  value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
}

describe('security keys through webauthn.dll', () => {
  let wb: WindowsBed | undefined
  afterEach(async () => {
    await wb?.bed.close()
    wb = undefined
  })

  it('registers a key, refuses it twice (exclude list), then signs in with it after the password', async () => {
    wb = await windowsBed()
    const { bed, key, statuses } = wb
    await signInByMail(bed)
    const [factors, made] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé bleue' }),
      serveWithKey(standin, key),
    ])
    expect(value(factors).keys).toEqual([
      { id: expect.any(String), name: 'Clé bleue', createdAt: bed.clock.t, lastUsedAt: null },
    ])
    expect(statuses).toEqual(['platform'])
    expect(made.hWnd).toBe('42')
    expect(clientDataOf(made)).toMatchObject({ type: 'webauthn.create', origin: ORIGIN })
    const stored = await bed.store.keys.listByUser(1)
    expect(stored).toHaveLength(1)

    // The same key again: Windows is given the exclude list, the key answers
    // CTAP2_ERR_CREDENTIAL_EXCLUDED, Windows NTE_EXISTS.
    const [again, excluded] = await Promise.all([
      bed.engine.registerKey({ name: 'Encore' }),
      serveWithKey(standin, key),
    ])
    expect(again).toEqual({ ok: false, error: { code: 'FIDO_CREDENTIAL_EXCLUDED' } })
    expect(excluded.options.pExcludeCredentialList).toEqual([
      {
        dwVersion: 1,
        id: toHex(Buffer.from(stored[0]?.credentialID ?? '', 'base64url')),
        type: 'public-key',
        dwTransports: 0,
      },
    ])

    value(await bed.engine.signOut({}))
    const step = value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(step).toMatchObject({ factor: 'key', hasKey: true })
    const [session, got] = await Promise.all([
      bed.engine.signInWithKey({}),
      serveWithKey(standin, key),
    ])
    expect(value(session)).toMatchObject({ email: EMAIL, factor: 'key' })
    expect(got.options).toMatchObject({ dwUserVerificationRequirement: 3 })
    expect(got.options.pAllowCredentialList).toHaveLength(1)
    expect((await bed.store.keys.listByUser(1))[0]?.signCount).toBeGreaterThan(0)
    expect(standin.counters()).toMatchObject({
      attestationsAllocated: 1,
      attestationsFreed: 1,
      assertionsAllocated: 1,
      assertionsFreed: 1,
      badFrees: 0,
    })
  })

  it('registers a passkey with the PIN typed in the Windows dialog, then signs in without a password', async () => {
    wb = await windowsBed({ pin: PIN })
    const { bed, key } = wb
    await signInByMail(bed)
    const [factors, made] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé PIN', pin: PIN }),
      serveWithKey(standin, key, { pin: PIN }),
    ])
    value(factors)
    expect(made.options).toMatchObject({
      bRequireResidentKey: 1,
      dwUserVerificationRequirement: 1,
      Extensions: [{ id: 'credProtect', cb: 8, dwCredProtect: 2, bRequireCredProtect: 0 }],
    })
    expect(key.listCredentials()).toEqual([expect.objectContaining({ discoverable: true })])
    value(await bed.engine.signOut({}))

    const [session, got] = await Promise.all([
      bed.engine.signInPasswordless({ pin: PIN }),
      serveWithKey(standin, key, { pin: PIN }),
    ])
    expect(value(session)).toMatchObject({ email: EMAIL, factor: 'key' })
    expect(got.options).toMatchObject({
      dwUserVerificationRequirement: 1,
      pAllowCredentialList: [],
    })
  })

  it('the platform takes the PIN: getStatus says so; a passkey without the kiosk’s PIN (resident key, UV required, credProtect), then passwordless without it', async () => {
    wb = await windowsBed({ pin: PIN })
    const { bed, key, statuses } = wb
    expect(value(await bed.engine.getStatus({})).keyPinEntry).toBe('platform')
    await signInByMail(bed)
    // the clerk types the PIN in the Windows dialog: serveWithKey plays it
    const [factors, made] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé passkey', passkey: true }),
      serveWithKey(standin, key, { pin: PIN }),
    ])
    value(factors)
    expect(made.violations).toEqual([])
    expect(made.options).toMatchObject({
      bRequireResidentKey: 1,
      dwUserVerificationRequirement: 1,
      Extensions: [{ id: 'credProtect', cb: 8, dwCredProtect: 2, bRequireCredProtect: 0 }],
    })
    expect(statuses).toEqual(['platform'])
    expect(key.listCredentials()).toEqual([expect.objectContaining({ discoverable: true })])
    expect((await bed.store.keys.listByUser(1))[0]?.discoverable).toBe(true)
    value(await bed.engine.signOut({}))

    const [session, got] = await Promise.all([
      bed.engine.signInPasswordless({}),
      serveWithKey(standin, key, { pin: PIN }),
    ])
    expect(value(session)).toMatchObject({ email: EMAIL, factor: 'key' })
    expect(got.options).toMatchObject({
      dwUserVerificationRequirement: 1,
      pAllowCredentialList: [],
    })
    expect(statuses).toEqual(['platform', 'platform'])
  })

  it('the platform takes the PIN: the engine requires user verification in what Windows returns', async () => {
    wb = await windowsBed()
    const { bed, key } = wb
    await signInByMail(bed)
    // a "Windows" that skips the verification it was asked for: the passkey is not stored
    const [unverified, asked] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé', passkey: true }),
      serveWithKey(standin, key, { skipUserVerification: true }),
    ])
    expect(asked.options).toMatchObject({ dwUserVerificationRequirement: 1 })
    expect(unverified).toEqual({ ok: false, error: { code: 'FIDO_KEY_REFUSED' } })
    expect(await bed.store.keys.listByUser(1)).toEqual([])

    // a passkey registered under verification (a key with a PIN)…
    const withPin = new VirtualKey({ pin: PIN, userPresence: 'approve' })
    const [made] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé', passkey: true }),
      serveWithKey(standin, withPin, { pin: PIN }),
    ])
    value(made)
    value(await bed.engine.signOut({}))
    // …signs nobody in without a password when the answer lacks the UV flag
    const [refused, passwordless] = await Promise.all([
      bed.engine.signInPasswordless({}),
      serveWithKey(standin, withPin, { skipUserVerification: true }),
    ])
    expect(passwordless.options).toMatchObject({ dwUserVerificationRequirement: 1 })
    expect(refused).toEqual({ ok: false, error: { code: 'FIDO_KEY_REFUSED' } })
    expect(value(await bed.engine.getStatus({})).session).toBeNull()
    // and with it, it does
    const [session] = await Promise.all([
      bed.engine.signInPasswordless({}),
      serveWithKey(standin, withPin, { pin: PIN }),
    ])
    expect(value(session)).toMatchObject({ email: EMAIL, factor: 'key' })
  })

  it('the platform takes the PIN: a PIN sent by an older screen is not handed on, the platform is asked to verify instead', async () => {
    wb = await windowsBed({ pin: PIN })
    const { bed, key } = wb
    await signInByMail(bed)
    const [made] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé' }),
      serveWithKey(standin, key),
    ])
    value(made)
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const [refused, asked] = await Promise.all([
      bed.engine.signInWithKey({ pin: PIN }),
      serveWithKey(standin, key, { skipUserVerification: true }),
    ])
    expect(asked.options).toMatchObject({ dwUserVerificationRequirement: 1 })
    expect(refused).toEqual({ ok: false, error: { code: 'FIDO_KEY_REFUSED' } })
    const [session] = await Promise.all([
      bed.engine.signInWithKey({ pin: PIN }),
      serveWithKey(standin, key, { pin: PIN }),
    ])
    expect(value(session)).toMatchObject({ email: EMAIL, factor: 'key' })
  })

  it('a key that holds no credential here: Windows says NTE_NOT_FOUND, the kiosk FIDO_NO_CREDENTIALS', async () => {
    wb = await windowsBed({ pin: PIN })
    const { bed, key } = wb
    const [result] = await Promise.all([
      bed.engine.signInPasswordless({ pin: PIN }),
      serveWithKey(standin, key, { pin: PIN }),
    ])
    expect(result).toEqual({ ok: false, error: { code: 'FIDO_NO_CREDENTIALS' } })
  })

  it('applies the trusted-model rule of the HID back end (allowedAaguids + metadataFile)', async () => {
    const mds = await metadataService()
    const model = await keyModel('2fc0579f-8113-47ea-b116-bb5a8db9202a')
    SettingsService.setRootCertificates({ identifier: 'mds', certificates: [mds.rootPem] })
    const metadataFile = join(await mkdtemp(join(tmpdir(), 'guichet-mds-')), 'blob.jwt')
    await writeFile(metadataFile, await mds.blob([{ model }]))
    wb = await windowsBed({
      config: { fido: { allowedAaguids: [model.aaguid], metadataFile } },
    })
    const { bed } = wb
    await signInByMail(bed)
    // a software key claims the model's AAGUID but attests itself: refused
    const claimed = createVirtualKeyState()
    claimed.aaguid = model.aaguidBytes
    const key = new VirtualKey({ userPresence: 'approve', state: claimed })
    const [refused] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé inconnue' }),
      serveWithKey(standin, key),
    ])
    expect(refused).toEqual({ ok: false, error: { code: 'FIDO_KEY_NOT_ALLOWED' } })
    expect(await bed.store.keys.listByUser(1)).toEqual([])
    // a key of the model, attesting with the vendor's certificate: registered
    const state = createVirtualKeyState()
    state.aaguid = model.aaguidBytes
    const genuine = new VirtualKey({
      userPresence: 'approve',
      state,
      attestation: model.attestation,
    })
    standin.reset(4)
    const [added] = await Promise.all([
      bed.engine.registerKey({ name: 'Clé du modèle' }),
      serveWithKey(standin, genuine),
    ])
    expect(value(added).keys).toHaveLength(1)
  })

  it('« Annuler » (cancelKeyOperation) closes the Windows dialog', async () => {
    wb = await windowsBed()
    const { bed } = wb
    await signInByMail(bed)
    const registering = bed.engine.registerKey({ name: 'Clé' })
    await standin.nextRequest()
    value(await bed.engine.cancelKeyOperation({}))
    expect(await registering).toEqual({ ok: false, error: { code: 'FIDO_CANCELLED' } })
    expect(standin.counters()).toMatchObject({ cancelCalls: 1, cancelUnknown: 0 })
  })
})
