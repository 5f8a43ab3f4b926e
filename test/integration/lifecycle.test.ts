import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runAdmin } from '../../src-main/cli/admin'
import { dispatch } from '../../src-main/contract/dispatch'
import { STEP_UP_WINDOW_MS } from '../../src-main/engine/engine'
import { totpCodeAt } from '../../src-main/engine/totp'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const NEW_PASSWORD = 'Marché-du-jeudi-sous-la-pluie'
const RECOVERY_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/

async function signInByMail(bed: TestBed, email = EMAIL, password = PASSWORD): Promise<void> {
  value(await bed.engine.signIn({ email, password }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(email) }))
}

/** Signs in by mail and enrolls an app; returns its secret and the recovery codes shown. */
async function withApp(bed: TestBed): Promise<{ secret: string; codes: string[] }> {
  await signInByMail(bed)
  const e = value(await bed.engine.beginAppEnrollment({}))
  const secret = e.secretGroups.join('')
  const factors = value(
    await bed.engine.confirmAppEnrollment({
      code: await totpCodeAt(secret, bed.clock.t),
      deviceName: 'Tél',
    }),
  )
  return { secret, codes: factors.newRecoveryCodes ?? [] }
}

async function admin(bed: TestBed, ...args: string[]): Promise<{ code: number; out: string }> {
  const configPath = join(bed.dir, 'config.json')
  await writeFile(configPath, JSON.stringify(bed.configJson({ terminalId: 'poste-it' })))
  let out = ''
  // The admin command speaks the configuration's locale (French here): its words are checked in English.
  const code = await runAdmin(['--config', configPath, '--lang', 'en', ...args], {
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
    readStdin: async () => '',
  })
  return { code, out }
}

describe('recovery codes', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('come with the first app: 10 codes of 80 bits, shown once, stored hashed', async () => {
    const { secret, codes } = await withApp(bed)
    expect(codes).toHaveLength(10)
    for (const c of codes) expect(c).toMatch(RECOVERY_FORMAT)
    expect(new Set(codes).size).toBe(10)
    const factors = value(await bed.engine.listFactors({}))
    expect(factors).toMatchObject({ recoveryCodesLeft: 10, newRecoveryCodes: null })
    // a replacement app is not a first factor: no new codes
    bed.clock.advance(30_000)
    const e = value(await bed.engine.beginAppEnrollment({}))
    const again = value(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(e.secretGroups.join(''), bed.clock.t),
        deviceName: 'Nouveau',
      }),
    )
    expect(again.newRecoveryCodes).toBeNull()
    expect(secret).toBeTruthy()
    const bytes = await bed.bytesAtRest()
    // the check itself sees the account's rows
    expect(bytes.includes(Buffer.from(EMAIL))).toBe(true)
    for (const c of codes) {
      expect(bytes.includes(Buffer.from(c))).toBe(false)
      expect(bytes.includes(Buffer.from(c.replace(/-/g, '')))).toBe(false)
    }
  })

  it('sign a clerk in once each, with a notice, and ask them to check their factors', async () => {
    const { codes } = await withApp(bed)
    value(await bed.engine.signOut({}))
    const step = value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(step).toMatchObject({ factor: 'app', hasRecoveryCodes: true })
    const typed = codes[3]!.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o')
    const session = value(await bed.engine.useRecoveryCode({ code: typed }))
    expect(session).toMatchObject({ factor: 'recovery', checkFactors: true })
    expect((await bed.smtp.find(EMAIL, 'Code de secours utilisé')).text).toContain('poste-1')
    expect(value(await bed.engine.listFactors({})).recoveryCodesLeft).toBe(9)
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(await bed.engine.useRecoveryCode({ code: codes[3]! })).toEqual({
      ok: false,
      error: { code: 'RECOVERY_CODE_INVALID' },
    })
    const audit = (await bed.store.audit.list()).map((a) => `${a.event}:${a.outcome}:${a.factor}`)
    expect(audit).toContain('sign-in:ok:recovery')
    expect(audit).toContain('sign-in:fail:recovery')
  })

  it('count in the same throttle as other codes', async () => {
    await withApp(bed)
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const results = []
    for (let i = 0; i < 6; i++)
      results.push(await bed.engine.useRecoveryCode({ code: 'AAAA-BBBB-CCCC-DDDD' }))
    expect(
      results.slice(0, 5).every((r) => !r.ok && r.error.code === 'RECOVERY_CODE_INVALID'),
    ).toBe(true)
    expect(results[5]).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: 30 } },
    })
    expect(await bed.engine.useRecoveryCode({ code: 'not a code' })).toMatchObject({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED' },
    })
  })

  it('a new set voids the old one', async () => {
    const { codes } = await withApp(bed)
    const fresh = value(await bed.engine.issueRecoveryCodes({}))
    expect(fresh.newRecoveryCodes).toHaveLength(10)
    expect((await bed.smtp.find(EMAIL, 'Nouveaux codes de secours')).text).not.toMatch(
      RECOVERY_FORMAT,
    )
    value(await bed.engine.signOut({}))
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect((await bed.engine.useRecoveryCode({ code: codes[0]! })).ok).toBe(false)
    expect((await bed.engine.useRecoveryCode({ code: fresh.newRecoveryCodes![0]! })).ok).toBe(true)
  })

  it('need an app or a key first', async () => {
    await signInByMail(bed)
    expect(await bed.engine.issueRecoveryCodes({})).toEqual({
      ok: false,
      error: { code: 'NO_RECOVERY_CODES' },
    })
  })
})

