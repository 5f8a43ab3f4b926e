import type * as Argon2 from '@node-rs/argon2'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

// Count argon2 verifications without changing them.
const argon = vi.hoisted(() => ({ verifications: 0 }))
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof Argon2>()
  return {
    ...real,
    verify: (...args: Parameters<typeof real.verify>) => {
      argon.verifications += 1
      return real.verify(...args)
    },
  }
})

const EMAIL = 'alice.martin@mairie.fr'
const UNKNOWN = 'nobody@mairie.fr'

/** Expected wait after n failures: 5 free, then 30 s doubling up to 15 min. */
function waitAfter(n: number): number {
  return n <= 5 ? 0 : Math.min(30 * 2 ** (n - 6), 900)
}

describe('throttling, per account, all factors together', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  for (const who of [EMAIL, UNKNOWN]) {
    it(`follows the schedule for ${who === EMAIL ? 'a known' : 'an unknown'} address`, async () => {
      for (let n = 1; n <= 12; n++) {
        const r = await bed.engine.signIn({ email: who, password: 'wrong-password-here' })
        const wait = waitAfter(n)
        if (wait === 0) {
          expect(r).toEqual({ ok: false, error: { code: 'INVALID_CREDENTIALS' } })
        } else {
          expect(r).toEqual({
            ok: false,
            error: { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: wait } },
          })
          // while locked, even the right password is refused, and nothing is counted
          const locked = await bed.engine.signIn({ email: who, password: PASSWORD })
          expect(locked).toMatchObject({ ok: false, error: { code: 'ACCOUNT_LOCKED' } })
          bed.clock.advance(wait * 1000)
        }
      }
      expect((await bed.store.throttle.get(who))?.failures).toBe(12)
    })
  }

  it('answers a wrong password and an unknown address alike, each verifying one hash', async () => {
    argon.verifications = 0
    const wrong = await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
    expect(argon.verifications).toBe(1)
    const unknown = await bed.engine.signIn({ email: UNKNOWN, password: 'wrong-password-here' })
    expect(argon.verifications).toBe(2)
    expect(unknown).toEqual(wrong)
  })

  it('survives a restart, and a success resets it', async () => {
    for (let i = 0; i < 6; i++)
      await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
    const other = await bed.reopen()
    expect(await other.engine.signIn({ email: EMAIL, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: 30 } },
    })
    bed.clock.advance(30_000)
    value(await other.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await other.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    expect(await bed.store.throttle.get(EMAIL)).toBeUndefined()
  })

  it('counts wrong codes with wrong passwords', async () => {
    for (let i = 0; i < 3; i++)
      await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const wrong = bed.smtp.lastCode(EMAIL) === '000000' ? '111111' : '000000'
    await bed.engine.verifyCode({ code: wrong })
    await bed.engine.verifyCode({ code: wrong })
    expect(await bed.engine.verifyCode({ code: wrong })).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: 30 } },
    })
    expect(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) })).toMatchObject({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED' },
    })
    expect((await bed.store.audit.list()).some((a) => a.event === 'lockout')).toBe(true)
  })

  it('never locks longer than 15 minutes, even when the clock jumps back', async () => {
    for (let i = 0; i < 20; i++) {
      await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
      bed.clock.advance(15 * 60_000)
    }
    await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
    bed.clock.advance(-3600_000) // the clock jumps back an hour
    const r = await bed.engine.signIn({ email: EMAIL, password: PASSWORD })
    expect(r).toMatchObject({ ok: false, error: { code: 'ACCOUNT_LOCKED' } })
    expect(!r.ok && r.error.params!.retryAfterSeconds!).toBeLessThanOrEqual(900)
  })

  it('forgets old failures after a quiet day', async () => {
    for (let i = 0; i < 5; i++)
      await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })
    bed.clock.advance(25 * 3600_000)
    expect(await bed.engine.signIn({ email: EMAIL, password: 'wrong-password-here' })).toEqual({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    })
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(1)
  })
})
