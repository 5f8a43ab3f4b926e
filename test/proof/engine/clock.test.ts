// The system clock jumping an hour back or forward between two steps.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../../src-main/engine/totp'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const HOUR = 3600_000

describe('clock jumps', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it('an e-mailed code does not outlive its 10 minutes when the clock goes back', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = bed.smtp.lastCode(EMAIL)
    bed.clock.advance(11 * 60_000) // expired…
    bed.clock.advance(-HOUR) // …then the clock jumps back an hour
    expect((await bed.engine.verifyCode({ code })).ok).toBe(false)
  })

  it('a code is refused after a jump forward', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = bed.smtp.lastCode(EMAIL)
    bed.clock.advance(HOUR)
    expect((await bed.engine.verifyCode({ code })).ok).toBe(false)
  })

  it('a used TOTP step is never accepted again, whichever way the clock jumps', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    const e = value(await bed.engine.beginAppEnrollment({}))
    const secret = e.secretGroups.join('')
    value(
      await bed.engine.confirmAppEnrollment({
        code: await totpCodeAt(secret, bed.clock.t),
        deviceName: '',
      }),
    )
    value(await bed.engine.signOut({}))
    bed.clock.advance(60_000)
    const usedAt = bed.clock.t
    const used = await totpCodeAt(secret, usedAt)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: used }))
    value(await bed.engine.signOut({}))
    for (const jump of [-HOUR, +HOUR]) {
      bed.clock.t = usedAt + jump
      value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
      // the old code, replayed after the jump
      expect((await bed.engine.verifyCode({ code: used })).ok).toBe(false)
      bed.clock.t = usedAt
      value(await bed.engine.signOut({}))
      await bed.store.throttle.reset(EMAIL)
    }
    bed.clock.t = usedAt
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    expect(await bed.engine.verifyCode({ code: used })).toEqual({
      ok: false,
      error: { code: 'CODE_REPLAYED' },
    })
  })

  it('does not lock anyone out for more than 15 minutes after a jump back', async () => {
    for (let i = 0; i < 12; i++) {
      await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
      bed.clock.advance(15 * 60_000)
    }
    await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
    bed.clock.advance(-HOUR)
    const r = await bed.engine.signIn({ email: EMAIL, password: PASSWORD })
    expect(r).toMatchObject({ ok: false, error: { code: 'ACCOUNT_LOCKED' } })
    const wait = !r.ok ? r.error.params!.retryAfterSeconds! : 0
    expect(wait).toBeLessThanOrEqual(900)
    bed.clock.advance(wait * 1000 + HOUR) // real time passes; the clock catches up
    expect((await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).ok).toBe(true)
  })

  it('a step-up is asked again when the clock jumps back', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    bed.clock.advance(-HOUR)
    expect(await bed.engine.beginAppEnrollment({})).toEqual({
      ok: false,
      error: { code: 'STEP_UP_REQUIRED' },
    })
  })
})
