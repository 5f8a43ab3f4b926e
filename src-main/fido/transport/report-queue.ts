/** An input-report queue with timed reads, shared by the UDP and in-memory transports. */
import type { CtapHidError } from './errors'

export class ReportQueue {
  private readonly reports: Uint8Array[] = []
  private waiter: ((report: Uint8Array | undefined) => void) | undefined
  private failure: CtapHidError | undefined

  push(report: Uint8Array): void {
    if (this.failure) return
    const waiter = this.waiter
    if (waiter) {
      this.waiter = undefined
      waiter(report)
    } else {
      this.reports.push(report)
    }
  }

  /** After fail(), every pending and future read rejects with this error. */
  fail(error: CtapHidError): void {
    if (this.failure) return
    this.failure = error
    this.reports.length = 0
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.(undefined)
  }

  get failed(): CtapHidError | undefined {
    return this.failure
  }

  read(timeoutMs: number): Promise<Uint8Array | undefined> {
    if (this.failure) return Promise.reject(this.failure)
    const next = this.reports.shift()
    if (next) return Promise.resolve(next)
    if (this.waiter) return Promise.reject(new Error('ReportQueue: concurrent reads'))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiter = undefined
          resolve(undefined)
        },
        Math.max(0, timeoutMs),
      )
      this.waiter = (report): void => {
        clearTimeout(timer)
        if (report === undefined && this.failure) reject(this.failure)
        else resolve(report)
      }
    })
  }
}
