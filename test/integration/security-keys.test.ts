import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runAdmin } from '../../src-main/cli/admin'
import { totpCodeAt } from '../../src-main/engine/totp'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../src-main/fido'
import type { ConfigInput } from '../../src-main/config'
import { silentLogger, type Logger } from '../../src-main/log'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const ORIGIN = 'app://guichet'

interface KeyBed {
  bed: TestBed
  key: VirtualKey
  source: ReturnType<typeof createMemoryDeviceSource>
  statuses: string[]
}

async function keyBed(
  options: {
    pin?: string
    u2fOnly?: boolean
    config?: Partial<ConfigInput>
    plugged?: boolean
    presenceTimeoutMs?: number
    log?: Logger
  } = {},
): Promise<KeyBed> {
  const key = new VirtualKey({
    pin: options.pin,
    u2fOnly: options.u2fOnly,
    userPresence: 'approve',
    presenceDelayMs: 250,
    presenceTimeoutMs: options.presenceTimeoutMs,
  })
  const source = createMemoryDeviceSource({
    keys: options.plugged === false ? [] : [key],
    pollIntervalMs: 20,
  })
  const statuses: string[] = []
  const bed = await startBed(options.config ?? {}, {
    log: options.log,
    keyClient: createKeyClient({ origin: ORIGIN, transport: source }),
    emit: (event, payload) => {
      if (event === 'keyStatus') statuses.push((payload as { status: string }).status)
    },
  })
  await addUser(bed.store, EMAIL)
  return { bed, key, source, statuses }
}

async function signInByMail(bed: TestBed): Promise<void> {
  value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
}

