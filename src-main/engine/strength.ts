/**
 * The password-strength estimate (zxcvbn-ts with French and English
 * dictionaries) off the main thread: one `worker_threads` worker, started on
 * first use, answers the checks in turn. A check can take seconds on a long
 * password; meanwhile the engine keeps answering every other request (the web
 * host's page, the IPC of the shell), because nothing of it runs on their loop.
 *
 * The input is bounded as well: only the first STRENGTH_INPUT_CHARS characters
 * are estimated (a password may be up to 256). What lies beyond adds strength
 * the estimate does not need to see to say "strong enough".
 *
 * The worker's code is a string run with `eval`, loading the dictionaries
 * through `createRequire` from this module's own location: it works the same
 * from the sources (tsx, vitest) and from the electron-vite bundle, whose
 * dependencies stay in node_modules.
 */

import { Worker } from 'node:worker_threads'

/** Characters of a password the estimator looks at. */
export const STRENGTH_INPUT_CHARS = 100

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createRequire } = require('node:module')
const load = createRequire(workerData.from)
const { ZxcvbnFactory } = load('@zxcvbn-ts/core')
const common = load('@zxcvbn-ts/language-common')
const fr = load('@zxcvbn-ts/language-fr')
const en = load('@zxcvbn-ts/language-en')
const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...fr.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
})
parentPort.on('message', ({ id, password, inputs }) => {
  try {
    parentPort.postMessage({ id, score: zxcvbn.check(password, inputs).score })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) })
  }
})
`

interface Pending {
  resolve(score: number): void
  reject(error: Error): void
}

/** The worker and the checks it has yet to answer: its failure fails those, not its successor's. */
interface Running {
  worker: Worker
  pending: Map<number, Pending>
}

let running: Running | undefined
let nextId = 0

function theWorker(): Running {
  if (running) return running
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { from: import.meta.url } })
  const pending = new Map<number, Pending>()
  const mine: Running = { worker: w, pending }
  const gone = (error: Error): void => {
    if (running === mine) running = undefined
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  w.on('message', (m: { id: number; score?: number; error?: string }) => {
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    if (m.error !== undefined || m.score === undefined)
      p.reject(new Error(`password strength: ${m.error ?? 'no score'}`))
    else p.resolve(m.score)
    if (pending.size === 0) w.unref()
  })
  w.on('error', gone)
  w.on('exit', (code) => gone(new Error(`password strength worker exited (${code})`)))
  w.unref() // an idle worker never keeps the process alive
  running = mine
  return mine
}

/** The first STRENGTH_INPUT_CHARS characters (code points) of `password`. */
export function boundedForEstimate(password: string): string {
  return [...password].slice(0, STRENGTH_INPUT_CHARS).join('')
}

/** zxcvbn's score (0–4) of `password` (bounded), with the words of the account as hints. */
export function strengthScore(password: string, userInputs: string[]): Promise<number> {
  const { worker: w, pending } = theWorker()
  const id = nextId++
  return new Promise<number>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    w.ref() // a check in progress keeps the process until it answers
    w.postMessage({ id, password: boundedForEstimate(password), inputs: userInputs })
  })
}

/** Stops the worker (tests, shutdown); the next check starts a new one. */
export async function stopStrengthWorker(): Promise<void> {
  const w = running?.worker
  running = undefined
  if (w) await w.terminate()
}
