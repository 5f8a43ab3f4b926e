// The mail server misbehaving: down, refusing the recipient, dropping the
// connection mid-DATA, answering beyond the timeout. The clerk gets a
// sentence (MAIL_UNAVAILABLE), nothing is consumed, and a later try works.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../../support/env'
import type { SmtpFault } from '../../support/smtp'

const EMAIL = 'alice.martin@mairie.fr'

describe('mail faults', () => {
  let bed: TestBed
  beforeEach(async () => {
    bed = await startBed() // mail timeout: 2 s
    await addUser(bed.store, EMAIL)
  })
  afterEach(() => bed.close())

  async function consumed(): Promise<{ codes: number; failures: number }> {
    return {
      codes: await bed.store.codes.countSentSince(1, 0),
      failures: (await bed.store.throttle.get(EMAIL))?.failures ?? 0,
    }
  }

  it.each<SmtpFault>(['refuse-recipient', 'drop-in-data', 'slow'])(
    '%s: MAIL_UNAVAILABLE, nothing consumed, then it works',
    async (fault) => {
      bed.smtp.fault = fault
      const started = Date.now()
      const r = await bed.engine.signIn({ email: EMAIL, password: PASSWORD })
      const tookMs = Date.now() - started
      expect(r).toEqual({ ok: false, error: { code: 'MAIL_UNAVAILABLE' } })
      expect(tookMs).toBeLessThan(20_000) // bounded by the configured timeout, never a hang
      expect(await consumed()).toEqual({ codes: 0, failures: 0 })
      // the quota is untouched: 5 codes can still be sent this hour
      bed.smtp.fault = 'none'
      value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
      for (let i = 0; i < 4; i++) value(await bed.engine.resendCode({}))
      value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
      console.log(
        `mail fault ${fault}: MAIL_UNAVAILABLE after ${tookMs} ms; nothing counted; next attempt succeeded`,
      )
    },
  )

  it('server down (nothing listens): MAIL_UNAVAILABLE, then it works once it is back', async () => {
    const down = await bed.reopen({ mail: { url: 'smtp://127.0.0.1:9', timeoutSeconds: 2 } })
    expect(await down.engine.signIn({ email: EMAIL, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'MAIL_UNAVAILABLE' },
    })
    expect(await consumed()).toEqual({ codes: 0, failures: 0 })
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
  })

  it('a failed resend keeps the code already sent valid and consumes nothing', async () => {
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    const code = bed.smtp.lastCode(EMAIL)
    bed.smtp.fault = 'refuse-recipient'
    expect(await bed.engine.resendCode({})).toEqual({
      ok: false,
      error: { code: 'MAIL_UNAVAILABLE' },
    })
    expect(await consumed()).toEqual({ codes: 1, failures: 0 })
    bed.smtp.fault = 'none'
    value(await bed.engine.verifyCode({ code }))
  })
})