describe('security keys', () => {
  let kb: KeyBed | undefined
  afterEach(async () => {
    await kb?.bed.close()
    kb = undefined
  })

  it('registers a key, then signs in with it after the password instead of a code', async () => {
    kb = await keyBed()
    const { bed, statuses } = kb
    await signInByMail(bed)
    const factors = value(await bed.engine.registerKey({ name: 'Clé bleue' }))
    expect(factors.keys).toEqual([
      { id: expect.any(String), name: 'Clé bleue', createdAt: bed.clock.t, lastUsedAt: null },
    ])
    expect(statuses).toContain('touch')
    expect((await bed.smtp.find(EMAIL, 'Clé de sécurité ajoutée')).text).toContain('poste-1')
    // the same key twice is refused
    expect(await bed.engine.registerKey({ name: 'Encore' })).toMatchObject({
      ok: false,
      error: { code: 'FIDO_CREDENTIAL_EXCLUDED' },
    })
    expect(value(await bed.engine.listFactors({})).keys).toHaveLength(1)

    value(await bed.engine.signOut({}))
    const mails = bed.smtp.mails.length
    const step = value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(step).toMatchObject({ factor: 'key', hasKey: true, sentAt: null })
    expect(bed.smtp.mails.length).toBe(mails) // no code mailed to a key holder
    expect(await bed.engine.resendCode({})).toEqual({
      ok: false,
      error: { code: 'EMAIL_CODE_NOT_ALLOWED' },
    })
    const session = value(await bed.engine.signInWithKey({}))
    expect(session).toMatchObject({ email: EMAIL, factor: 'key' })
    const stored = await bed.store.keys.listByUser(1)
    expect(stored[0]?.signCount).toBeGreaterThan(0)
    expect(stored[0]?.lastUsedAt).toBe(bed.clock.t)
    const audit = (await bed.store.audit.list()).map(
      (a) => `${a.event}:${a.outcome}:${a.factor ?? ''}`,
    )
    expect(audit).toContain('key-added:ok:key')
    expect(audit).toContain('sign-in:ok:key')
  })

  it('needs a password first for signInWithKey', async () => {
    kb = await keyBed()
    expect(await kb.bed.engine.signInWithKey({})).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
  })

  it('refuses a signature counter that goes backwards, and audits it', async () => {
    const warnings: unknown[][] = []
    kb = await keyBed({ log: { ...silentLogger, warn: (...w: unknown[]) => warnings.push(w) } })
    const { bed } = kb
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé' }))
    value(await bed.engine.signOut({}))
    // as if a clone of the key had been used elsewhere: the stored counter is ahead
    await bed.exec('UPDATE security_keys SET sign_count = 1000')
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(await bed.engine.signInWithKey({})).toEqual({
      ok: false,
      error: { code: 'FIDO_KEY_REFUSED' },
    })
    const id = (await bed.store.keys.listByUser(1))[0]!.id
    expect(
      (await bed.store.audit.list()).find((a) => a.event === 'key-counter-regression'),
    ).toMatchObject({ outcome: 'fail', userId: 1, factor: 'key', detail: `key ${id} (Clé)` })
    expect(warnings).toEqual([['security key counter went backwards', { userId: 1, keyId: id }]])
    // and, like any refused key, a failed sign-in by key, counted below
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      factor: 'key',
      detail: 'FIDO_KEY_REFUSED',
    })
    expect((await bed.store.keys.listByUser(1))[0]?.signCount).toBe(1000)
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
  })

  it('refuses a key whose counter another terminal moved past it while it was touched: no sign-in is recorded', async () => {
    // The counter is checked twice: against the key as read before the touch
    // (verifyAuthenticationResponse), and by the conditional UPDATE made in the
    // sign-in's own transaction (completeKeySignIn). Only the second can see a
    // clone used elsewhere during the touch; it must refuse the whole sign-in.
    kb = await keyBed()
    const { bed, statuses } = kb
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé' }))
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const before = (await bed.store.keys.listByUser(1))[0]?.signCount ?? -1
    const signInsBefore = (await bed.store.audit.list()).filter(
      (a) => a.event === 'sign-in' && a.outcome === 'ok',
    ).length
    statuses.length = 0
    const attempt = bed.engine.signInWithKey({})
    // the key waits 250 ms for its touch: meanwhile a clone signs elsewhere
    await vi.waitFor(() => expect(statuses).toContain('touch'))
    await bed.exec('UPDATE security_keys SET sign_count = sign_count + 100')
    expect(await attempt).toEqual({ ok: false, error: { code: 'FIDO_KEY_REFUSED' } })
    const audit = await bed.store.audit.list()
    expect(audit.some((a) => a.event === 'key-counter-regression')).toBe(true)
    expect(audit.filter((a) => a.event === 'sign-in' && a.outcome === 'ok')).toHaveLength(
      signInsBefore,
    )
    expect((await bed.store.keys.listByUser(1))[0]?.signCount).toBe(before + 100)
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
    expect(value(await bed.engine.getStatus({})).session).toBeNull()
  })

  it('signs in without a password with a discoverable credential and the PIN', async () => {
    kb = await keyBed({ pin: '4242' })
    const { bed, key } = kb
    await signInByMail(bed)
    expect(await bed.engine.registerKey({ name: 'Clé PIN', pin: '0000' })).toMatchObject({
      ok: false,
      error: { code: 'FIDO_PIN_INVALID', params: { attemptsLeft: 7 } },
    })
    value(await bed.engine.registerKey({ name: 'Clé PIN', pin: '4242' }))
    expect(key.listCredentials()).toHaveLength(1)
    value(await bed.engine.signOut({}))
    expect(await bed.engine.signInPasswordless({ pin: '1111' })).toMatchObject({
      ok: false,
      error: { code: 'FIDO_PIN_INVALID' },
    })
    const session = value(await bed.engine.signInPasswordless({ pin: '4242' }))
    expect(session).toEqual({
      name: 'Alice Martin',
      email: EMAIL,
      factor: 'key',
      mustEnroll: false,
      mustChangePassword: false,
      checkFactors: false,
    })
    value(await bed.engine.signOut({}))
    await bed.store.users.setDisabled(1, true, bed.clock.t)
    expect(await bed.engine.signInPasswordless({ pin: '4242' })).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_DISABLED' },
    })
  })

  it('over HID the kiosk takes the PIN: a passkey or a passwordless sign-in without it is refused before the key is asked', async () => {
    kb = await keyBed({ pin: '4242' })
    const { bed, key, statuses } = kb
    expect(value(await bed.engine.getStatus({})).keyPinEntry).toBe('kiosk')
    await signInByMail(bed)
    expect(await bed.engine.registerKey({ name: 'Clé', passkey: true })).toEqual({
      ok: false,
      error: { code: 'FIDO_PIN_REQUIRED' },
    })
    // a passwordless sign-in without the PIN leaves the signed-in session as it was
    expect(await bed.engine.signInPasswordless({})).toEqual({
      ok: false,
      error: { code: 'FIDO_PIN_REQUIRED' },
    })
    expect(value(await bed.engine.getStatus({})).session).toMatchObject({ email: EMAIL })
    expect(statuses).toEqual([])
    expect(key.listCredentials()).toEqual([])
    // with the PIN, `passkey: true` is what the PIN alone already meant: a discoverable credential
    value(await bed.engine.registerKey({ name: 'Clé', passkey: true, pin: '4242' }))
    expect(key.listCredentials()).toEqual([expect.objectContaining({ discoverable: true })])
    expect((await bed.store.keys.listByUser(1))[0]?.discoverable).toBe(true)
  })

  it('a wrong key PIN after the password is audited and counted in the throttle', async () => {
    kb = await keyBed({ pin: '4242' })
    const { bed } = kb
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé PIN', pin: '4242' }))
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(await bed.engine.signInWithKey({ pin: '0000' })).toMatchObject({
      ok: false,
      error: { code: 'FIDO_PIN_INVALID', params: { attemptsLeft: 7 } },
    })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
    const entries = await bed.store.audit.list()
    expect(entries).toContainEqual(
      expect.objectContaining({
        event: 'sign-in',
        outcome: 'fail',
        email: EMAIL,
        factor: 'key',
        detail: 'FIDO_PIN_INVALID',
      }),
    )
    // the right PIN then signs in and clears the count
    value(await bed.engine.signInWithKey({ pin: '4242' }))
    expect((await bed.store.throttle.get(EMAIL))?.failures ?? 0).toBe(0)
  })

  it('a blocked key PIN after the password is audited and counted one failure a try, like a wrong code: 3 wrong in a row (FIDO_PIN_AUTH_BLOCKED), then the last retry (FIDO_PIN_BLOCKED)', async () => {
    kb = await keyBed({ pin: '4242' })
    const { bed, key, source } = kb
    const replug = (): void => {
      source.unplug(key)
      source.plug(key)
    }
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé PIN', pin: '4242' }))
    // four of the key's 8 retries spent on « Changer le code PIN de ma clé » (not the account's)
    for (const rounds of [3, 1]) {
      for (let i = 0; i < rounds; i++) {
        expect(await bed.engine.changeKeyPin({ current: '0000', next: '97531' })).toMatchObject({
          ok: false,
        })
      }
      replug()
    }
    expect(key.pinRetries).toBe(4)
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect((await bed.store.throttle.get(EMAIL))?.failures ?? 0).toBe(0)
    const codes: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await bed.engine.signInWithKey({ pin: '0000' })
      codes.push(r.ok ? 'ok' : r.error.code)
    }
    // CTAP 2.1 §6.5.5.7: the third wrong PIN in a row blocks PIN entry until a power cycle
    expect(codes).toEqual(['FIDO_PIN_INVALID', 'FIDO_PIN_INVALID', 'FIDO_PIN_AUTH_BLOCKED'])
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(3)
    replug()
    // the last retry: the key's PIN is blocked for good
    expect(await bed.engine.signInWithKey({ pin: '0000' })).toMatchObject({
      ok: false,
      error: { code: 'FIDO_PIN_BLOCKED' },
    })
    expect(key.pinRetries).toBe(0)
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(4)
    const details = (await bed.store.audit.list())
      .filter((e) => e.event === 'sign-in' && e.outcome === 'fail' && e.factor === 'key')
      .map((e) => [e.email, e.detail])
    expect(details).toEqual([
      [EMAIL, 'FIDO_PIN_INVALID'],
      [EMAIL, 'FIDO_PIN_INVALID'],
      [EMAIL, 'FIDO_PIN_AUTH_BLOCKED'],
      [EMAIL, 'FIDO_PIN_BLOCKED'],
    ])
  })

  it('a key not touched in time is audited and counted; « Annuler » is audited, not counted', async () => {
    kb = await keyBed({ presenceTimeoutMs: 400 })
    const { bed, key } = kb
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé bleue' }))
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    key.setUserPresence('wait')
    expect(await bed.engine.signInWithKey({})).toMatchObject({
      ok: false,
      error: { code: 'FIDO_TIMEOUT' },
    })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
    const pending = bed.engine.signInWithKey({})
    await new Promise((r) => setTimeout(r, 150))
    value(await bed.engine.cancelKeyOperation({}))
    expect(await pending).toMatchObject({ ok: false, error: { code: 'FIDO_CANCELLED' } })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
    const details = (await bed.store.audit.list())
      .filter((e) => e.factor === 'key' && e.outcome === 'fail')
      .map((e) => e.detail)
    expect(details).toEqual(expect.arrayContaining(['FIDO_TIMEOUT', 'FIDO_CANCELLED']))
    // « Annuler » is not counted, but the entry still names the account
    expect((await bed.store.audit.list()).at(-1)).toMatchObject({
      event: 'sign-in',
      outcome: 'fail',
      userId: 1,
      email: EMAIL,
      factor: 'key',
      detail: 'FIDO_CANCELLED',
    })
  })

  it('a wrong PIN in passwordless sign-in is audited without an account', async () => {
    kb = await keyBed({ pin: '4242' })
    const { bed } = kb
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé PIN', pin: '4242' }))
    value(await bed.engine.signOut({}))
    expect(await bed.engine.signInPasswordless({ pin: '1111' })).toMatchObject({
      ok: false,
      error: { code: 'FIDO_PIN_INVALID' },
    })
    expect(await bed.store.audit.list()).toContainEqual(
      expect.objectContaining({
        event: 'sign-in',
        outcome: 'fail',
        userId: null,
        factor: 'key',
        detail: 'FIDO_PIN_INVALID',
      }),
    )
  })

  it('passwordless refuses a key that holds no credential here', async () => {
    kb = await keyBed({ pin: '4242' })
    const r = await kb.bed.engine.signInPasswordless({ pin: '4242' })
    expect(r).toMatchObject({ ok: false, error: { code: 'FIDO_NO_CREDENTIALS' } })
  })

  it('registers a U2F-only key (fido-u2f attestation) and signs in with it', async () => {
    kb = await keyBed({ u2fOnly: true })
    const { bed } = kb
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Vieille clé' }))
    expect((await bed.store.keys.listByUser(1))[0]?.fmt).toBe('fido-u2f')
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(value(await bed.engine.signInWithKey({})).factor).toBe('key')
  })

  it('removes a key with a notice', async () => {
    kb = await keyBed()
    const { bed } = kb
    await signInByMail(bed)
    const id = value(await bed.engine.registerKey({ name: 'Clé' })).keys[0]!.id
    expect(value(await bed.engine.removeKey({ id })).keys).toEqual([])
    expect((await bed.store.audit.list()).find((e) => e.event === 'key-removed')).toMatchObject({
      outcome: 'ok',
      userId: 1,
      email: EMAIL,
      factor: 'key',
      detail: `key ${id}`,
    })
    expect(await bed.engine.removeKey({ id })).toEqual({
      ok: false,
      error: { code: 'KEY_NOT_FOUND' },
    })
    expect((await bed.smtp.find(EMAIL, 'Clé de sécurité supprimée')).text).toContain(
      'Ce n’est pas vous\u202f?',
    )
    value(await bed.engine.signOut({}))
    expect(value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe(
      'email',
    )
  })

  it('« Annuler » stops a key operation that waits for a key', async () => {
    kb = await keyBed({ plugged: false })
    const { bed, statuses } = kb
    await signInByMail(bed)
    const pending = bed.engine.registerKey({ name: 'Clé' })
    await new Promise((r) => setTimeout(r, 150))
    expect(statuses).toContain('waiting-device')
    value(await bed.engine.cancelKeyOperation({}))
    expect(await pending).toMatchObject({ ok: false, error: { code: 'FIDO_CANCELLED' } })
    expect(await bed.store.keys.listByUser(1)).toEqual([])
  })

  it('a key unplugged then plugged in is found (hot-plug)', async () => {
    kb = await keyBed({ plugged: false })
    const { bed, source, key } = kb
    await signInByMail(bed)
    const pending = bed.engine.registerKey({ name: 'Clé' })
    await new Promise((r) => setTimeout(r, 100))
    source.plug(key)
    expect(value(await pending).keys).toHaveLength(1)
  })

  it('an account with two keys signs in with either: the answer is checked against the key that gave it', async () => {
    kb = await keyBed()
    const { bed, source, key } = kb
    const spare = new VirtualKey({ userPresence: 'approve', presenceDelayMs: 0 })
    await signInByMail(bed)
    value(await bed.engine.registerKey({ name: 'Clé bleue' }))
    source.unplug(key)
    source.plug(spare)
    bed.clock.advance(60_000) // the spare comes second in the account's keys
    value(await bed.engine.registerKey({ name: 'Clé de secours' }))
    value(await bed.engine.signOut({}))
    // only the second key at hand: it signs in
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(value(await bed.engine.signInWithKey({})).factor).toBe('key')
    const used = (await bed.store.keys.listByUser(1)).map((k) => [k.name, k.lastUsedAt])
    expect(used).toEqual(
      expect.arrayContaining([
        ['Clé bleue', null],
        ['Clé de secours', bed.clock.t],
      ]),
    )
  })

  it('policy first-sign-in-only is satisfied by a key', async () => {
    kb = await keyBed({ config: { policy: { emailCode: 'first-sign-in-only' } } })
    const { bed } = kb
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) })).mustEnroll).toBe(
      true,
    )
    value(await bed.engine.registerKey({ name: 'Clé' }))
    expect(value(await bed.engine.getStatus({})).session?.mustEnroll).toBe(false)
  })
})

