/**
 * QR codes of the authenticator-app enrollment, drawn on a worker thread.
 *
 * qrcode is synchronous: choosing the mask pattern and deflating a 320 px PNG
 * take 10–70 ms of CPU on a kiosk, and on Electron's main process that would
 * freeze the window and the idle lock's countdown (the bench's main_stall_ms
 * figure). One worker, started on first use and unref'd (it never keeps the
 * process alive), draws both images; the main thread only posts the URI and
 * receives two strings. The worker is plain CommonJS given as source, loading
 * qrcode from the path this module resolves, so it runs the same under tsx,
 * vitest and the Electron build (which leaves qrcode in node_modules).
 */

import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

export interface QrImages {
  svg: string
  pngDataUrl: string
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const QRCode = require(workerData.qrcode)
const options = { errorCorrectionLevel: 'M', margin: 2 }
parentPort.on('message', ({ id, uri }) => {
  Promise.all([
    QRCode.toString(uri, { ...options, type: 'svg' }),
    QRCode.toDataURL(uri, { ...options, width: 320 }),
  ]).then(
    ([svg, pngDataUrl]) => parentPort.postMessage({ id, svg, pngDataUrl }),
    (error) => parentPort.postMessage({ id, error: String((error && error.message) || error) }),
  )
})
`

type Reply = { id: number; svg: string; pngDataUrl: string } | { id: number; error: string }

interface Pending {
  resolve(images: QrImages): void
  reject(error: Error): void
}

/** The worker and the draws it has yet to answer: its failure fails those, not its successor's. */
interface Running {
  worker: Worker
  pending: Map<number, Pending>
}

let running: Running | undefined
let nextId = 0

function qrWorker(): Running {
  if (running) return running
  const qrcode = createRequire(import.meta.url).resolve('qrcode')
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { qrcode } })
  w.unref()
  const pending = new Map<number, Pending>()
  const mine: Running = { worker: w, pending }
  w.on('message', (reply: Reply) => {
    const p = pending.get(reply.id)
    if (!p) return
    pending.delete(reply.id)
    if ('error' in reply) p.reject(new Error(`QR code: ${reply.error}`))
    else p.resolve({ svg: reply.svg, pngDataUrl: reply.pngDataUrl })
  })
  const gone = (error: Error): void => {
    if (running === mine) running = undefined
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  w.on('error', gone)
  w.on('exit', (code) => gone(new Error(`QR code worker exited with code ${code}`)))
  running = mine
  return mine
}

/** The SVG and a 320 px PNG (as a data: URL) of `uri`, drawn off the main thread. */
export function qrImages(uri: string): Promise<QrImages> {
  return new Promise((resolve, reject) => {
    const id = (nextId += 1)
    const { worker, pending } = qrWorker()
    pending.set(id, { resolve, reject })
    worker.postMessage({ id, uri })
  })
}
