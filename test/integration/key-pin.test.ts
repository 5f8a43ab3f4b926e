/**
 * The key's own PIN through the engine and the real client stack (CTAPHID, CTAP2, PIN/UV auth
 * protocols) against the software key, in both of its modes: a CTAP 2.1 key (PIN protocol 2, or
 * 1 only) and a CTAP 2.0 key (`--ctap20`: protocol 1, getPinToken). « Choisir un code PIN pour
 * cette clé » is setPIN (CTAP 2.1 §6.5.5.5), « Changer le code PIN de ma clé » changePIN
 * (§6.5.5.6); new PINs follow §6.5.1 and the key's minPINLength (§6.4). Passkeys carry credProtect
 * (§12.1) where the key lists the extension.
 */

import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ConfigInput } from '../../src-main/config'
import {
  createKeyClient,
  createMemoryDeviceSource,
  FidoError,
  VirtualKey,
  type KeyClient,
  type MemoryDeviceSource,
} from '../../src-main/fido'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'

interface Mode {
  name: string
  options: { ctap20?: boolean; pinUvAuthProtocols?: (1 | 2)[] }
  protocol: 1 | 2
}

const MODES: Mode[] = [
  { name: 'CTAP 2.1 key, PIN protocol 2', options: {}, protocol: 2 },
  { name: 'CTAP 2.1 key, PIN protocol 1 only', options: { pinUvAuthProtocols: [1] }, protocol: 1 },
  { name: 'CTAP 2.0 key (getPinToken), PIN protocol 1', options: { ctap20: true }, protocol: 1 },
]

let bed: TestBed | undefined
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

async function kiosk(
  options: ConstructorParameters<typeof VirtualKey>[0] = {},
  kioskOptions: {
    config?: Partial<ConfigInput>
    /** What the engine is given instead of the whole client (a Windows-like or partial one). */
    seen?: (client: ReturnType<typeof createKeyClient>) => KeyClient
  } = {},
): Promise<{
  bed: TestBed
  key: VirtualKey
  source: MemoryDeviceSource
  client: ReturnType<typeof createKeyClient>
}> {
  const key = new VirtualKey({ userPresence: 'approve', ...options })
  const source = createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 })
  const client = createKeyClient({ origin: 'app://guichet', transport: source })
  const keyClient = kioskOptions.seen ? kioskOptions.seen(client) : client
  bed = await startBed(kioskOptions.config ?? {}, { keyClient })
  await addUser(bed.store, EMAIL)
  value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
  return { bed, key, source, client }
}

/** « Débranchez et rebranchez »: the key loses its PIN session (§6.5.5.1 power-up). */
function replug(k: { key: VirtualKey; source: MemoryDeviceSource }): void {
  k.source.unplug(k.key)
  k.source.plug(k.key)
}

function codeOf(r: { ok: boolean; error?: { code: string } }): string {
  return r.ok ? 'ok' : (r.error?.code ?? '?')
}

async function auditNeverHolds(b: TestBed, ...pins: string[]): Promise<void> {
  const text = JSON.stringify(await b.store.audit.list())
  for (const pin of pins) expect(text).not.toContain(pin)
}

