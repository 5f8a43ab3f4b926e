/**
 * What goes wrong below CTAP2: the transport (a device gone, nothing heard in time, an abort) or
 * the CTAPHID framing (CTAP 2.1 §11.2). The lowest layer's error, so every layer above can throw
 * and recognise it.
 */
/** What went wrong below CTAP2: the transport or the CTAPHID framing (CTAP 2.1 §11.2). */
export type CtapHidFailure =
  | 'timeout' // nothing (or nothing valid) arrived before the deadline
  | 'no-response' // a lossy transport heard nothing at all on the channel after a request
  | 'cancelled' // the caller's AbortSignal fired
  | 'disconnected' // the device went away (read/write failed, transport closed)
  | 'protocol' // malformed frames, wrong sequence, oversized length, unexpected command
  | 'device-error' // the device answered CTAPHID_ERROR

export class CtapHidError extends Error {
  readonly failure: CtapHidFailure
  /** The CTAPHID_ERROR code, for failure === 'device-error' (CTAP 2.1 §11.2.9.1.6). */
  readonly hidError?: number

  constructor(
    failure: CtapHidFailure,
    message: string,
    options: { hidError?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CtapHidError'
    this.failure = failure
    if (options.hidError !== undefined) this.hidError = options.hidError
  }
}
