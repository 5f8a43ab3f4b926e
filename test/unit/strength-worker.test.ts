/**
 * The password-strength worker's main-thread side (src-main/engine/strength.ts;
 * issue 18): what a check answers when the worker reports an error, crashes or
 * exits on its own, and that a check in progress — only then — keeps the
 * process alive. The worker is the real one; its failures are raised on it as
 * Node raises them (its `error` and `exit` events, a message carrying `error`).
 */

import type { Worker } from 'node:worker_threads'
import { afterEach, expect, it, vi } from 'vitest'

interface Recorded {
  worker: Worker
  /** Every message posted to the worker. */
  posted: { id: number; password: string; inputs: string[] }[]
  /** ref() / unref() calls, in order. */
  holds: ('ref' | 'unref')[]
}

const started = vi.hoisted(() => [] as Recorded[])

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<{ Worker: typeof Worker }>()
  class Watched extends real.Worker {
    private readonly record: Recorded
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args)
      this.record = { worker: this, posted: [], holds: [] }
      started.push(this.record)
    }
    override postMessage(message: Recorded['posted'][number]): void {
      this.record.posted.push(message)
      super.postMessage(message)
    }
    override ref(): void {
      this.record.holds.push('ref')
      super.ref()
    }
    override unref(): void {
      this.record.holds.push('unref')
      super.unref()
    }
  }
  return { ...real, Worker: Watched }
})

const { stopStrengthWorker, strengthScore } = await import('../../src-main/engine/strength')

const STRONG = 'Marché-du-jeudi-sous-la-pluie'

afterEach(async () => {
  await stopStrengthWorker()
  started.length = 0
})

/** The last worker started, and the id of the last check posted to it. */
function last(): { w: Recorded; id: number } {
  const w = started.at(-1)!
  return { w, id: w.posted.at(-1)!.id }
}

it('a check the worker answers with an error fails with that error, not with a score', async () => {
  const check = strengthScore(STRONG, ['alice'])
  const { w, id } = last()
  w.worker.emit('message', { id, error: 'dictionary not loaded' })
  await expect(check).rejects.toThrow(/^password strength: dictionary not loaded$/)
})

it('a check the worker answers with neither a score nor an error fails as « no score »', async () => {
  const check = strengthScore(STRONG, ['alice'])
  const { w, id } = last()
  w.worker.emit('message', { id })
  await expect(check).rejects.toThrow(/^password strength: no score$/)
})

it('a worker that crashes fails every check in progress with its error, and the next check starts a new worker', async () => {
  const first = strengthScore(STRONG, ['alice'])
  const second = strengthScore('Bateau-ivre-sous-la-pluie-77', ['alice'])
  expect(started).toHaveLength(1)
  started[0]!.worker.emit('error', new Error('worker crashed'))
  await expect(first).rejects.toThrow(/^worker crashed$/)
  await expect(second).rejects.toThrow(/^worker crashed$/)
  expect(await strengthScore(STRONG, ['alice'])).toBeGreaterThanOrEqual(3)
  expect(started).toHaveLength(2)
})

it('a worker that exits on its own fails the check in progress, and the next check starts a new worker', async () => {
  const inProgress = strengthScore(STRONG, ['alice'])
  await started[0]!.worker.terminate() // not through stopStrengthWorker: the engine must notice
  await expect(inProgress).rejects.toThrow(/^password strength worker exited \(\d+\)$/)
  expect(await strengthScore(STRONG, ['alice'])).toBeGreaterThanOrEqual(3)
  expect(started).toHaveLength(2)
})

it('the exit of a worker already replaced leaves its successor in place', async () => {
  expect(await strengthScore(STRONG, ['alice'])).toBeGreaterThanOrEqual(3)
  const stopping = stopStrengthWorker() // the first worker exits while…
  expect(await strengthScore(STRONG, ['alice'])).toBeGreaterThanOrEqual(3) // …a second answers
  await stopping
  expect(await strengthScore(STRONG, ['alice'])).toBeGreaterThanOrEqual(3)
  expect(started).toHaveLength(2)
})

it('only a check in progress keeps the process alive: the worker is let go when the last answer comes', async () => {
  const first = strengthScore(STRONG, ['alice'])
  const second = strengthScore('Bateau-ivre-sous-la-pluie-77', ['alice'])
  const { w } = last()
  expect(w.holds).toEqual(['unref', 'ref', 'ref']) // idle when started, held by each check
  await first
  expect(w.holds).toEqual(['unref', 'ref', 'ref']) // the second is still in progress
  await second
  expect(w.holds).toEqual(['unref', 'ref', 'ref', 'unref'])
})