describe.each(MODES)('key PIN set-up and change — $name', ({ options, protocol }) => {
  it('§6.5.5.5 setPIN: a key without a PIN gets one, then becomes a passkey for sign-in without a password', async () => {
    const k = await kiosk(options)
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'not-set', minPinLength: 4 })
    expect(value(await k.bed.engine.setKeyPin({ pin: '2468' }))).toEqual({
      pin: 'set',
      minPinLength: 4,
    })
    expect(k.key.hasPin).toBe(true)
    // the connection read before setPIN is not reused: the key is read again, with its PIN
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'set', minPinLength: 4 })
    value(await k.bed.engine.registerKey({ name: 'Clé neuve', pin: '2468' }))
    expect(k.key.listCredentials()).toEqual([expect.objectContaining({ discoverable: true })])
    value(await k.bed.engine.signOut({}))
    expect(value(await k.bed.engine.signInPasswordless({ pin: '2468' }))).toMatchObject({
      email: EMAIL,
      factor: 'key',
    })
    // §6.5.5.5: "If a PIN has already been set, authenticator returns PIN_AUTH_INVALID": said as such
    expect(codeOf(await k.bed.engine.setKeyPin({ pin: '1357' }))).toBe('FIDO_PIN_ALREADY_SET')
    const entries = await k.bed.store.audit.list()
    expect(entries).toContainEqual(
      expect.objectContaining({
        event: 'key-pin-set',
        outcome: 'ok',
        email: EMAIL,
        factor: 'key',
        detail: expect.stringContaining(`pin protocol ${protocol}`),
      }),
    )
    expect(entries).toContainEqual(
      expect.objectContaining({
        event: 'key-pin-set',
        outcome: 'fail',
        detail: 'FIDO_PIN_ALREADY_SET',
      }),
    )
    await auditNeverHolds(k.bed, '2468', '1357')
  })

  it('§6.5.5.6 changePIN: a wrong current PIN says the attempts left, 3 in a row need a replug, the new PIN then works', async () => {
    const k = await kiosk({ ...options, pin: '1111' })
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'set', minPinLength: 4 })
    expect(await k.bed.engine.changeKeyPin({ current: '0000', next: '5678' })).toEqual({
      ok: false,
      error: { code: 'FIDO_PIN_INVALID', params: { attemptsLeft: 7 } },
    })
    expect(await k.bed.engine.changeKeyPin({ current: '0001', next: '5678' })).toMatchObject({
      error: { code: 'FIDO_PIN_INVALID', params: { attemptsLeft: 6 } },
    })
    expect(codeOf(await k.bed.engine.changeKeyPin({ current: '0002', next: '5678' }))).toBe(
      'FIDO_PIN_AUTH_BLOCKED',
    )
    // §6.5.5.6 (as §6.5.5.7): after 3 mismatches even the right PIN waits for a power cycle
    expect(codeOf(await k.bed.engine.changeKeyPin({ current: '1111', next: '5678' }))).toBe(
      'FIDO_PIN_AUTH_BLOCKED',
    )
    expect(k.key.pinRetries).toBe(5)
    replug(k)
    value(await k.bed.engine.changeKeyPin({ current: '1111', next: '5678' }))
    expect(k.key.pinRetries).toBe(8)
    value(await k.bed.engine.registerKey({ name: 'Clé', pin: '5678' }))
    value(await k.bed.engine.signOut({}))
    expect(codeOf(await k.bed.engine.signInPasswordless({ pin: '1111' }))).toBe('FIDO_PIN_INVALID')
    value(await k.bed.engine.signInPasswordless({ pin: '5678' }))
    const changes = (await k.bed.store.audit.list())
      .filter((a) => a.event === 'key-pin-changed')
      .map((a) => `${a.outcome}:${a.detail ?? ''}`)
    expect(changes).toEqual([
      'fail:FIDO_PIN_INVALID',
      'fail:FIDO_PIN_INVALID',
      'fail:FIDO_PIN_AUTH_BLOCKED',
      'fail:FIDO_PIN_AUTH_BLOCKED',
      expect.stringMatching(new RegExp(`^ok:aaguid [0-9a-f]{32} pin protocol ${protocol}$`)),
    ])
    await auditNeverHolds(k.bed, '1111', '5678', '0000')
    // a wrong current PIN is the key's business: the account's throttle is not moved by it
    expect((await k.bed.store.throttle.get(EMAIL))?.failures ?? 0).toBe(0)
  })

  it('§6.5.5.6 changePIN: the last retry blocks the PIN for good', async () => {
    const k = await kiosk({ ...options, pin: '1111' })
    const codes: string[] = []
    for (let i = 0; i < 8; i++) {
      if (i > 0 && i % 3 === 0) replug(k)
      codes.push(codeOf(await k.bed.engine.changeKeyPin({ current: `000${i}`, next: '5678' })))
    }
    expect(codes).toEqual([
      'FIDO_PIN_INVALID',
      'FIDO_PIN_INVALID',
      'FIDO_PIN_AUTH_BLOCKED',
      'FIDO_PIN_INVALID',
      'FIDO_PIN_INVALID',
      'FIDO_PIN_AUTH_BLOCKED',
      'FIDO_PIN_INVALID',
      'FIDO_PIN_BLOCKED',
    ])
    replug(k)
    expect(codeOf(await k.bed.engine.changeKeyPin({ current: '1111', next: '5678' }))).toBe(
      'FIDO_PIN_BLOCKED',
    )
  })
})

