/**
 * The QR code worker gone mid-draw (src-main/engine/qr.ts; issue 18): the
 * enrolment screen's call still answers, with the worker's exit, and the next
 * QR code is drawn by a new worker.
 */

import type { Worker } from 'node:worker_threads'
import { expect, it, vi } from 'vitest'

const started = vi.hoisted(() => [] as Worker[])
/** ref() calls, by worker. */
const refs = vi.hoisted(() => new Map<Worker, number>())

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<{ Worker: typeof Worker }>()
  class Recorded extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args)
      started.push(this)
    }
    override ref(): void {
      refs.set(this, (refs.get(this) ?? 0) + 1)
      super.ref()
    }
  }
  return { ...real, Worker: Recorded }
})

const { qrImages } = await import('../../src-main/engine/qr')

const URI = 'otpauth://totp/Guichet:alice.martin%40mairie.fr?secret=JBSWY3DPEHPK3PXP&issuer=Guichet'

it('a draw in progress when the worker exits answers with the exit, and the next draw starts a new worker', async () => {
  const inProgress = qrImages(URI)
  expect(started).toHaveLength(1)
  await started[0]!.terminate()
  await expect(inProgress).rejects.toThrow(/^QR code worker exited with code \d+$/)
  const next = await qrImages(URI)
  expect(next.svg).toContain('<svg')
  expect(next.pngDataUrl).toMatch(/^data:image\/png;base64,/)
  expect(started).toHaveLength(2)
  await started[1]!.terminate()
})

it('a worker that crashes fails the draw in progress with its error, and the next draw starts a new worker', async () => {
  started.length = 0
  const inProgress = qrImages(URI)
  expect(started).toHaveLength(1)
  started[0]!.emit('error', new Error('worker crashed'))
  await expect(inProgress).rejects.toThrow(/^worker crashed$/)
  expect((await qrImages(URI)).svg).toContain('<svg')
  expect(started).toHaveLength(2)
  await started[0]!.terminate()
  await started[1]!.terminate()
})

it('the exit of a crashed worker, once replaced, leaves its successor’s draws in place', async () => {
  started.length = 0
  const first = qrImages(URI)
  started[0]!.emit('error', new Error('worker crashed')) // a crash: 'error', then 'exit' later
  await expect(first).rejects.toThrow(/^worker crashed$/)
  const next = qrImages(URI) // drawn by a second worker…
  expect(started).toHaveLength(2)
  await started[0]!.terminate() // …while the first one exits
  expect((await next).svg).toContain('<svg')
  expect((await qrImages(URI)).pngDataUrl).toMatch(/^data:image\/png;base64,/)
  expect(started).toHaveLength(2)
  await started[1]!.terminate()
})

it('a draw in progress never keeps the process alive: the worker is never held', async () => {
  started.length = 0
  await Promise.all([qrImages(URI), qrImages(URI)])
  expect(started).toHaveLength(1)
  expect(refs.get(started[0]!) ?? 0).toBe(0)
  await started[0]!.terminate()
})
