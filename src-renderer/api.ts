// The typed client of the contract. In Electron the preload exposes the Bridge as
// `window.guichet`; in a browser (web host) the same shape is built here over
// loopback HTTP: `POST /api/<method>` with a JSON body, answered with the Result
// envelope (also on 4xx), and events over EventSource. The credential is the
// door's HttpOnly cookie, which the browser sends itself: the page holds none.

import type { Bridge, Unsubscribe } from '../src-main/contract/bridge'
import type { Client } from '../src-main/contract/dispatch'
import type { ContractError, Result } from '../src-main/contract/errors'
import type { EventName, EventPayload, MethodName } from '../src-main/contract/methods'

/** Every contract method, so a method added to the contract fails vue-tsc until listed. */
const METHOD_NAMES = {
  getStatus: true,
  beginSetup: true,
  confirmSetup: true,
  signIn: true,
  resendCode: true,
  verifyCode: true,
  cancelSignIn: true,
  signOut: true,
  stillHere: true,
  setLanguage: true,
  listFactors: true,
  beginAppEnrollment: true,
  confirmAppEnrollment: true,
  removeApp: true,
  registerKey: true,
  removeKey: true,
  signInWithKey: true,
  signInPasswordless: true,
  choosePasswordlessAccount: true,
  cancelKeyOperation: true,
  inspectKey: true,
  setKeyPin: true,
  changeKeyPin: true,
  useRecoveryCode: true,
  issueRecoveryCodes: true,
  changePassword: true,
  beginAddressChange: true,
  confirmAddressChange: true,
  beginStepUp: true,
  stepUp: true,
  stepUpWithKey: true,
} satisfies Record<MethodName, true>

export interface HttpBridgeOptions {
  fetch?: typeof fetch
  /** Where the API lives; the page is served by the web host at its root. */
  baseUrl?: string
  createEventSource?: (url: string) => EventSource
}

function isContractError(value: unknown): value is ContractError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string'
  )
}

/** Accepts only the envelope; anything else from the host is an internal failure. */
function toResult(body: unknown): Result<unknown> {
  if (typeof body === 'object' && body !== null) {
    const envelope = body as { ok?: unknown; value?: unknown; error?: unknown }
    if (envelope.ok === true) return { ok: true, value: envelope.value }
    if (envelope.ok === false && isContractError(envelope.error)) {
      return { ok: false, error: envelope.error }
    }
  }
  return { ok: false, error: { code: 'INTERNAL' } }
}

export function createHttpBridge(options: HttpBridgeOptions = {}): Bridge {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const baseUrl = options.baseUrl ?? ''
  const createEventSource = options.createEventSource ?? ((url: string) => new EventSource(url))

  async function call(method: MethodName, input: unknown): Promise<Result<unknown>> {
    let response: Response
    try {
      response = await doFetch(`${baseUrl}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        cache: 'no-store',
        credentials: 'same-origin',
      })
    } catch {
      return { ok: false, error: { code: 'SERVICE_UNAVAILABLE' } }
    }
    try {
      return toResult(await response.json())
    } catch {
      // Not JSON: a proxy page, a crash. The host is there but not answering properly.
      return {
        ok: false,
        error: { code: response.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL' },
      }
    }
  }

  const client = {} as Record<MethodName, (input: unknown) => Promise<Result<unknown>>>
  for (const method of Object.keys(METHOD_NAMES) as MethodName[]) {
    client[method] = (input: unknown) => call(method, input)
  }

  // One EventSource for all listeners, opened on the first subscription.
  let source: EventSource | null = null
  let listenerCount = 0

  function on<E extends EventName>(
    event: E,
    listener: (payload: EventPayload<E>) => void,
  ): Unsubscribe {
    if (!source) {
      source = createEventSource(`${baseUrl}/api/events`)
    }
    const current = source
    const handler = (message: MessageEvent<string>) => {
      try {
        listener(JSON.parse(message.data) as EventPayload<E>)
      } catch {
        // A malformed event is dropped; the screen keeps its state.
      }
    }
    current.addEventListener(event, handler as EventListener)
    listenerCount += 1
    let active = true
    return () => {
      if (!active) return
      active = false
      current.removeEventListener(event, handler as EventListener)
      listenerCount -= 1
      if (listenerCount === 0 && source === current) {
        current.close()
        source = null
      }
    }
  }

  return { ...(client as unknown as Client), on }
}

/** The Electron preload's bridge when there is one, the HTTP client otherwise. */
export function createBridge(win: Window = window): Bridge {
  return win.guichet ?? createHttpBridge()
}
