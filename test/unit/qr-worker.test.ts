/**
 * The QR code worker gone mid-draw (src-main/engine/qr.ts; issue 18): the
 * enrolment screen's call still answers, with the worker's exit, and the next
 * QR code is drawn by a new worker.
 */

import type { Worker } from 'node:worker_threads'
import { expect, it, vi } from 'vitest'

const started = vi.hoisted(() => [] as Worker[])

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<{ Worker: typeof Worker }>()
  class Recorded extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args)
      started.push(this)
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
