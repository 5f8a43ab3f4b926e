/**
 * A CTAP2 command refused with a status byte: thrown anywhere inside the software key's command
 * handlers, turned into the reply's status in one place (ctap2.ts).
 */
export class CommandError extends Error {
  readonly status: number
  constructor(status: number) {
    super(`CTAP2 status 0x${status.toString(16)}`)
    this.status = status
  }
}

export function fail(status: number): never {
  throw new CommandError(status)
}
