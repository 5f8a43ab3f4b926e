/**
 * One worker thread answering calls by id, started on first use: the password
 * strength estimate (./strength.ts) and the QR codes (./qr.ts) run there, off
 * the main thread. Each worker owns the calls it was given: when it crashes or
 * exits, those fail with its error, and the next call starts a new worker —
 * a late exit of an old worker never fails its successor's calls. An idle
 * worker never keeps the process alive; with `holdWhileBusy`, a call in
 * progress does, until the last answer comes.
 */

import { Worker } from 'node:worker_threads'

export interface WorkerCalls<Q, A> {
  /** Posts `request` with a fresh `id`; resolves with the worker's answer to it. */
  call(request: Q): Promise<A>
  /** Stops the worker (tests, shutdown); the next call starts a new one. */
  stop(): Promise<void>
}

export interface WorkerCallsOptions<R, A> {
  /** CommonJS source of the worker, run with `eval`. */
  source: string
  workerData: () => unknown
  /** The answer to a reply, or the Error its call fails with. */
  answer(reply: R): A | Error
  /** The message of the calls' failure when the worker exits. */
  exited(code: number): string
  holdWhileBusy: boolean
}

interface Pending<A> {
  resolve(answer: A): void
  reject(error: Error): void
}

export function workerCalls<Q extends object, R extends { id: number }, A>(
  options: WorkerCallsOptions<R, A>,
): WorkerCalls<Q, A> {
  let running: { worker: Worker; pending: Map<number, Pending<A>> } | undefined
  let nextId = 0

  const start = (): NonNullable<typeof running> => {
    const worker = new Worker(options.source, { eval: true, workerData: options.workerData() })
    const pending = new Map<number, Pending<A>>()
    const mine = { worker, pending }
    worker.on('message', (reply: R) => {
      const p = pending.get(reply.id)
      if (!p) return
      pending.delete(reply.id)
      const answer = options.answer(reply)
      if (answer instanceof Error) p.reject(answer)
      else p.resolve(answer)
      if (pending.size === 0) worker.unref()
    })
    const gone = (error: Error): void => {
      if (running === mine) running = undefined
      for (const p of pending.values()) p.reject(error)
      pending.clear()
    }
    worker.on('error', gone)
    worker.on('exit', (code) => gone(new Error(options.exited(code))))
    worker.unref()
    running = mine
    return mine
  }

  return {
    call(request) {
      const { worker, pending } = running ?? start()
      const id = nextId++
      return new Promise<A>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        if (options.holdWhileBusy) worker.ref()
        worker.postMessage({ ...request, id })
      })
    },
    async stop() {
      const worker = running?.worker
      running = undefined
      if (worker) await worker.terminate()
    },
  }
}