describe('step-up', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('asks for the app again after 5 minutes before a sensitive change', async () => {
    const { secret } = await withApp(bed)
    bed.clock.advance(STEP_UP_WINDOW_MS - 1000)
    value(await bed.engine.listFactors({})) // reading is not sensitive
    bed.clock.advance(2000)
    for (const call of [
      () => bed.engine.beginAppEnrollment({}),
      () => bed.engine.removeApp({}),
      () => bed.engine.issueRecoveryCodes({}),
      () => bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD }),
      () => bed.engine.beginAddressChange({ email: 'nouvelle@mairie.fr' }),
      () => bed.engine.registerKey({ name: 'Clé' }),
      () => bed.engine.removeKey({ id: 'x' }),
    ]) {
      expect(await call()).toEqual({ ok: false, error: { code: 'STEP_UP_REQUIRED' } })
    }
    expect(value(await bed.engine.beginStepUp({}))).toMatchObject({ factor: 'app', sentAt: null })
    expect(await bed.engine.stepUp({ code: '000000' })).toMatchObject({ ok: false })
    value(await bed.engine.stepUp({ code: await totpCodeAt(secret, bed.clock.t) }))
    expect(value(await bed.engine.removeApp({})).app).toBeNull()
    expect((await bed.store.audit.list()).some((a) => a.event === 'step-up')).toBe(true)
  })

  it('sends an e-mailed code when e-mail is the only factor', async () => {
    await signInByMail(bed)
    bed.clock.advance(STEP_UP_WINDOW_MS + 1)
    expect(await bed.engine.beginAppEnrollment({})).toEqual({
      ok: false,
      error: { code: 'STEP_UP_REQUIRED' },
    })
    const step = value(await bed.engine.beginStepUp({}))
    expect(step).toMatchObject({ factor: 'email', sentAt: bed.clock.t })
    value(await bed.engine.stepUp({ code: bed.smtp.lastCode(EMAIL) }))
    value(await bed.engine.beginAppEnrollment({}))
  })

  it('says CODE_REPLACED for an e-mailed step-up code that « Renvoyer un code » replaced, as sign-in does', async () => {
    await signInByMail(bed)
    bed.clock.advance(STEP_UP_WINDOW_MS + 1)
    value(await bed.engine.beginStepUp({}))
    const first = bed.smtp.lastCode(EMAIL)
    bed.clock.advance(60_000)
    let second = first
    while (second === first) {
      value(await bed.engine.beginStepUp({})) // « Renvoyer un code » (again if it drew the same digits)
      second = bed.smtp.lastCode(EMAIL)
    }
    expect(await bed.engine.stepUp({ code: first })).toEqual({
      ok: false,
      error: { code: 'CODE_REPLACED' },
    })
    // not a guess: nothing counted
    expect((await bed.store.throttle.get(EMAIL))?.failures ?? 0).toBe(0)
    const wrong = ['000000', '111111', '222222'].find((c) => ![first, second].includes(c))!
    expect(await bed.engine.stepUp({ code: wrong })).toMatchObject({
      ok: false,
      error: { code: 'CODE_INVALID' },
    })
    value(await bed.engine.stepUp({ code: second }))
    value(await bed.engine.beginAppEnrollment({}))
  })

  it('needs a started step-up', async () => {
    await signInByMail(bed)
    expect(await bed.engine.stepUp({ code: '123456' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
  })
})

describe('« Mon compte »: password', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('changes it with the current one and the rules, with a notice', async () => {
    await signInByMail(bed)
    expect(
      await bed.engine.changePassword({ current: 'not-my-password', next: NEW_PASSWORD }),
    ).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    expect(await bed.engine.changePassword({ current: PASSWORD, next: 'motdepasse123' })).toEqual({
      ok: false,
      error: { code: 'PASSWORD_REJECTED', params: { reason: 'too-common' } },
    })
    expect(await bed.engine.changePassword({ current: PASSWORD, next: 'court' })).toEqual({
      ok: false,
      error: { code: 'PASSWORD_REJECTED', params: { reason: 'too-short' } },
    })
    value(await bed.engine.changePassword({ current: PASSWORD, next: NEW_PASSWORD }))
    expect((await bed.smtp.find(EMAIL, 'Mot de passe modifié')).text).toContain(
      'Ce n’est pas vous\u202f?',
    )
    value(await bed.engine.signOut({}))
    expect(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    value(await bed.engine.signIn({ email: EMAIL, password: NEW_PASSWORD }))
  })

  it("IT's temporary password: single use, 24 h, changed at the next sign-in", async () => {
    const { code, out } = await admin(bed, 'user', 'temp-password', '--email', EMAIL)
    expect(code).toBe(0)
    const temporary = out.match(/: ([0-9A-Z-]{24})\n/)?.[1]
    expect(temporary).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/)
    await signInByMail(bed, EMAIL, temporary!)
    const status = value(await bed.engine.getStatus({}))
    expect(status.session?.mustChangePassword).toBe(true)
    expect(await bed.engine.listFactors({})).toEqual({
      ok: false,
      error: { code: 'PASSWORD_CHANGE_REQUIRED' },
    })
    bed.clock.advance(STEP_UP_WINDOW_MS * 2) // no step-up for choosing the real password
    const session = value(
      await bed.engine.changePassword({ current: temporary!, next: NEW_PASSWORD }),
    )
    expect(session.mustChangePassword).toBe(false)
    value(await bed.engine.signOut({}))
    expect((await bed.engine.signIn({ email: EMAIL, password: temporary! })).ok).toBe(false)
    expect((await bed.store.users.byEmail(EMAIL))?.passwordExpiresAt).toBeNull()
  })

  it('a temporary password stops working after 24 hours', async () => {
    const { out } = await admin(bed, 'user', 'temp-password', '--email', EMAIL)
    const temporary = out.match(/: ([0-9A-Z-]{24})\n/)![1]!
    const { createEngine } = await import('../../src-main/engine/engine')
    const { createFileKeyProvider, defaultKeyFilePath } = await import('../../src-main/engine/keys')
    // the admin command used the real clock: move the test clock to it, then past 24 h
    bed.clock.t = Date.now() + 24 * 3600_000 + 1000
    const engine = await createEngine({
      config: bed.config,
      store: bed.store,
      mailer: bed.mailer,
      keyProvider: createFileKeyProvider(defaultKeyFilePath(bed.dir)),
      clock: bed.clock,
    })
    expect(await engine.signIn({ email: EMAIL, password: temporary })).toEqual({
      ok: false,
      error: { code: 'TEMP_PASSWORD_EXPIRED' },
    })
  })

  it('user add --temp-password prints one, and the account must change it', async () => {
    const { code, out } = await admin(
      bed,
      'user',
      'add',
      '--email',
      'nouveau@mairie.fr',
      '--name',
      'Nouveau',
      '--temp-password',
    )
    expect(code).toBe(0)
    expect(out).toContain('Temporary password (valid 24 hours')
    expect((await bed.store.users.byEmail('nouveau@mairie.fr'))?.mustChangePassword).toBe(true)
    const both = await admin(
      bed,
      'user',
      'add',
      '--email',
      'x@mairie.fr',
      '--name',
      'X',
      '--temp-password',
      '--password-stdin',
    )
    expect(both.code).toBe(2)
  })
})

