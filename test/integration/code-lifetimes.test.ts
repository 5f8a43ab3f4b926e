// The lifetime of an e-mailed code, at its edges (DESIGN.md: 10 minutes;
// refused when the clock reads more than 5 s before its sending, since its age
// can no longer be told). Checked on a step-up's code, which no pending
// sign-in's own lifetime hides. Written for the mutation run (issue 18):
// src-main/engine/email-codes.ts, isStale().

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
/** DESIGN.md: an e-mailed code lives 10 minutes; clock readings 5 s apart are one moment. */
const CODE_SECONDS = 600
const CLOCK_TOLERANCE_SECONDS = 5

describe('an e-mailed step-up code', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    value(await bed.engine.beginStepUp({}))
  })
  afterEach(() => bed.close())

  it('is accepted at the last millisecond of its 10 minutes', async () => {
    bed.clock.advance(CODE_SECONDS * 1000)
    expect((await bed.engine.stepUp({ code: bed.smtp.lastCode(EMAIL) })).ok).toBe(true)
  })

  it('is refused 1 ms after its 10 minutes', async () => {
    bed.clock.advance(CODE_SECONDS * 1000 + 1)
    expect(await bed.engine.stepUp({ code: bed.smtp.lastCode(EMAIL) })).toEqual({
      ok: false,
      error: { code: 'CODE_EXPIRED' },
    })
  })

  it('is accepted on a clock set back 5 s (the same moment to NTP)', async () => {
    bed.clock.advance(-CLOCK_TOLERANCE_SECONDS * 1000)
    expect((await bed.engine.stepUp({ code: bed.smtp.lastCode(EMAIL) })).ok).toBe(true)
  })

  it('is refused on a clock set back more than 5 s before its sending', async () => {
    bed.clock.advance(-CLOCK_TOLERANCE_SECONDS * 1000 - 1)
    expect(await bed.engine.stepUp({ code: bed.smtp.lastCode(EMAIL) })).toEqual({
      ok: false,
      error: { code: 'CODE_EXPIRED' },
    })
  })
})
