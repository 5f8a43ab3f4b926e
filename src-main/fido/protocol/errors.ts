/**
 * Errors of the protocol layer: a CTAP2 status byte (CtapStatusError), a CTAP1/U2F status word
 * (ApduStatusError), malformed data above the framing (FidoProtocolError); CtapHidError, for the
 * transport and the CTAPHID framing, comes from the transport layer and is re-exported here.
 * The client translates them once, at its boundary, into FidoError (client/errors.ts).
 */
export { CtapHidError } from '../transport/errors'
export type { CtapHidFailure } from '../transport/errors'

/** A CTAP2 response whose status byte is not CTAP2_OK (CTAP 2.1 §8.2), or a malformed body. */
export class CtapStatusError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.name = 'CtapStatusError'
    this.status = status
  }
}

/** A CTAP1/U2F response whose status word is not SW_NO_ERROR (CTAP 2.1 §11.2.x / U2F raw messages). */
export class ApduStatusError extends Error {
  readonly sw: number

  constructor(sw: number, message: string) {
    super(message)
    this.name = 'ApduStatusError'
    this.sw = sw
  }
}

/** Malformed data from the authenticator above the framing (CBOR, authenticator data, APDU body). */
export class FidoProtocolError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'FidoProtocolError'
  }
}
