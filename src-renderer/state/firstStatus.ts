// The first getStatus, asked by main.ts before anything else, so that its answer
// travels while the renderer loads and Vue sets up. The first clerk's store takes
// it (once): when it has answered by then, the first screen is the one it says,
// with no loading screen before it.

import type { Bridge } from '../../src-main/contract/bridge'
import type { Result } from '../../src-main/contract/errors'
import type { Status } from '../../src-main/contract/methods'

export interface FirstStatus {
  readonly promise: Promise<Result<Status>>
  /** The answer, once it has arrived. */
  readonly result: Result<Status> | null
}

export interface FirstStatusRequest {
  /** The answer for the first clerk tree, once; null afterwards. */
  take(): FirstStatus | null
  /** Resolves when the answer has arrived, or after `ms`, whichever comes first. */
  settled(ms: number): Promise<void>
  /** The answer, if it has arrived (taken or not). */
  answered(): Result<Status> | null
}

export function askFirstStatus(bridge: Bridge): FirstStatusRequest {
  // The bridge's calls answer with a Result and do not throw; should one throw,
  // it is the answer of an unreachable service.
  const promise = bridge.getStatus({}).then(
    (result) => result,
    (): Result<Status> => ({ ok: false, error: { code: 'SERVICE_UNAVAILABLE' } }),
  )
  const first: { promise: Promise<Result<Status>>; result: Result<Status> | null } = {
    promise,
    result: null,
  }
  void promise.then((result) => {
    first.result = result
  })
  let taken = false
  return {
    take() {
      if (taken) return null
      taken = true
      return first
    },
    answered() {
      return first.result
    },
    settled(ms) {
      return Promise.race([
        promise.then(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, ms)),
      ])
    },
  }
}
