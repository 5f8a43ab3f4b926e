/**
 * Passwordless sign-in with a key that holds several passkeys (issue 14): the
 * key answers the most recent credential first (CTAP 2.1 §6.2.2 step 11) and
 * the others through authenticatorGetNextAssertion (§6.3); the engine reads
 * them all, keeps those registered here as discoverable, and lets the clerk
 * choose when several accounts of this kiosk remain.
 */

import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../src-main/fido'
import type { KeyRecord } from '../../src-main/store/types'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const PIN = '4242'
const ALICE = 'alice.martin@mairie.fr'
const BRUNO = 'bruno.leroy@mairie.fr'

let bed: TestBed | undefined
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

async function kioskWithKey(): Promise<{
  bed: TestBed
  key: VirtualKey
  client: ReturnType<typeof createKeyClient>
}> {
  const key = new VirtualKey({ pin: PIN, userPresence: 'approve' })
  const client = createKeyClient({
    origin: 'app://guichet',
    transport: createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 }),
  })
  bed = await startBed({}, { keyClient: client })
  return { bed, key, client }
}

/** A passkey made by another deployment or for another account: same key, this kiosk knows nothing of it. */
async function foreignPasskey(
  client: ReturnType<typeof createKeyClient>,
  rpId = 'guichet',
): Promise<void> {
  await client.makeCredential({
    challenge: randomBytes(32),
    rp: { id: rpId, name: 'Ailleurs' },
    user: { id: randomBytes(16), name: 'someone@ailleurs.fr', displayName: 'Quelqu’un' },
    excludeCredentialIDs: [],
    residentKey: true,
    userVerification: true,
    pin: PIN,
  })
}

async function passkeyFor(b: TestBed, email: string): Promise<void> {
  value(await b.engine.signIn({ email, password: PASSWORD }))
  value(await b.engine.verifyCode({ code: b.smtp.lastCode(email) }))
  value(await b.engine.registerKey({ name: `Clé de ${email}`, pin: PIN }))
  value(await b.engine.signOut({}))
}

/** The kiosk's record of `email`'s one key, rewritten (as another terminal or an import might leave it). */
async function rewriteKeyOf(b: TestBed, email: string, change: Partial<KeyRecord>): Promise<void> {
  const owner = (await b.store.users.byEmail(email))!
  const [record] = await b.store.keys.listByUser(owner.id)
  expect(record).toBeDefined()
  expect(await b.store.keys.remove(owner.id, record!.id)).toBe(true)
  expect(await b.store.keys.insert({ ...record!, ...change })).toBe(true)
}

