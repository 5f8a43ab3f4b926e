/**
 * Payloads that measure how much of themselves the contract's size check reads: a proxy that
 * counts every property read and key listing, and a sparse array (a few bytes as a structured
 * clone, as long as asked when expanded).
 */

/** Counts every property read and key listing made on `target`. */
export function counted<T extends object>(target: T, counter: { reads: number }): T {
  return new Proxy(target, {
    get(t, key, receiver) {
      counter.reads++
      return Reflect.get(t, key, receiver) as unknown
    },
    ownKeys(t) {
      counter.reads++
      return Reflect.ownKeys(t)
    },
  })
}

/** An array of `length` holes. */
export function sparse(length: number): unknown[] {
  const holes: unknown[] = []
  holes.length = length
  return holes
}
