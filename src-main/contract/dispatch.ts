/**
 * The one validation path that both adapters (Electron IPC and the web host)
 * use: method name checked against the table, payload parsed as `unknown`
 * against the method's schema, the engine called, and every outcome returned
 * as the `{ ok, value | error }` envelope. Nothing thrown escapes.
 */

import { StoreUnavailableError } from '../store/pg/errors'
import { fail, type Result } from './errors'
import {
  type Input,
  isMethodName,
  MAX_PAYLOAD_BYTES,
  methods,
  type MethodName,
  type Output,
  type ParsedInput,
} from './methods'

/** What main implements: one async function per contract method. */
export type Api = {
  [M in MethodName]: (input: ParsedInput<M>) => Promise<Result<Output<M>>>
}

/** What the renderer calls: the same methods, with the input as typed before parsing. */
export type Client = {
  [M in MethodName]: (input: Input<M>) => Promise<Result<Output<M>>>
}

export interface DispatchOptions {
  /** Called with unexpected errors; they reach the caller only as `INTERNAL`. */
  onInternalError?: (method: string, error: unknown) => void
}

/**
 * Whether a lower bound of the payload's JSON size passes `limit`. Walked without recursion and
 * given up as soon as the bound passes the limit, so the work is bounded by the limit (and by
 * what was received), not by what the payload expands to: a structured-clone IPC payload of a
 * few hundred bytes can be a sparse array of length 1e8, or a graph of shared references, that
 * JSON.stringify would take minutes and gigabytes to expand. Every value counts at least one
 * byte, a string its length, an array its brackets and commas, a key its length and `"":`.
 */
function exceedsLowerBound(payload: unknown, limit: number): boolean {
  let bound = 0
  const pending: unknown[] = [payload]
  while (pending.length > 0) {
    const value = pending.pop()
    if (typeof value === 'string' || value instanceof String) {
      bound += value.length + 2
    } else if (typeof value !== 'object' || value === null) {
      bound += 1
    } else if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      bound += 1 // a Date: what toJSON gives is measured by JSON.stringify
    } else if (
      Array.isArray(value) ||
      (ArrayBuffer.isView(value) && !(value instanceof DataView))
    ) {
      const items = value as ArrayLike<unknown>
      // brackets and commas, then at least one byte per element (a hole is `null`)
      bound += 1 + items.length
      if (bound + items.length > limit) return true
      for (let i = 0; i < items.length; i++) {
        if (Array.isArray(items)) pending.push(items[i])
        else bound += String(i).length + 4 // a typed array is written {"0":1,…}
      }
    } else {
      bound += 1 // `{}`, or a boxed number or boolean
      for (const key of Object.keys(value)) {
        const member = (value as Record<string, unknown>)[key]
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol')
          continue // left out by JSON.stringify
        bound += key.length + 3
        if (bound > limit) return true
        pending.push(member)
      }
    }
    if (bound > limit) return true
  }
  return false
}

/** Rough serialized size, refusing before any work when the payload is too big. */
function isOversized(payload: unknown): boolean {
  try {
    if (exceedsLowerBound(payload, MAX_PAYLOAD_BYTES)) return true
    const json = JSON.stringify(payload)
    return json !== undefined && new TextEncoder().encode(json).length > MAX_PAYLOAD_BYTES
  } catch {
    return true // cycles, BigInt: not a payload a client can send
  }
}

export async function dispatch(
  api: Api,
  method: unknown,
  payload: unknown,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  if (!isMethodName(method)) return fail('UNKNOWN_METHOD')
  if (isOversized(payload)) return fail('VALIDATION')
  const schema = methods[method].input
  const parsed = schema.safeParse(payload === undefined ? {} : payload)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const field = first?.path.map(String).join('.')
    return fail('VALIDATION', field ? { field } : undefined)
  }
  try {
    const handler = api[method] as (input: unknown) => Promise<Result<unknown>>
    return await handler(parsed.data)
  } catch (error) {
    // The shared store is unreachable: nothing was written; the clerk can try again.
    if (error instanceof StoreUnavailableError) return fail('SERVICE_UNAVAILABLE')
    options.onInternalError?.(method, error)
    return fail('INTERNAL')
  }
}
