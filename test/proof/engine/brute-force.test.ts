// Brute force against one account: wrong passwords, wrong codes and wrong
// recovery codes, in a burst and at the fastest pace the throttle allows.
// Prints the figures a security reviewer asks for.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { THROTTLE_POLICY } from '../../../src-main/engine/engine'
import { totpCodeAt } from '../../../src-main/engine/totp'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../../support/env'

const EMAIL = 'alice.martin@mairie.fr'
const UNKNOWN = 'personne@mairie.fr'
/** Attempts paced by the throttle; raised under `npm run test:soak`. */
const PACED = Number(process.env.GUICHET_BRUTE_RUNS ?? 150)
const BURST = 1000

/** The most attempts the schedule lets through in `ms`: 5 free, then 30 s doubling to 15 min. */
function attemptsAllowedIn(ms: number): number {
  let t = 0
  let n = 0
  for (;;) {
    n += 1
    const wait =
      n <= THROTTLE_POLICY.freeFailures
        ? 0
        : Math.min(THROTTLE_POLICY.baseWaitMs * 2 ** (n - 6), THROTTLE_POLICY.maxWaitMs)
    t += wait
    if (t > ms) return n - 1
  }
}

describe('brute force', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  it(`a burst of ${BURST} wrong passwords is stopped after 6, alike for an unknown address`, async () => {
    const answers = async (email: string): Promise<string[]> => {
      const out: string[] = []
      for (let i = 0; i < BURST; i++) {
        const r = await bed.engine.signIn({ email, password: `wrong-password-${i}` })
        out.push(r.ok ? 'ok' : `${r.error.code}:${r.error.params?.retryAfterSeconds ?? ''}`)
      }
      return out
    }
    const known = await answers(EMAIL)
    const unknown = await answers(UNKNOWN)
    expect(known.slice(0, 5)).toEqual(Array(5).fill('INVALID_CREDENTIALS:'))
    expect(known[5]).toBe('ACCOUNT_LOCKED:30')
    expect(new Set(known.slice(6))).toEqual(new Set(['ACCOUNT_LOCKED:30']))
    expect(unknown).toEqual(known)
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(6)
    expect((await bed.store.throttle.get(UNKNOWN))?.failures).toBe(6)
    console.log(
      `brute force burst: ${BURST} wrong passwords → 6 counted, ${BURST - 6} refused unchecked; unknown address answered identically`,
    )
  })

  it(`wrong app codes at the fastest pace allowed (${PACED} attempts) never get through and follow the schedule`, async () => {
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
    const start = bed.clock.t
    let successes = 0
    let attempts = 0
    let passwordChecks = 0
    while (attempts < PACED) {
      const step = await bed.engine.signIn({ email: EMAIL, password: PASSWORD })
      if (!step.ok) {
        expect(step.error.code).toBe('ACCOUNT_LOCKED')
        bed.clock.advance(step.error.params!.retryAfterSeconds! * 1000)
        continue
      }
      passwordChecks += 1
      // keep guessing on this pending sign-in until the throttle says wait
      for (;;) {
        const real = await totpCodeAt(secret, bed.clock.t)
        const guess = String((Number(real) + 1 + attempts) % 1_000_000).padStart(6, '0')
        const r = await bed.engine.verifyCode({ code: guess })
        attempts += 1
        if (r.ok) {
          successes += 1
          value(await bed.engine.signOut({}))
          break
        }
        if (r.error.code === 'ACCOUNT_LOCKED') {
          bed.clock.advance(r.error.params!.retryAfterSeconds! * 1000)
          break
        }
        expect(r.error.code).toBe('CODE_INVALID')
        if (attempts >= PACED) break
      }
    }
    const elapsed = bed.clock.t - start
    expect(successes).toBe(0)
    expect(attempts).toBeLessThanOrEqual(attemptsAllowedIn(elapsed) + 1)
    const perDay = attemptsAllowedIn(24 * 3600_000)
    const pDay = 1 - (1 - 3 / 1e6) ** perDay
    console.log(
      `brute force paced: ${attempts} wrong app codes took ${(elapsed / 86_400_000).toFixed(2)} days of clock (${passwordChecks} password checks), 0 accepted; ` +
        `the schedule allows ${perDay} guesses a day → success probability ≤ ${pDay.toExponential(2)} a day with the password known (3 valid codes in 10^6 with ±1 step)`,
    )
    expect(pDay).toBeLessThan(3.2e-4) // the figure documented in the README
  })

  it(`${BURST} wrong e-mailed codes and ${BURST} wrong recovery codes end in the same lockout`, async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const real = bed.smtp.lastCode(EMAIL)
    const codes: string[] = []
    for (let i = 0; i < BURST; i++) {
      const guess = String(i).padStart(6, '0')
      if (guess === real) continue
      const r = await bed.engine.verifyCode({ code: guess })
      codes.push(r.ok ? 'ok' : r.error.code)
    }
    expect(codes.slice(0, 4)).toEqual(Array(4).fill('CODE_INVALID'))
    // 5 tries per code: then the code is dead, and guessing it costs nothing more
    expect(new Set(codes.slice(4))).toEqual(new Set(['CODE_ATTEMPTS_EXHAUSTED']))
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(5)
    // a new code: the next wrong guess is the 6th failure and locks the account
    value(await bed.engine.resendCode({}))
    const fresh = bed.smtp.lastCode(EMAIL)
    const r = await bed.engine.verifyCode({ code: fresh === '000000' ? '111111' : '000000' })
    expect(r).toEqual({
      ok: false,
      error: { code: 'ACCOUNT_LOCKED', params: { retryAfterSeconds: 30 } },
    })
    expect((await bed.engine.verifyCode({ code: fresh })).ok).toBe(false) // even the right one, while locked

    // recovery codes share the throttle: already locked, nothing is even checked
    const recovery: string[] = []
    for (let i = 0; i < BURST; i++) {
      const r = await bed.engine.useRecoveryCode({
        code: `AAAA-BBBB-CCCC-${String(i).padStart(4, '0')}`,
      })
      recovery.push(r.ok ? 'ok' : r.error.code)
    }
    expect(new Set(recovery)).toEqual(new Set(['ACCOUNT_LOCKED']))
    expect((await bed.store.throttle.get(EMAIL))?.failures).toBe(6)
    console.log(
      `brute force codes: ${BURST} e-mailed and ${BURST} recovery guesses → 6 counted, the rest refused while locked`,
    )
  })
})
