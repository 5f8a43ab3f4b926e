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

import { workerCalls } from './worker-calls'

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

const worker = workerCalls<
  { password: string; inputs: string[] },
  { id: number; score?: number; error?: string },
  number
>({
  source: WORKER_SOURCE,
  workerData: () => ({ from: import.meta.url }),
  answer: (m) =>
    m.score === undefined ? new Error(`password strength: ${m.error ?? 'no score'}`) : m.score,
  exited: (code) => `password strength worker exited (${code})`,
  holdWhileBusy: true, // a check in progress keeps the process until it answers
})

/** The first STRENGTH_INPUT_CHARS characters (code points) of `password`. */
export function boundedForEstimate(password: string): string {
  return [...password].slice(0, STRENGTH_INPUT_CHARS).join('')
}

/** zxcvbn's score (0–4) of `password` (bounded), with the words of the account as hints. */
export function strengthScore(password: string, userInputs: string[]): Promise<number> {
  return worker.call({ password: boundedForEstimate(password), inputs: userInputs })
}

/** Stops the worker (tests, shutdown); the next check starts a new one. */
export function stopStrengthWorker(): Promise<void> {
  return worker.stop()
}
