// What the engine itself checks of a key's answer, whatever the client says: a key client
// wrapped here can move the clock while the key waits, tamper with the answer, claim to be
// the platform (Windows) or let another terminal store the same credential meanwhile. Each
// case pins one check of src-main/engine/security-keys.ts (issue 18: each survived a
// deliberate change once). Figures are DESIGN.md's: a key challenge lives 120 seconds.

import { createHmac } from 'node:crypto'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileKeyProvider, defaultKeyFilePath } from '../../src-main/engine/keys'
import {
  createKeyClient,
  createMemoryDeviceSource,
  VirtualKey,
  type KeyClient,
  type KeyPinEntry,
  type MakeCredentialOptions,
} from '../../src-main/fido'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const OTHER = 'bruno.petit@mairie.fr'
const ORIGIN = 'app://guichet'
const PIN = '482916'
const KEY_CHALLENGE_MS = 120_000

interface Knobs {
  /** Milliseconds the clock moves while the key waits for its touch. */
  touchTakesMs: number
  pinEntry?: KeyPinEntry
  /** Rewrites the key's registration answer before the engine sees it. */
  registration?: (r: RegistrationResponseJSON) => RegistrationResponseJSON
  /** Rewrites the key's sign-in answer before the engine sees it. */
  assertion?: (r: AuthenticationResponseJSON) => AuthenticationResponseJSON
  /** Runs once the key has answered a registration (another terminal, meanwhile). */
  afterRegistration?: (r: RegistrationResponseJSON) => Promise<void>
  /** What the engine asked of the key. */
  asked: MakeCredentialOptions[]
}

let bed: TestBed | undefined
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

async function open(): Promise<{ bed: TestBed; knobs: Knobs }> {
  const key = new VirtualKey({ pin: PIN, userPresence: 'approve', presenceDelayMs: 0 })
  const real = createKeyClient({
    origin: ORIGIN,
    transport: createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 }),
  })
  const knobs: Knobs = { touchTakesMs: 0, asked: [] }
  const ref: { bed?: TestBed } = {}
  const client: KeyClient = {
    get pinEntry() {
      return knobs.pinEntry
    },
    async makeCredential(o) {
      knobs.asked.push(o)
      // a platform shows its own PIN dialog: the key gets the PIN from there, not from us
      const r = await real.makeCredential(knobs.pinEntry === 'platform' ? { ...o, pin: PIN } : o)
      ref.bed?.clock.advance(knobs.touchTakesMs)
      await knobs.afterRegistration?.(r)
      return knobs.registration ? knobs.registration(r) : r
    },
    async getAssertion(o) {
      const r = await real.getAssertion(o)
      ref.bed?.clock.advance(knobs.touchTakesMs)
      return knobs.assertion ? knobs.assertion(r) : r
    },
  }
  bed = await startBed({}, { keyClient: client })
  ref.bed = bed
  await addUser(bed.store, EMAIL)
  await addUser(bed.store, OTHER, 'Bruno Petit')
  return { bed, knobs }
}

async function signInByMail(b: TestBed): Promise<void> {
  value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
}

/** A key registered, then the password typed again: the key step is next. */
async function atKeyStep(b: TestBed): Promise<void> {
  await signInByMail(b)
  value(await b.engine.registerKey({ name: 'Clé bleue' }))
  value(await b.engine.signOut({}))
  value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
}

async function lastAudit(b: TestBed) {
  return (await b.store.audit.list()).at(-1)
}

const REFUSED = { ok: false, error: { code: 'FIDO_KEY_REFUSED' } }

/** base64url with its first byte changed. */
function flipped(b64url: string): string {
  const bytes = Buffer.from(b64url, 'base64url')
  bytes[0] = bytes[0]! ^ 0xff
  return bytes.toString('base64url')
}

describe('the user handle a passkey carries', () => {
  it('is HMAC-SHA256(data key, "user-handle", account id) cut to 16 bytes: stable across releases, no personal data', async () => {
    const { bed, knobs } = await open()
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé', pin: PIN, passkey: true }))
    const dataKey = await createFileKeyProvider(defaultKeyFilePath(bed.config.dataDir)).getDataKey()
    // the parts as secrets.mac writes them: `${length}:${part};`
    const expected = createHmac('sha256', dataKey).update('11:user-handle;1:1;').digest()
    expect(Buffer.from(knobs.asked[0]!.user.id)).toEqual(expected.subarray(0, 16))
  })
})