describe('passwordless with several passkeys on the key', () => {
  it('signs in when the newest passkey on the key belongs to another deployment', async () => {
    const { bed: b, client } = await kioskWithKey()
    await addUser(b.store, ALICE)
    await passkeyFor(b, ALICE)
    await foreignPasskey(client) // newest: first answer of getAssertion
    await foreignPasskey(client, 'autre-guichet') // another rpId: never offered for ours
    const session = value(await b.engine.signInPasswordless({ pin: PIN }))
    expect(session).toMatchObject({ email: ALICE, factor: 'key' })
  })

  it('signs in when the kiosk’s passkey is the newest and unknown ones come after', async () => {
    const { bed: b, client } = await kioskWithKey()
    await foreignPasskey(client)
    await addUser(b.store, ALICE)
    await passkeyFor(b, ALICE)
    expect(value(await b.engine.signInPasswordless({ pin: PIN }))).toMatchObject({ email: ALICE })
  })

  it('offers « Choisissez votre compte » when two accounts of this kiosk share the key, then signs in the one chosen', async () => {
    const { bed: b, client } = await kioskWithKey()
    await addUser(b.store, ALICE, 'Alice Martin')
    await addUser(b.store, BRUNO, 'Bruno Leroy')
    await passkeyFor(b, ALICE)
    await foreignPasskey(client)
    await passkeyFor(b, BRUNO)
    const offered = value(await b.engine.signInPasswordless({ pin: PIN }))
    expect(offered).toEqual({
      chooseAccount: [
        { id: expect.any(String), name: 'Bruno Leroy', maskedEmail: 'b•••@mairie.fr' },
        { id: expect.any(String), name: 'Alice Martin', maskedEmail: 'a•••@mairie.fr' },
      ],
    })
    // nobody is signed in until the choice
    expect(value(await b.engine.getStatus({})).session).toBeNull()
    const alice = (offered as { chooseAccount: { id: string; name: string }[] }).chooseAccount[1]!
    const session = value(await b.engine.choosePasswordlessAccount({ id: alice.id }))
    expect(session).toMatchObject({ email: ALICE, factor: 'key' })
    // a choice is used once
    value(await b.engine.signOut({}))
    expect(await b.engine.choosePasswordlessAccount({ id: alice.id })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
  })

  it('offers nothing before the PIN: a wrong PIN answers FIDO_PIN_INVALID, no account named', async () => {
    const { bed: b } = await kioskWithKey()
    await addUser(b.store, ALICE)
    await addUser(b.store, BRUNO)
    await passkeyFor(b, ALICE)
    await passkeyFor(b, BRUNO)
    const r = await b.engine.signInPasswordless({ pin: '0000' })
    expect(r).toMatchObject({ ok: false, error: { code: 'FIDO_PIN_INVALID' } })
    expect(JSON.stringify(r)).not.toMatch(/Alice|Bruno|mairie/)
  })

  it('a choice ends with sign-out or the next person, and an unknown id is refused', async () => {
    const { bed: b } = await kioskWithKey()
    await addUser(b.store, ALICE)
    await addUser(b.store, BRUNO)
    await passkeyFor(b, ALICE)
    await passkeyFor(b, BRUNO)
    const offered = value(await b.engine.signInPasswordless({ pin: PIN }))
    const [first] = (offered as { chooseAccount: { id: string }[] }).chooseAccount
    expect(await b.engine.choosePasswordlessAccount({ id: 'not-a-key' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
    value(await b.engine.signInPasswordless({ pin: PIN }))
    value(await b.engine.signOut({}))
    expect(await b.engine.choosePasswordlessAccount({ id: first!.id })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
  })

  it('refuses a key whose passkeys are all unknown here, and audits the failed key sign-in', async () => {
    const { bed: b, client } = await kioskWithKey()
    await foreignPasskey(client)
    await foreignPasskey(client)
    expect(await b.engine.signInPasswordless({ pin: PIN })).toEqual({
      ok: false,
      error: { code: 'FIDO_KEY_REFUSED' },
    })
    expect((await b.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      factor: 'key',
      detail: 'unknown credential',
    })
  })

  it('a credential registered here for sign-in after the password only (not discoverable) does not sign in without one, even when the key finds it', async () => {
    // WebAuthn §5.4.6: with residentKey "discouraged" a key may still make a discoverable
    // credential; the kiosk's record says how the key was registered, and only a passkey counts.
    const { bed: b } = await kioskWithKey()
    await addUser(b.store, ALICE)
    await passkeyFor(b, ALICE)
    value(await b.engine.signInPasswordless({ pin: PIN }))
    value(await b.engine.signOut({}))
    await rewriteKeyOf(b, ALICE, { discoverable: false })
    expect(await b.engine.signInPasswordless({ pin: PIN })).toEqual({
      ok: false,
      error: { code: 'FIDO_KEY_REFUSED' },
    })
    expect(value(await b.engine.getStatus({})).session).toBeNull()
    expect((await b.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      factor: 'key',
      detail: 'unknown credential',
    })
  })

  it('WebAuthn §7.2 step 6: a passkey whose user handle names another account than the one its credential is registered to signs nobody in', async () => {
    const { bed: b } = await kioskWithKey()
    await addUser(b.store, ALICE, 'Alice Martin')
    const bruno = await addUser(b.store, BRUNO, 'Bruno Leroy')
    await passkeyFor(b, ALICE)
    // the key still answers with Alice's user handle; the kiosk's record now names Bruno
    await rewriteKeyOf(b, ALICE, { userId: bruno })
    expect(await b.engine.signInPasswordless({ pin: PIN })).toEqual({
      ok: false,
      error: { code: 'FIDO_KEY_REFUSED' },
    })
    expect(value(await b.engine.getStatus({})).session).toBeNull()
  })

  it('keeps the language chosen on the sign-in screen: the first notice after it is in English', async () => {
    const { bed: b } = await kioskWithKey()
    await addUser(b.store, ALICE)
    await passkeyFor(b, ALICE)
    value(await b.engine.setLanguage({ locale: 'en' }))
    value(await b.engine.signInPasswordless({ pin: PIN }))
    const [key] = value(await b.engine.listFactors({})).keys
    value(await b.engine.removeKey({ id: key!.id }))
    expect(b.smtp.mails.at(-1)).toMatchObject({
      to: ALICE,
      subject: expect.stringMatching(/Security key removed/),
    })
  })
})
