/**
 * Errors of the shared (PostgreSQL) store that callers act on. Dependency-free,
 * so the contract's dispatch can import it to answer SERVICE_UNAVAILABLE.
 */

/**
 * The account store cannot be reached right now (server down, connection
 * dropped, too many connections…). Whatever was being written was rolled back:
 * the clerk can try again.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}
