/**
 * When the mail server does not take a mail (issue 18): a code that cannot go
 * out is told to IT in the log and written in the audit trail; a notice that
 * cannot go out is told to IT and does not undo the change it reports.
 */

import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../src-main/log'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'

let bed: TestBed | undefined
afterEach(async () => {
  await bed?.close()
  bed = undefined
})

function capture(): { log: typeof silentLogger; warns: unknown[][] } {
  const warns: unknown[][] = []
  return { log: { ...silentLogger, warn: (...w: unknown[]) => warns.push(w) }, warns }
}

describe('mail the server does not take', () => {
  it('a code: IT reads “code not sent” with the user, and the audit says MAIL_UNAVAILABLE by email', async () => {
    const { log, warns } = capture()
    bed = await startBed({}, { log })
    const userId = await addUser(bed.store, EMAIL)
    bed.smtp.fault = 'refuse-recipient'
    expect(await bed.engine.signIn({ email: EMAIL, password: PASSWORD })).toEqual({
      ok: false,
      error: { code: 'MAIL_UNAVAILABLE' },
    })
    expect(warns).toEqual([['code not sent', { userId, error: expect.any(String) }]])
    const entries = await bed.store.audit.list()
    expect(entries.find((e) => e.event === 'code-sent')).toMatchObject({
      outcome: 'fail',
      userId,
      factor: 'email',
      detail: 'MAIL_UNAVAILABLE',
    })
  })

  it('a notice: IT reads “notice not sent” with its kind and the user, and the change stands', async () => {
    const { log, warns } = capture()
    bed = await startBed({}, { log })
    const userId = await addUser(bed.store, EMAIL)
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
    bed.smtp.fault = 'refuse-recipient'
    value(await bed.engine.changePassword({ current: PASSWORD, next: 'Lanterne-Vigie-Tamaris-82' }))
    expect(warns).toEqual([
      ['notice not sent', { kind: 'password-changed', userId, error: expect.any(String) }],
    ])
  })
})
