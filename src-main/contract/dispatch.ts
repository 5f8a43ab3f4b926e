// The one validation path that both adapters (Electron IPC and the web host)
// use: method name checked against the table, payload parsed as `unknown`
// against the method's schema, the engine called, and every outcome returned
// as the `{ ok, value | error }` envelope. Nothing thrown escapes.

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

/** Rough serialized size, refusing before any work when the payload is too big. */
function isOversized(payload: unknown): boolean {
  try {
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
    options.onInternalError?.(method, error)
    return fail('INTERNAL')
  }
}
