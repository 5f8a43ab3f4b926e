/**
 * IPC binding: one handler per contract method, each going through the
 * contract's `dispatch` (the one validation path), behind a sender check.
 * Written against small interfaces instead of Electron's classes so the unit
 * tests drive it with an in-memory stand-in for ipcMain.
 */

import { channelOf, eventChannelOf } from '../contract/bridge'
import { dispatch, type Api } from '../contract/dispatch'
import { fail, type Result } from '../contract/errors'
import type { EventName, EventPayload, MethodName } from '../contract/methods'
import type { Logger } from '../log'
import { isShellEventName } from './method-list'
import { APP_HOST, APP_SCHEME } from './window-options'

/** What a handler sees of `IpcMainInvokeEvent`. */
export interface IpcInvokeEventLike<F> {
  readonly senderFrame: F | null
}

/** What the binding uses of `ipcMain`. */
export interface IpcMainLike<F> {
  handle(
    channel: string,
    listener: (event: IpcInvokeEventLike<F>, ...args: unknown[]) => Promise<unknown>,
  ): void
  removeHandler(channel: string): void
}

/** What the sender check uses of `WebFrameMain`. */
export interface FrameLike {
  readonly url: string
  readonly parent: FrameLike | null
  /** Renderer process and frame token: together they name one frame. */
  readonly processId: number
  readonly frameToken: string
  /** True once the frame has navigated away or was removed. */
  readonly detached: boolean
}

/** The same frame: the same wrapper object, or the same process and frame token. */
export function isSameFrame(a: FrameLike, b: FrameLike): boolean {
  return a === b || (a.processId === b.processId && a.frameToken === b.frameToken)
}

export type Handler = (payload: unknown) => Promise<Result<unknown>>

/** One entry per contract method: leaving one out is a compile error. */
export type HandlerTable = { readonly [M in MethodName]: Handler }

export interface HandlerOptions {
  log: Logger
  /**
   * Runs after the engine accepted a sign-out: main clears the renderer's
   * storage and cache. A failure is logged; the sign-out itself stands.
   */
  afterSignOut?: () => Promise<void>
}

export interface BindIpcOptions<F> extends HandlerOptions {
  /** True only for the kiosk window's top frame showing an app:// page. */
  isTrustedSender(frame: F | null): boolean
}

/** True for URLs of the kiosk UI: app://guichet/… */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST
  } catch {
    return false
  }
}

/**
 * The sender check main uses: the frame must be the kiosk window's main frame,
 * still attached, be a top frame, and show a page at the app origin.
 */
export function createTrustedSenderCheck<F extends FrameLike>(
  getWindowMainFrame: () => F | null | undefined,
): (frame: F | null) => boolean {
  return (frame) => {
    if (frame === null) return false
    const expected = getWindowMainFrame()
    return (
      expected !== null &&
      expected !== undefined &&
      isSameFrame(frame, expected) &&
      !frame.detached &&
      frame.parent === null &&
      isAppUrl(frame.url)
    )
  }
}

export function createHandlers(api: Api, options: HandlerOptions): HandlerTable {
  const { log } = options
  const onInternalError = (method: string, error: unknown): void => {
    log.error('IPC call failed with an unexpected error', { method, error })
  }
  const via =
    (method: MethodName): Handler =>
    (payload) =>
      dispatch(api, method, payload, { onInternalError })

  const signOut: Handler = async (payload) => {
    const result = await via('signOut')(payload)
    if (result.ok && options.afterSignOut) {
      try {
        await options.afterSignOut()
      } catch (error) {
        log.error('Clearing the window storage after sign-out failed', { error })
      }
    }
    return result
  }

  return {
    getStatus: via('getStatus'),
    beginSetup: via('beginSetup'),
    confirmSetup: via('confirmSetup'),
    signIn: via('signIn'),
    resendCode: via('resendCode'),
    verifyCode: via('verifyCode'),
    cancelSignIn: via('cancelSignIn'),
    signOut,
    stillHere: via('stillHere'),
    setLanguage: via('setLanguage'),
    listFactors: via('listFactors'),
    beginAppEnrollment: via('beginAppEnrollment'),
    confirmAppEnrollment: via('confirmAppEnrollment'),
    removeApp: via('removeApp'),
    registerKey: via('registerKey'),
    removeKey: via('removeKey'),
    signInWithKey: via('signInWithKey'),
    signInPasswordless: via('signInPasswordless'),
    choosePasswordlessAccount: via('choosePasswordlessAccount'),
    cancelKeyOperation: via('cancelKeyOperation'),
    inspectKey: via('inspectKey'),
    setKeyPin: via('setKeyPin'),
    changeKeyPin: via('changeKeyPin'),
    useRecoveryCode: via('useRecoveryCode'),
    issueRecoveryCodes: via('issueRecoveryCodes'),
    changePassword: via('changePassword'),
    beginAddressChange: via('beginAddressChange'),
    confirmAddressChange: via('confirmAddressChange'),
    beginStepUp: via('beginStepUp'),
    stepUp: via('stepUp'),
    stepUpWithKey: via('stepUpWithKey'),
  }
}

/** Registers every handler on `ipc`; returns a function that removes them. */
export function bindIpc<F>(ipc: IpcMainLike<F>, api: Api, options: BindIpcOptions<F>): () => void {
  const handlers = createHandlers(api, options)
  const methods = Object.keys(handlers) as MethodName[]
  for (const method of methods) {
    const handler = handlers[method]
    ipc.handle(channelOf(method), async (event, ...args) => {
      let trusted: boolean
      try {
        trusted = options.isTrustedSender(event.senderFrame)
      } catch {
        trusted = false // a frame disposed mid-call throws on access
      }
      if (!trusted) {
        options.log.warn('IPC call refused: not from the kiosk window at the app origin', {
          method,
        })
        return fail('FORBIDDEN')
      }
      // The preload sends exactly one argument; anything else is not our client.
      if (args.length > 1) return fail('VALIDATION')
      return handler(args[0])
    })
  }
  return () => {
    for (const method of methods) ipc.removeHandler(channelOf(method))
  }
}

/** What the forwarder uses of `webContents`. */
export interface EventTargetLike {
  isDestroyed(): boolean
  send(channel: string, payload: unknown): void
}

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void

/** Main → renderer events (the runtime's `emit`), sent on the contract's channels. */
export function createEventForwarder(
  getTarget: () => EventTargetLike | null | undefined,
  log: Logger,
): Emit {
  return (event, payload) => {
    if (!isShellEventName(event)) {
      log.warn('Dropped an event that is not in the contract', { event: String(event) })
      return
    }
    const target = getTarget()
    if (!target || target.isDestroyed()) return
    target.send(eventChannelOf(event), payload)
  }
}