describe('a new key PIN follows CTAP 2.1 §6.5.1 and the key’s minPINLength (§6.4)', () => {
  it('too short or too long is refused before the key is asked, and nothing is set', async () => {
    const k = await kiosk()
    expect(await k.bed.engine.setKeyPin({ pin: '123' })).toEqual({
      ok: false,
      error: { code: 'KEY_PIN_REJECTED', params: { reason: 'too-short', minLength: 4 } },
    })
    // 64 bytes of UTF-8: one more than a PIN can hold
    expect(await k.bed.engine.setKeyPin({ pin: '7'.repeat(64) })).toEqual({
      ok: false,
      error: { code: 'KEY_PIN_REJECTED', params: { reason: 'too-long' } },
    })
    expect(k.key.hasPin).toBe(false)
    value(await k.bed.engine.setKeyPin({ pin: '7'.repeat(63) }))
    expect(k.key.hasPin).toBe(true)
  })

  it('the byte length is counted after NFC: 32 « é » typed decomposed are 64 bytes, 31 fit', async () => {
    const k = await kiosk()
    const decomposed = (n: number): string => 'e\u0301'.repeat(n)
    // decomposed, 31 « é » are 93 bytes; composed (NFC), 62
    expect(codeOf(await k.bed.engine.setKeyPin({ pin: decomposed(32) }))).toBe('KEY_PIN_REJECTED')
    value(await k.bed.engine.setKeyPin({ pin: decomposed(31) }))
    value(await k.bed.engine.registerKey({ name: 'Clé accentuée', pin: 'é'.repeat(31) }))
    value(await k.bed.engine.signOut({}))
    // typed either way, it is the same PIN (pinHash is taken after NFC too)
    value(await k.bed.engine.signInPasswordless({ pin: decomposed(31) }))
  })

  it('a key with a longer minimum: its minPINLength is the floor', async () => {
    const k = await kiosk({ minPinLength: 6 })
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'not-set', minPinLength: 6 })
    expect(await k.bed.engine.setKeyPin({ pin: '12345' })).toEqual({
      ok: false,
      error: { code: 'KEY_PIN_REJECTED', params: { reason: 'too-short', minLength: 6 } },
    })
    value(await k.bed.engine.setKeyPin({ pin: '123456' }))
  })

  it('the key’s own refusal (CTAP2_ERR_PIN_POLICY_VIOLATION) comes back as FIDO_PIN_POLICY', async () => {
    // A CTAP 2.0 key does not report minPINLength (§6.4 is 2.1) but may apply a longer one.
    const k = await kiosk({ ctap20: true, minPinLength: 6 })
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'not-set', minPinLength: 4 })
    expect(codeOf(await k.bed.engine.setKeyPin({ pin: '12345' }))).toBe('FIDO_PIN_POLICY')
    expect(k.key.hasPin).toBe(false)
    expect(await k.bed.store.audit.list()).toContainEqual(
      expect.objectContaining({ event: 'key-pin-set', outcome: 'fail', detail: 'FIDO_PIN_POLICY' }),
    )
  })

  it('a U2F-only key cannot have a PIN; a change needs a key with one', async () => {
    const u2f = await kiosk({ u2fOnly: true })
    expect(value(await u2f.bed.engine.inspectKey({}))).toEqual({
      pin: 'unsupported',
      minPinLength: 4,
    })
    expect(codeOf(await u2f.bed.engine.setKeyPin({ pin: '2468' }))).toBe('FIDO_PIN_UNSUPPORTED')
    await u2f.bed.close()
    bed = undefined
    const fresh = await kiosk()
    expect(codeOf(await fresh.bed.engine.changeKeyPin({ current: '1111', next: '2468' }))).toBe(
      'FIDO_PIN_NOT_SET',
    )
  })

  it('needs a signed-in clerk, but no step-up: the change is the key’s, not the account’s', async () => {
    const k = await kiosk({ pin: '1111' })
    // more than the step-up window after the e-mailed code
    k.bed.clock.advance(6 * 60_000)
    value(await k.bed.engine.changeKeyPin({ current: '1111', next: '2222' }))
    expect(await k.bed.engine.registerKey({ name: 'Clé' })).toMatchObject({
      ok: false,
      error: { code: 'STEP_UP_REQUIRED' },
    })
    value(await k.bed.engine.signOut({}))
    for (const call of [
      k.bed.engine.inspectKey({}),
      k.bed.engine.setKeyPin({ pin: '2468' }),
      k.bed.engine.changeKeyPin({ current: '2222', next: '3333' }),
    ]) {
      expect(codeOf(await call)).toBe('NOT_SIGNED_IN')
    }
  })
})