describe('a key challenge lives 120 seconds, for a registration too', () => {
  it('a key that answers a registration at exactly 120 s is accepted; at 121 s refused, nothing stored', async () => {
    const { bed, knobs } = await open()
    await signInByMail(bed)
    knobs.touchTakesMs = KEY_CHALLENGE_MS + 1000
    expect(await bed.engine.registerKey({ name: 'Lente' })).toEqual({
      ok: false,
      error: { code: 'FIDO_TIMEOUT' },
    })
    expect(await bed.store.keys.listByUser(1)).toEqual([])
    // a step-up lasts 300 s: sign in again for the next try
    value(await bed.engine.signOut({}))
    await signInByMail(bed)
    knobs.touchTakesMs = KEY_CHALLENGE_MS
    expect(value(await bed.engine.registerKey({ name: 'Juste' })).keys).toHaveLength(1)
  })

  it('after the password: a key that answers at exactly 120 s signs in', async () => {
    const { bed, knobs } = await open()
    await atKeyStep(bed)
    knobs.touchTakesMs = KEY_CHALLENGE_MS
    expect(value(await bed.engine.signInWithKey({})).factor).toBe('key')
  })
})

describe('the engine checks the key’s answer itself', () => {
  it('a signature that does not verify is refused, counted and audited as a key failure — not as a cloned key', async () => {
    const { bed, knobs } = await open()
    await atKeyStep(bed)
    knobs.assertion = (r) => ({
      ...r,
      response: { ...r.response, signature: flipped(r.response.signature) },
    })
    expect(await bed.engine.signInWithKey({})).toEqual(REFUSED)
    const events = (await bed.store.audit.list()).map((e) => e.event)
    expect(events).not.toContain('key-counter-regression')
    expect(await lastAudit(bed)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      userId: 1,
      factor: 'key',
      detail: 'FIDO_KEY_REFUSED',
    })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
  })

  it('a well-formed signature that does not match (its last byte changed, DER still valid) is refused (WebAuthn §7.2 step 21)', async () => {
    const { bed, knobs } = await open()
    await atKeyStep(bed)
    knobs.assertion = (r) => {
      const signature = Buffer.from(r.response.signature, 'base64url')
      signature[signature.length - 1] = signature[signature.length - 1]! ^ 0x01
      return { ...r, response: { ...r.response, signature: signature.toString('base64url') } }
    }
    expect(await bed.engine.signInWithKey({})).toEqual(REFUSED)
    expect(await lastAudit(bed)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      factor: 'key',
      detail: 'FIDO_KEY_REFUSED',
    })
  })

  it('an answer naming a credential the account does not have is refused, counted and audited', async () => {
    const { bed, knobs } = await open()
    await atKeyStep(bed)
    knobs.assertion = (r) => ({ ...r, id: flipped(r.id), rawId: flipped(r.rawId) })
    expect(await bed.engine.signInWithKey({})).toEqual(REFUSED)
    expect(await lastAudit(bed)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      userId: 1,
      factor: 'key',
    })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
  })

  it('a registration whose client data names another challenge is refused and audited « attestation not verified »', async () => {
    const { bed, knobs } = await open()
    await signInByMail(bed)
    knobs.registration = (r) => {
      const data = JSON.parse(Buffer.from(r.response.clientDataJSON, 'base64url').toString())
      data.challenge = flipped(data.challenge)
      const clientDataJSON = Buffer.from(JSON.stringify(data)).toString('base64url')
      return { ...r, response: { ...r.response, clientDataJSON } }
    }
    expect(await bed.engine.registerKey({ name: 'Clé' })).toEqual(REFUSED)
    expect(await bed.store.keys.listByUser(1)).toEqual([])
    expect(await lastAudit(bed)).toMatchObject({
      event: 'key-added',
      outcome: 'fail',
      userId: 1,
      factor: 'key',
      detail: 'attestation not verified',
    })
  })

  it('a credential stored meanwhile (the same key registered at the same moment elsewhere) is refused as already registered, with no recovery codes', async () => {
    const { bed, knobs } = await open()
    await signInByMail(bed)
    knobs.afterRegistration = async (r) => {
      const ok = await bed.store.keys.insert({
        id: 'autre-poste',
        userId: 2,
        credentialID: r.id,
        publicKey: new Uint8Array([1, 2, 3]),
        signCount: 0,
        aaguid: '00000000-0000-0000-0000-000000000000',
        fmt: 'none',
        discoverable: false,
        name: 'Clé de Bruno',
        createdAt: bed.clock.t,
        lastUsedAt: null,
      })
      expect(ok).toBe(true)
    }
    expect(await bed.engine.registerKey({ name: 'Clé' })).toEqual({
      ok: false,
      error: { code: 'FIDO_CREDENTIAL_EXCLUDED' },
    })
    expect(await bed.store.keys.listByUser(1)).toEqual([])
    const audit = await bed.store.audit.list()
    expect(audit.filter((e) => e.event === 'key-added' && e.outcome === 'ok')).toEqual([])
    expect(value(await bed.engine.listFactors({})).recoveryCodesLeft).toBe(0)
  })
})

describe('where the platform asks for the PIN (Windows)', () => {
  it('a PIN sent with a registration is not handed on: the platform is asked for user verification instead', async () => {
    const { bed, knobs } = await open()
    knobs.pinEntry = 'platform'
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé', pin: PIN, passkey: true }))
    expect(knobs.asked[0]).toMatchObject({ residentKey: true, userVerification: true })
    expect(knobs.asked[0]!.pin).toBeUndefined()
  })
})