describe("IT's reset-factors (lost phone)", () => {
  let kb: KeyBed | undefined
  afterEach(async () => {
    await kb?.bed.close()
  })

  it('removes the app and the keys; the next sign-in uses an e-mailed code', async () => {
    kb = await keyBed()
    const { bed } = kb
    await signInByMail(bed)
    const e = value(await bed.engine.beginAppEnrollment({}))
    const code = await totpCodeAt(e.secretGroups.join(''), bed.clock.t)
    value(await bed.engine.confirmAppEnrollment({ code, deviceName: 'Téléphone perdu' }))
    value(await bed.engine.registerKey({ name: 'Clé' }))
    value(await bed.engine.signOut({}))

    const configPath = join(bed.dir, 'config.json')
    await writeFile(configPath, JSON.stringify(bed.configJson({ terminalId: 'poste-it' })))
    const out: string[] = []
    const code2 = await runAdmin(
      ['--config', configPath, '--lang', 'en', 'user', 'reset-factors', '--email', EMAIL],
      {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        readStdin: async () => '',
      },
    )
    expect(code2).toBe(0)
    expect(out.join('')).toContain('removed authenticator app and 1 security key')
    expect(await bed.store.apps.get(1)).toBeUndefined()
    expect(await bed.store.keys.listByUser(1)).toEqual([])
    expect(await bed.store.recovery.countUnused(1)).toBe(0)
    expect((await bed.smtp.find(EMAIL, 'réinitialisés')).text).toContain('poste-it')
    expect(value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).factor).toBe(
      'email',
    )
  })
})
