// The engine between calls: every 5 seconds it ends on its own a session past
// its lifetime (a page that is gone calls nothing), and says so in the log when
// it cannot; reset() forgets the clerk at once (the runtime's close, a new
// page); close() stops the sweep, so a closed engine ends nothing any more.
// Only setInterval is faked: the store, the mail server and the key run as ever.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataKeyMismatchError } from '../../src-main/engine/engine'
import { silentLogger } from '../../src-main/log'
import { addUser, PASSWORD, startBed, value, type TestBed } from '../support/env'

const EMAIL = 'alice.martin@mairie.fr'
/** DESIGN.md: the idle lock (60 s here), then 30 s of warning; the sweep runs every 5 s. */
const IDLE_LOCK_SECONDS = 60
const PAST_IDLE_MS = (IDLE_LOCK_SECONDS + 30) * 1000 + 1
const SWEEP_MS = 5000

let bed: TestBed | undefined
afterEach(async () => {
  vi.useRealTimers()
  await bed?.close()
  bed = undefined
})

async function signedIn(log = silentLogger): Promise<TestBed> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
  bed = await startBed({ idleLockSeconds: IDLE_LOCK_SECONDS }, { log })
  await addUser(bed.store, EMAIL)
  value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
  value(await bed.engine.verifyCode({ code: bed.smtp.lastCode(EMAIL) }))
  return bed
}

async function events(b: TestBed): Promise<string[]> {
  return (await b.store.audit.list()).map((e) => e.event)
}

/** Lets the sweep's store calls finish (real I/O, real time). */
async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 300))
}

describe('the engine between calls', () => {
  it('ends an idle session on its own at the next sweep, and audits it', async () => {
    const b = await signedIn()
    b.clock.advance(PAST_IDLE_MS)
    vi.advanceTimersByTime(SWEEP_MS)
    await vi.waitFor(async () => expect(await events(b)).toContain('session-expired'), {
      timeout: 10_000,
    })
    expect(value(await b.engine.getStatus({})).session).toBeNull()
  })

  it('logs a sweep that fails, and goes on', async () => {
    const errors: unknown[][] = []
    const b = await signedIn({ ...silentLogger, error: (...e: unknown[]) => errors.push(e) })
    const disk = new Error('disk full')
    vi.spyOn(b.store.audit, 'append').mockRejectedValue(disk)
    b.clock.advance(PAST_IDLE_MS)
    vi.advanceTimersByTime(SWEEP_MS)
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 10_000 })
    expect(errors[0]).toEqual(['Ending an expired session failed', { error: disk }])
  })

  it('close() stops the sweep: a closed engine ends nothing any more', async () => {
    const b = await signedIn()
    b.engine.close()
    b.clock.advance(PAST_IDLE_MS)
    vi.advanceTimersByTime(SWEEP_MS * 3)
    await settle()
    expect(await events(b)).not.toContain('session-expired')
  })

  it('reset() forgets the signed-in clerk at once', async () => {
    const b = await signedIn()
    b.engine.reset()
    expect(value(await b.engine.getStatus({})).session).toBeNull()
    expect(await b.engine.listFactors({})).toEqual({
      ok: false,
      error: { code: 'NOT_SIGNED_IN' },
    })
  })
})

describe('a data key that does not open the store', () => {
  it('is named in logs and says what IT must do', () => {
    const error = new DataKeyMismatchError('/var/lib/guichet/guichet.sqlite')
    expect(error.name).toBe('DataKeyMismatchError')
    expect(error.message).toBe(
      "This terminal's data key does not open the secrets of the account store /var/lib/guichet/guichet.sqlite: " +
        'every terminal sharing a store must use the same data key (copy data.key from the first terminal before the first start; see the README).',
    )
  })
})