describe('what the engine asks of the key', () => {
  it('the key’s state is read first: setPIN is never sent to a key with a PIN (§6.5.5.5), changePIN never to one without (§6.5.5.6), neither to a U2F key', async () => {
    const withPin = await kiosk({ pin: '1111' })
    const setPin = vi.spyOn(withPin.client, 'setPin')
    expect(codeOf(await withPin.bed.engine.setKeyPin({ pin: '2468' }))).toBe('FIDO_PIN_ALREADY_SET')
    expect(setPin).not.toHaveBeenCalled()
    await withPin.bed.close()

    const noPin = await kiosk()
    const changePin = vi.spyOn(noPin.client, 'changePin')
    expect(codeOf(await noPin.bed.engine.changeKeyPin({ current: '1111', next: '2468' }))).toBe(
      'FIDO_PIN_NOT_SET',
    )
    expect(changePin).not.toHaveBeenCalled()
    await noPin.bed.close()

    const u2f = await kiosk({ u2fOnly: true })
    const u2fSet = vi.spyOn(u2f.client, 'setPin')
    const u2fChange = vi.spyOn(u2f.client, 'changePin')
    expect(codeOf(await u2f.bed.engine.setKeyPin({ pin: '2468' }))).toBe('FIDO_PIN_UNSUPPORTED')
    expect(codeOf(await u2f.bed.engine.changeKeyPin({ current: '1111', next: '2468' }))).toBe(
      'FIDO_PIN_UNSUPPORTED',
    )
    expect(u2fSet).not.toHaveBeenCalled()
    expect(u2fChange).not.toHaveBeenCalled()
  })

  it('each call to the key has 30 seconds and reports its status to the screen', async () => {
    const k = await kiosk({ pin: '1111' })
    const read = vi.spyOn(k.client, 'readPinInfo')
    const change = vi.spyOn(k.client, 'changePin')
    const bounded = expect.objectContaining({
      timeoutMs: 30_000,
      signal: expect.any(AbortSignal),
      onStatus: expect.any(Function),
    })
    value(await k.bed.engine.inspectKey({}))
    expect(read).toHaveBeenLastCalledWith(bounded)
    value(await k.bed.engine.changeKeyPin({ current: '1111', next: '2222' }))
    expect(read).toHaveBeenLastCalledWith(bounded)
    expect(change).toHaveBeenCalledWith(
      expect.objectContaining({ currentPin: '1111', newPin: '2222', timeoutMs: 30_000 }),
    )
  })

  it('« Annuler » stops a key that does not answer, whether the screen reads it or gives it a PIN', async () => {
    const k = await kiosk()
    // a key that never answers until the operation is aborted
    vi.spyOn(k.client, 'readPinInfo').mockImplementation(
      ({ signal }) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () =>
            reject(new FidoError('FIDO_CANCELLED', 'cancelled')),
          )
        }),
    )
    for (const call of [
      () => k.bed.engine.inspectKey({}),
      () => k.bed.engine.setKeyPin({ pin: '2468' }),
    ]) {
      const pending = call()
      await new Promise((resolve) => setTimeout(resolve, 20))
      value(await k.bed.engine.cancelKeyOperation({}))
      expect(codeOf(await pending)).toBe('FIDO_CANCELLED')
    }
    expect(k.key.hasPin).toBe(false)
  })

  it('during a forced enrollment the clerk can read the new key and give it a PIN, not change one', async () => {
    const k = await kiosk({}, { config: { policy: { emailCode: 'first-sign-in-only' } } })
    expect(value(await k.bed.engine.getStatus({})).session?.mustEnroll).toBe(true)
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'not-set', minPinLength: 4 })
    expect(value(await k.bed.engine.setKeyPin({ pin: '2468' }))).toEqual({
      pin: 'set',
      minPinLength: 4,
    })
    expect(k.key.hasPin).toBe(true)
    expect(codeOf(await k.bed.engine.changeKeyPin({ current: '2468', next: '1357' }))).toBe(
      'ENROLLMENT_REQUIRED',
    )
  })

  it('a key client that leaves the PIN to the platform (Windows) is never asked to read or set one', async () => {
    const k = await kiosk({}, { seen: (client) => ({ ...client, pinEntry: 'platform' }) })
    const read = vi.spyOn(k.client, 'readPinInfo')
    expect(value(await k.bed.engine.inspectKey({}))).toEqual({ pin: 'platform', minPinLength: 4 })
    expect(codeOf(await k.bed.engine.setKeyPin({ pin: '2468' }))).toBe('FIDO_PIN_UNSUPPORTED')
    expect(codeOf(await k.bed.engine.changeKeyPin({ current: '1111', next: '2468' }))).toBe(
      'FIDO_PIN_UNSUPPORTED',
    )
    expect(read).not.toHaveBeenCalled()
    expect(k.key.hasPin).toBe(false)
  })

  it.each(['readPinInfo', 'setPin', 'changePin'] as const)(
    'a key client without %s cannot manage a PIN at all: refused before the key is asked',
    async (missing) => {
      const k = await kiosk({}, { seen: (client) => ({ ...client, [missing]: undefined }) })
      expect(codeOf(await k.bed.engine.setKeyPin({ pin: '2468' }))).toBe('FIDO_PIN_UNSUPPORTED')
      expect(codeOf(await k.bed.engine.changeKeyPin({ current: '1111', next: '2468' }))).toBe(
        'FIDO_PIN_UNSUPPORTED',
      )
      expect(k.key.hasPin).toBe(false)
    },
  )
})

