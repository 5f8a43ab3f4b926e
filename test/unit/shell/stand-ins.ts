// In-memory stand-ins for the Electron objects the shell modules use.

import { ok, type Result } from '../../../src-main/contract/errors'
import type { Api } from '../../../src-main/contract/dispatch'
import type { Input, MethodName } from '../../../src-main/contract/methods'
import type { Logger } from '../../../src-main/log'
import type { FrameLike, IpcInvokeEventLike, IpcMainLike } from '../../../src-main/shell/ipc'

export interface LogEntry {
  level: 'info' | 'warn' | 'error'
  message: string
  fields: Record<string, unknown> | undefined
}

export function recordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at =
    (level: LogEntry['level']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      entries.push({ level, message, fields })
    }
  return { entries, info: at('info'), warn: at('warn'), error: at('error') }
}

let nextFrameToken = 1

export class FakeFrame implements FrameLike {
  processId = 4
  frameToken = `frame-${nextFrameToken++}`
  detached = false

  constructor(
    public url: string,
    public parent: FakeFrame | null = null,
  ) {}
}

type Listener<F> = (event: IpcInvokeEventLike<F>, ...args: unknown[]) => Promise<unknown>

/** ipcMain in memory: `invoke` delivers an event with the given senderFrame. */
export class FakeIpcMain<F> implements IpcMainLike<F> {
  readonly handlers = new Map<string, Listener<F>>()

  handle(channel: string, listener: Listener<F>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, listener)
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }

  async invoke(channel: string, senderFrame: F | null, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel)
    if (!listener) throw new Error(`No handler registered for '${channel}'`)
    return listener({ senderFrame }, ...args)
  }
}

/** An engine whose every method records its calls and answers `ok(value)`. */
export function fakeApi(): { api: Api; calls: { method: string; input: unknown }[] } {
  const calls: { method: string; input: unknown }[] = []
  const answer =
    (method: string, value: unknown) =>
    async (input: unknown): Promise<Result<never>> => {
      calls.push({ method, input })
      return ok(value) as Result<never>
    }
  const session = { name: 'Ada', email: 'ada@mairie.fr', factor: 'app', mustEnroll: false }
  const factors = { email: 'ada@mairie.fr', app: null, keys: [] }
  const api: Api = {
    getStatus: answer('getStatus', { firstStart: false }),
    beginSetup: answer('beginSetup', { uri: 'otpauth://totp/x' }),
    confirmSetup: answer('confirmSetup', session),
    signIn: answer('signIn', { factor: 'email' }),
    resendCode: answer('resendCode', { factor: 'email' }),
    verifyCode: answer('verifyCode', session),
    cancelSignIn: answer('cancelSignIn', {}),
    signOut: answer('signOut', {}),
    stillHere: answer('stillHere', {}),
    setLanguage: answer('setLanguage', {}),
    listFactors: answer('listFactors', factors),
    beginAppEnrollment: answer('beginAppEnrollment', { uri: 'otpauth://totp/y' }),
    confirmAppEnrollment: answer('confirmAppEnrollment', factors),
    removeApp: answer('removeApp', factors),
    registerKey: answer('registerKey', factors),
    removeKey: answer('removeKey', factors),
    signInWithKey: answer('signInWithKey', session),
    signInPasswordless: answer('signInPasswordless', session),
    choosePasswordlessAccount: answer('choosePasswordlessAccount', session),
    cancelKeyOperation: answer('cancelKeyOperation', {}),
    inspectKey: answer('inspectKey', { pin: 'not-set', minPinLength: 4 }),
    setKeyPin: answer('setKeyPin', { pin: 'set', minPinLength: 4 }),
    changeKeyPin: answer('changeKeyPin', {}),
    useRecoveryCode: answer('useRecoveryCode', session),
    issueRecoveryCodes: answer('issueRecoveryCodes', factors),
    changePassword: answer('changePassword', session),
    beginAddressChange: answer('beginAddressChange', {
      maskedEmail: 'a•••@b.fr',
      sentAt: 1,
      expiresAt: 2,
    }),
    confirmAddressChange: answer('confirmAddressChange', session),
    beginStepUp: answer('beginStepUp', { factor: 'app' }),
    stepUp: answer('stepUp', session),
    stepUpWithKey: answer('stepUpWithKey', session),
  }
  return { api, calls }
}

/** A valid payload for every contract method (a method missing here fails tsc). */
export const VALID_INPUTS: { [M in MethodName]: Input<M> } = {
  getStatus: {},
  beginSetup: {
    email: 'Ada@Mairie.fr',
    name: 'Ada Lovelace',
    password: 'a long enough passphrase',
  },
  confirmSetup: { code: '123456', deviceName: 'Téléphone' },
  signIn: { email: 'Ada@Mairie.fr', password: 'a long enough passphrase' },
  resendCode: {},
  verifyCode: { code: '654321' },
  cancelSignIn: {},
  signOut: {},
  stillHere: {},
  setLanguage: { locale: 'en' },
  listFactors: {},
  beginAppEnrollment: {},
  confirmAppEnrollment: { code: '000000', deviceName: 'Pixel' },
  removeApp: {},
  registerKey: { name: 'Clé bleue', pin: '1234' },
  removeKey: { id: 'key-1' },
  signInWithKey: {},
  signInPasswordless: { pin: '1234' },
  choosePasswordlessAccount: { id: 'key-1' },
  cancelKeyOperation: {},
  inspectKey: {},
  setKeyPin: { pin: '2468' },
  changeKeyPin: { current: '1234', next: '2468' },
  useRecoveryCode: { code: 'ABCD-EFGH-JKMN-PQRS' },
  issueRecoveryCodes: {},
  changePassword: { current: 'old passphrase here', next: 'a new passphrase here' },
  beginAddressChange: { email: 'ada.l@mairie.fr' },
  confirmAddressChange: { code: '123456' },
  beginStepUp: {},
  stepUp: { code: '123456' },
  stepUpWithKey: {},
}

/** app.commandLine: the switches of an argv, as Chromium parsed them. */
export class FakeCommandLine {
  readonly switches = new Map<string, string>()
  constructor(argv: readonly string[]) {
    for (const arg of argv.slice(1)) {
      const m = /^--?([^=]+)(?:=(.*))?$/.exec(arg)
      if (m?.[1]) this.switches.set(m[1].toLowerCase(), m[2] ?? '')
    }
  }
  hasSwitch(name: string): boolean {
    return this.switches.has(name)
  }
  removeSwitch(name: string): void {
    this.switches.delete(name)
  }
}

/** A WebContents for page-lifecycle.ts: events fired by hand, calls recorded in order. */
export class FakeContents {
  readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>()
  readonly calls: string[] = []
  destroyed = false
  on(event: string, listener: (...args: unknown[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  /** Like Electron: the renderer ends, and `render-process-gone` follows. */
  forcefullyCrashRenderer(): void {
    this.calls.push('forcefullyCrashRenderer')
    this.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 })
  }
}
