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
import { workerCalls } from './worker-calls'

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

const worker = workerCalls<{ uri: string }, Reply, QrImages>({
  source: WORKER_SOURCE,
  workerData: () => ({ qrcode: createRequire(import.meta.url).resolve('qrcode') }),
  answer: (reply) =>
    'error' in reply
      ? new Error(`QR code: ${reply.error}`)
      : { svg: reply.svg, pngDataUrl: reply.pngDataUrl },
  exited: (code) => `QR code worker exited with code ${code}`,
  holdWhileBusy: false,
})

/** The SVG and a 320 px PNG (as a data: URL) of `uri`, drawn off the main thread. */
export function qrImages(uri: string): Promise<QrImages> {
  return worker.call({ uri })
}