describe('« Changer mon adresse de connexion »', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
    await addUser(bed.store, 'bob@mairie.fr', 'Bob')
  })
  afterEach(() => bed.close())

  it('applies only once the code sent to the new address is entered; the old one is told', async () => {
    const { secret } = await withApp(bed)
    expect(await bed.engine.confirmAddressChange({ code: '123456' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_ADDRESS_CHANGE' },
    })
    // another account's address: the same answer as a free one; its owner gets a notice, no code
    expect(await dispatch(bed.engine, 'beginAddressChange', { email: 'BOB@Mairie.fr' })).toEqual({
      ok: true,
      value: {
        maskedEmail: 'b•••@mairie.fr',
        sentAt: bed.clock.t,
        expiresAt: bed.clock.t + 600_000,
      },
    })
    const toBob = bed.smtp.mails.filter((m) => m.to === 'bob@mairie.fr')
    expect(toBob.map((m) => m.subject)).toEqual([
      expect.stringMatching(/Votre adresse demandée pour un autre compte/),
    ])
    expect(toBob[0]?.text).not.toMatch(/\b\d{6}\b/)
    expect(await bed.engine.beginAddressChange({ email: EMAIL })).toEqual({
      ok: false,
      error: { code: 'EMAIL_TAKEN' },
    })
    expect(
      await dispatch(bed.engine, 'beginAddressChange', { email: 'pas une adresse' }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })

    const started = value(await bed.engine.beginAddressChange({ email: 'alice.dupont@mairie.fr' }))
    expect(started).toEqual({
      maskedEmail: 'a•••@mairie.fr',
      sentAt: bed.clock.t,
      expiresAt: bed.clock.t + 600_000,
    })
    const mail = await bed.smtp.find('alice.dupont@mairie.fr', 'nouvelle adresse de connexion')
    const code = mail.text.match(/\b(\d{6})\b/)![1]!
    const wrong = code === '000000' ? '111111' : '000000'
    expect(await bed.engine.confirmAddressChange({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'CODE_INVALID', params: { attemptsLeft: 4 } },
    })
    expect((await bed.store.users.byId(1))?.email).toBe(EMAIL) // nothing changed yet
    bed.clock.advance(600_001)
    // past the step-up window too: the second factor first, then the code is too old
    expect(await bed.engine.confirmAddressChange({ code })).toEqual({
      ok: false,
      error: { code: 'STEP_UP_REQUIRED' },
    })
    value(await bed.engine.beginStepUp({}))
    value(await bed.engine.stepUp({ code: await totpCodeAt(secret, bed.clock.t) }))
    expect(await bed.engine.confirmAddressChange({ code })).toEqual({
      ok: false,
      error: { code: 'CODE_EXPIRED' },
    })

    bed.clock.advance(30_000)
    value(await bed.engine.beginAddressChange({ email: 'alice.dupont@mairie.fr' }))
    const code2 = bed.smtp.lastCode('alice.dupont@mairie.fr')
    const session = value(await bed.engine.confirmAddressChange({ code: code2 }))
    expect(session.email).toBe('alice.dupont@mairie.fr')
    expect((await bed.smtp.find(EMAIL, 'Adresse de connexion modifiée')).text).toContain('poste-1')
    value(await bed.engine.signOut({}))
    expect(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    bed.clock.advance(30_000)
    value(await bed.engine.signIn({ email: 'alice.dupont@mairie.fr', password: PASSWORD }))
    expect(
      value(await bed.engine.verifyCode({ code: await totpCodeAt(secret, bed.clock.t) })).email,
    ).toBe('alice.dupont@mairie.fr')
  })
})
