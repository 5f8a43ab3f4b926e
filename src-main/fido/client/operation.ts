/**
 * One client operation's budget: its deadline, its abort signal and its status reports, and the
 * per-command options derived from them (a short limit for commands that need no touch).
 */
import type { Ctap2CallOptions } from '../protocol/ctap2'
import type { UntilTouchedOptions } from '../protocol/ctap1'
import { keyStatusOfKeepalive } from './select-device'
import type { KeyStatus } from './select-device'

export const DEFAULT_TIMEOUT_MS = 30_000
/** Commands that need no touch (getInfo, clientPIN, silent pre-flight) get at most this long. */
export const SHORT_COMMAND_MS = 5_000

export interface Operation {
  deadline: number
  signal?: AbortSignal
  onStatus: (status: KeyStatus) => void
}

export function callOptions(operation: Operation, short: boolean): Ctap2CallOptions {
  const left = Math.max(0, operation.deadline - Date.now())
  return {
    timeoutMs: short ? Math.min(left, SHORT_COMMAND_MS) : left,
    ...(operation.signal ? { signal: operation.signal } : {}),
    onKeepalive: (status: number) => operation.onStatus(keyStatusOfKeepalive(status)),
  }
}

/** For U2F commands repeated until the key is touched (CTAP 2.1 §10.2). */
export function touchPolling(operation: Operation): UntilTouchedOptions {
  return {
    deadline: operation.deadline,
    ...(operation.signal ? { signal: operation.signal } : {}),
    onTouchNeeded: () => operation.onStatus('touch'),
  }
}

export function startOperation(options: {
  timeoutMs?: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
}): Operation {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError('timeoutMs must be positive')
  let last: KeyStatus | undefined
  return {
    deadline: Date.now() + timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    onStatus: (status: KeyStatus): void => {
      if (status === last) return
      last = status
      options.onStatus?.(status)
    },
  }
}
