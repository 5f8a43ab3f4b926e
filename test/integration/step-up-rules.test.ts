// Step-up and the records of a sign-in, as the mutation run found them
// untested (issue 18; src-main/engine/step-up.ts, second-step.ts,
// email-codes.ts). Figures are DESIGN.md's, in seconds.

import { afterEach, describe, expect, it } from 'vitest'
import { createKeyClient, createMemoryDeviceSource, VirtualKey } from '../../src-main/fido'
import { giveTemporaryPassword, TEMPORARY } from '../support/accounts'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const ORIGIN = 'app://guichet'
/** DESIGN.md: a step-up lasts 5 minutes. */
const STEP_UP_SECONDS = 300

let bed: TestBed | undefined
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

async function open(config: Parameters<typeof startBed>[0] = {}): Promise<TestBed> {
  const key = new VirtualKey({ userPresence: 'approve', presenceDelayMs: 0 })
  const source = createMemoryDeviceSource({ keys: [key], pollIntervalMs: 20 })
  bed = await startBed(config, {
    keyClient: createKeyClient({ origin: ORIGIN, transport: source }),
  })
  await addUser(bed.store, EMAIL)
  return bed
}

async function signInByMail(b: TestBed, password = PASSWORD): Promise<void> {
  value(await b.engine.signIn({ email: EMAIL, password }))
  value(await b.engine.verifyCode({ code: b.smtp.lastCode(EMAIL) }))
}

describe('step-up', () => {
  it('a code mailed before the step turned to the app (added, then removed, meanwhile) is a wrong code, not a replaced one', async () => {
    const b = await open()
    await signInByMail(b)
    expect(value(await b.engine.beginStepUp({}))).toMatchObject({ factor: 'email' })
    const first = b.smtp.lastCode(EMAIL)
    // an app enrolled on another terminal: the next step-up is the app's
    await b.store.apps.put({
      userId: 1,
      secretEnc: new Uint8Array(48),
      deviceName: 'Téléphone',
      createdAt: b.clock.t,
      lastStep: 0,
    })
    expect(value(await b.engine.beginStepUp({}))).toMatchObject({ factor: 'app' })
    // removed again: back to a mailed code, a new attempt, not a resend of the first
    await b.store.apps.remove(1)
    expect(value(await b.engine.beginStepUp({}))).toMatchObject({ factor: 'email' })
    expect(await b.engine.stepUp({ code: first })).toMatchObject({
      ok: false,
      error: { code: 'CODE_INVALID' },
    })
    value(await b.engine.stepUp({ code: b.smtp.lastCode(EMAIL) }))
  })

  // step-up.ts: signedInUser(ctx, { duringEnrollment: true }) in beginStepUp and stepUp
  it('is allowed while the policy still requires an app or key, so that one can be enrolled', async () => {
    const b = await open({ policy: { emailCode: 'first-sign-in-only' } })
    await signInByMail(b)
    expect(value(await b.engine.getStatus({})).session?.mustEnroll).toBe(true)
    b.clock.advance((STEP_UP_SECONDS + 1) * 1000)
    expect(await b.engine.beginAppEnrollment({})).toEqual({
      ok: false,
      error: { code: 'STEP_UP_REQUIRED' },
    })
    expect(value(await b.engine.beginStepUp({}))).toMatchObject({ factor: 'email' })
    value(await b.engine.stepUp({ code: b.smtp.lastCode(EMAIL) }))
    value(await b.engine.beginAppEnrollment({}))
  })

  // step-up.ts: stepUpWithKey's signedInUser(ctx, { duringEnrollment: true })
  it('by key is allowed while the policy requires enrollment: an account without a key is told KEY_NOT_FOUND', async () => {
    const b = await open({ policy: { emailCode: 'first-sign-in-only' } })
    await signInByMail(b)
    expect(value(await b.engine.getStatus({})).session?.mustEnroll).toBe(true)
    const r = await b.engine.stepUpWithKey({})
    expect(r).toEqual({ ok: false, error: { code: 'KEY_NOT_FOUND' } })
  })

  // step-up.ts: `s.stepUp.factor === 'key'` in stepUp
  it('by key takes no code: a code sent to a key step-up is refused as no pending step', async () => {
    const b = await open()
    await signInByMail(b)
    value(await b.engine.registerKey({ name: 'Clé bleue' }))
    b.clock.advance((STEP_UP_SECONDS + 1) * 1000)
    expect(value(await b.engine.beginStepUp({}))).toMatchObject({ factor: 'key' })
    expect(await b.engine.stepUp({ code: '123456' })).toEqual({
      ok: false,
      error: { code: 'NO_PENDING_SIGN_IN' },
    })
  })
})

describe('the records of a sign-in', () => {
  // email-codes.ts wrongCode(): the factor of the audit entry
  it('audits a wrong e-mailed code as a failure of the e-mail factor', async () => {
    const b = await open()
    value(await b.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const wrong = b.smtp.lastCode(EMAIL) === '000000' ? '111111' : '000000'
    expect((await b.engine.verifyCode({ code: wrong })).ok).toBe(false)
    const audit = await b.store.audit.list()
    expect(audit.filter((a) => a.outcome === 'fail')).toMatchObject([
      { event: 'sign-in', userId: 1, email: EMAIL, factor: 'email', detail: 'CODE_INVALID' },
    ])
  })

  // second-step.ts completeSignIn(): setPassword(..., mustChange: true, ...)
  it('a temporary password’s sign-in leaves the account bound to change its password', async () => {
    const b = await open()
    await giveTemporaryPassword(b)
    await signInByMail(b, TEMPORARY)
    const user = await b.store.users.byId(1)
    expect(user).toMatchObject({ mustChangePassword: true })
    expect(user!.passwordExpiresAt).toBeLessThan(b.clock.t)
  })
})