describe('passkeys with credProtect (CTAP 2.1 §12.1)', () => {
  it('a passkey is made with credProtect where the key lists it: no discovery without the PIN, a touch after the password still works', async () => {
    const k = await kiosk({ pin: '4242' })
    value(await k.bed.engine.registerKey({ name: 'Clé', pin: '4242' }))
    // without user verification the key reveals the passkey to no one who does not name it
    await expect(
      k.client.getAssertion({
        challenge: randomBytes(32),
        rpId: 'guichet',
        allowCredentialIDs: [],
        userVerification: false,
      }),
    ).rejects.toMatchObject({ code: 'FIDO_NO_CREDENTIALS' })
    // the kiosk names it after the password: presence is enough (DESIGN.md)
    value(await k.bed.engine.signOut({}))
    value(await k.bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await k.bed.engine.signInWithKey({}))
    value(await k.bed.engine.signOut({}))
    // and with the PIN it is found without being named
    value(await k.bed.engine.signInPasswordless({ pin: '4242' }))
  })

  it('a key that does not list credProtect (CTAP 2.0) is asked for none; its passkey works as before', async () => {
    const k = await kiosk({ pin: '4242', ctap20: true })
    value(await k.bed.engine.registerKey({ name: 'Clé 2.0', pin: '4242' }))
    const found = await k.client.getAssertion({
      challenge: randomBytes(32),
      rpId: 'guichet',
      allowCredentialIDs: [],
      userVerification: false,
    })
    expect(found.response.userHandle).toBeDefined()
  })
})
