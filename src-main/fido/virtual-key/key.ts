/**
 * A small software authenticator that speaks CTAPHID at the 64-byte report level
 * (CTAP 2.1 §11.2), for demos and tests: not a mock, it runs the real protocol state machine.
 *
 * - CTAP 2.1 with P-256 ES256 credentials, packed self-attestation, signature counter, optional
 *   PIN (protocols 2 and 1), discoverable credentials, credProtect and credential management
 *   (ctap2.ts); or, with `ctap20`, a CTAP 2.0 key;
 * - CTAP1/U2F (u2f.ts); in U2F-only mode CTAPHID_CBOR is refused with
 *   ERR_INVALID_CMD and the CBOR capability is not announced;
 * - user presence approved automatically, refused, or left to the test (touch()).
 *
 * Hosts feed reports with receive(report, reply); replies for a channel go to the reply sink of
 * the host that last wrote on it (the UDP peer answers to each sender's address and port).
 */
import { randomBytes } from 'node:crypto'
import type { ECDH } from 'node:crypto'
import { readUint32BE, uint32BE, concatBytes } from '../protocol/bytes'
import {
  BROADCAST_CID,
  CAPABILITY,
  CTAPHID,
  CTAPHID_ERR,
  INIT_NONCE_SIZE,
  KEEPALIVE_STATUS,
  MAX_MESSAGE_SIZE,
  encodeFrames,
  parseFrame,
} from '../protocol/ctaphid-frames'
import { HID_REPORT_SIZE } from '../transport/hid-transport'
import type { PinUvAuthProtocolVersion } from '../protocol/pin-protocol'
import { VirtualCtap2, encodeCtap2Reply } from './ctap2'
import type { PresenceOutcome, VirtualAttestation } from './ctap2'
import { VirtualU2f } from './u2f'
import { createVirtualKeyState, loadOrCreateStateFile, saveStateFile } from './state'
import type { VirtualKeyState } from './state'

export type ReportSink = (report: Uint8Array) => void

export interface PresenceRequest {
  /** 'cbor' for CTAP2 commands, 'u2f' for CTAP1 messages. */
  via: 'cbor' | 'u2f'
  rpId?: string
}

/** How the virtual user answers "touch your key". */
export type UserPresence =
  'approve' | 'deny' | 'wait' | ((request: PresenceRequest) => Promise<boolean>)

export interface VirtualKeyOptions {
  /** A PIN to set at creation (ignored when a persisted state already has one). */
  pin?: string
  /** Speak CTAP1/U2F only: no CBOR capability, CTAPHID_CBOR answered with ERR_INVALID_CMD. */
  u2fOnly?: boolean
  userPresence?: UserPresence
  /** In 'approve' mode, how long the virtual user takes to touch (KEEPALIVE UPNEEDED meanwhile). */
  presenceDelayMs?: number
  /** How long the key waits for a touch before CTAP2_ERR_USER_ACTION_TIMEOUT. */
  presenceTimeoutMs?: number
  /** Persist credentials, counter and PIN to this JSON file; in memory when absent. */
  statePath?: string
  /** Start from this state (tests); ignored when statePath is given. */
  state?: VirtualKeyState
  pinUvAuthProtocols?: PinUvAuthProtocolVersion[]
  maxMsgSize?: number
  /** Fixed key-agreement keys (PIN protocol tests). */
  keyAgreementKey?: (version: PinUvAuthProtocolVersion) => ECDH
  /** Fixed randomness for channel ids, tokens and IVs (fixture recording). */
  random?: (length: number) => Uint8Array
  /** CTAP2 basic attestation with a vendor key and chain (a model IT can trust); default: self. */
  attestation?: VirtualAttestation
  /**
   * Behave as a CTAP 2.0 key: versions FIDO_2_0 (and U2F_V2) only, PIN protocol 1 only,
   * getPinToken only, no selection command, no permissions, no credential management.
   */
  ctap20?: boolean
  /** The authenticator's clock in milliseconds (tests move it: reset window, getNextAssertion). */
  now?: () => number
  /** The shortest PIN accepted (CTAP 2.1 §6.4 minPINLength, 4 to 63; default 4). */
  minPinLength?: number
}

/** CTAPHID protocol version and device version announced in CTAPHID_INIT (§11.2.9.1.3). */
const CTAPHID_PROTOCOL_VERSION = 2
const DEVICE_VERSION = [0, 1, 0] as const
const KEEPALIVE_INTERVAL_MS = 100
/** A message whose continuation packets stop arriving is dropped with ERR_MSG_TIMEOUT. */
const MESSAGE_TIMEOUT_MS = 500
/** A U2F touch stays valid this long for the next U2F request (keys latch the touch). */
const U2F_TOUCH_VALIDITY_MS = 10_000

interface Assembly {
  cid: number
  cmd: number
  payload: Uint8Array
  filled: number
  seq: number
  timer: NodeJS.Timeout
}

interface Transaction {
  cid: number
  abort: AbortController
  waitingForUser: boolean
  keepalive: NodeJS.Timeout
}

export class VirtualKey {
  readonly u2fOnly: boolean
  private readonly options: VirtualKeyOptions
  private readonly state: VirtualKeyState
  private readonly ctap2: VirtualCtap2
  private readonly u2f: VirtualU2f
  private readonly random: (length: number) => Uint8Array
  private readonly channels = new Set<number>()
  private readonly sinks = new Map<number, ReportSink>()
  private assembly: Assembly | undefined
  private transaction: Transaction | undefined
  private userPresence: UserPresence
  private pendingTouch: ((approved: boolean) => void) | undefined
  private touchRequestWaiters: (() => void)[] = []
  private u2fTouchUntil = 0
  private u2fTouchRequested = false
  private u2fApproveAt: number | undefined
  private u2fPresenceCheck: Promise<void> | undefined

  constructor(options: VirtualKeyOptions = {}) {
    this.options = options
    this.u2fOnly = options.u2fOnly ?? false
    this.userPresence = options.userPresence ?? 'approve'
    this.random =
      options.random ?? ((length: number): Uint8Array => new Uint8Array(randomBytes(length)))
    this.state = options.statePath
      ? loadOrCreateStateFile(options.statePath)
      : (options.state ?? createVirtualKeyState())
    const persist = (): void => {
      if (this.options.statePath) saveStateFile(this.options.statePath, this.state)
    }
    this.ctap2 = new VirtualCtap2({
      state: this.state,
      persist,
      pinUvAuthProtocols: options.pinUvAuthProtocols ?? (options.ctap20 ? [1] : [2, 1]),
      maxMsgSize: options.maxMsgSize ?? 1200,
      ...(options.ctap20 ? { ctap20: true } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.minPinLength !== undefined ? { minPinLength: options.minPinLength } : {}),
      ...(options.keyAgreementKey ? { keyAgreementKey: options.keyAgreementKey } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.attestation ? { attestation: options.attestation } : {}),
    })
    this.u2f = new VirtualU2f({
      state: this.state,
      persist,
      consumeUserPresence: () => this.consumeU2fPresence(),
    })
    if (options.pin !== undefined && !this.state.pin) this.ctap2.setPinDirectly(options.pin)
  }

  // ---- test and demo hooks ------------------------------------------------------------------

  setUserPresence(presence: UserPresence): void {
    this.userPresence = presence
  }

  /** Resolves when the key is waiting for a touch (in 'wait' mode). */
  waitForTouchRequest(): Promise<void> {
    if (this.pendingTouch || this.u2fTouchRequested) return Promise.resolve()
    return new Promise((resolve) => this.touchRequestWaiters.push(resolve))
  }

  /** The virtual user touches the key. */
  touch(): void {
    this.answerTouch(true)
  }

  /** The virtual user refuses (CTAP2_ERR_OPERATION_DENIED for a pending CTAP2 request). */
  refuseTouch(): void {
    this.answerTouch(false)
  }

  private answerTouch(approved: boolean): void {
    const pending = this.pendingTouch
    this.pendingTouch = undefined
    if (pending) {
      pending(approved)
      return
    }
    if (approved) {
      this.u2fTouchUntil = Date.now() + U2F_TOUCH_VALIDITY_MS
      this.u2fTouchRequested = false
    }
  }

  /** Unplug and replug: channels, transactions and PIN-session state are lost (§6.5.5.1). */
  powerCycle(): void {
    this.abortTransaction()
    this.dropAssembly()
    this.channels.clear()
    this.sinks.clear()
    this.pendingTouch?.(false)
    this.pendingTouch = undefined
    this.u2fTouchUntil = 0
    this.u2fTouchRequested = false
    this.u2fApproveAt = undefined
    this.ctap2.powerUp()
  }

  get pinRetries(): number {
    return this.state.pinRetries
  }

  get hasPin(): boolean {
    return this.state.pin !== undefined
  }

  get signCount(): number {
    return this.state.signCount
  }

  /** Credentials on the key, without private keys (for tests and the CLI). */
  listCredentials(): { id: Uint8Array; rpId?: string; discoverable: boolean; userName?: string }[] {
    return this.state.credentials.map((c) => ({
      id: c.id,
      discoverable: c.discoverable,
      ...(c.rpId !== undefined ? { rpId: c.rpId } : {}),
      ...(c.userName !== undefined ? { userName: c.userName } : {}),
    }))
  }

  // ---- CTAPHID device side (§11.2) ----------------------------------------------------------

  /** One report from a host. Never throws: bad input gets CTAPHID_ERROR or is ignored. */
  receive(report: Uint8Array, reply: ReportSink): void {
    if (report.length < 5) return // not even a channel id and a command byte
    if (report.length !== HID_REPORT_SIZE) {
      this.sendError(readUint32BE(report, 0), CTAPHID_ERR.INVALID_LEN, reply)
      return
    }
    const frame = parseFrame(report)
    if (frame.kind === 'cont') {
      this.continueAssembly(frame.cid, frame.seq, frame.data, reply)
      return
    }
    const { cid, cmd } = frame
    if (cmd === CTAPHID.INIT) {
      this.init(cid, frame.length, frame.data, reply)
      return
    }
    if (cid === 0 || cid === BROADCAST_CID || !this.channels.has(cid)) {
      this.sendError(cid, CTAPHID_ERR.INVALID_CHANNEL, reply)
      return
    }
    this.sinks.set(cid, reply)
    if (cmd === CTAPHID.CANCEL) {
      // CTAPHID_CANCEL has no answer of its own; the cancelled request answers KEEPALIVE_CANCEL.
      if (this.transaction?.cid === cid) this.transaction.abort.abort()
      return
    }
    if (this.transaction || (this.assembly && this.assembly.cid !== cid)) {
      this.sendError(cid, CTAPHID_ERR.CHANNEL_BUSY, reply)
      return
    }
    if (this.assembly) {
      // A new initialization packet in the middle of a message on the same channel.
      this.dropAssembly()
      this.sendError(cid, CTAPHID_ERR.INVALID_SEQ, reply)
      return
    }
    if (frame.length > MAX_MESSAGE_SIZE) {
      this.sendError(cid, CTAPHID_ERR.INVALID_LEN, reply)
      return
    }
    const payload = new Uint8Array(frame.length)
    const filled = Math.min(frame.length, frame.data.length)
    payload.set(frame.data.subarray(0, filled))
    if (filled === frame.length) {
      this.dispatch(cid, cmd, payload)
      return
    }
    this.assembly = {
      cid,
      cmd,
      payload,
      filled,
      seq: 0,
      timer: setTimeout(() => {
        this.dropAssembly()
        this.sendError(cid, CTAPHID_ERR.MSG_TIMEOUT, reply)
      }, MESSAGE_TIMEOUT_MS),
    }
    this.assembly.timer.unref?.()
  }

  private continueAssembly(cid: number, seq: number, data: Uint8Array, reply: ReportSink): void {
    const assembly = this.assembly
    if (!assembly || assembly.cid !== cid) return // spurious continuation packets are ignored
    if (seq !== assembly.seq) {
      this.dropAssembly()
      this.sendError(cid, CTAPHID_ERR.INVALID_SEQ, reply)
      return
    }
    const take = Math.min(assembly.payload.length - assembly.filled, data.length)
    assembly.payload.set(data.subarray(0, take), assembly.filled)
    assembly.filled += take
    assembly.seq += 1
    if (assembly.filled === assembly.payload.length) {
      this.dropAssembly()
      this.dispatch(cid, assembly.cmd, assembly.payload)
    }
  }

  private dropAssembly(): void {
    if (this.assembly) clearTimeout(this.assembly.timer)
    this.assembly = undefined
  }

  /** CTAPHID_INIT (§11.2.9.1.3): allocate a channel, or resynchronise an existing one. */
  private init(cid: number, length: number, data: Uint8Array, reply: ReportSink): void {
    if (length !== INIT_NONCE_SIZE) {
      this.sendError(cid, CTAPHID_ERR.INVALID_LEN, reply)
      return
    }
    let channel = cid
    if (cid === BROADCAST_CID) {
      do channel = readUint32BE(this.random(4), 0)
      while (channel === 0 || channel === BROADCAST_CID || this.channels.has(channel))
      this.channels.add(channel)
    } else if (this.channels.has(cid)) {
      if (this.transaction?.cid === cid) this.abortTransaction()
      if (this.assembly?.cid === cid) this.dropAssembly()
    } else {
      this.sendError(cid, CTAPHID_ERR.INVALID_CHANNEL, reply)
      return
    }
    this.sinks.set(channel, reply)
    const capabilities = CAPABILITY.WINK | (this.u2fOnly ? 0 : CAPABILITY.CBOR)
    const body = concatBytes(
      data.subarray(0, INIT_NONCE_SIZE),
      uint32BE(channel),
      Uint8Array.of(CTAPHID_PROTOCOL_VERSION, ...DEVICE_VERSION, capabilities),
    )
    this.send(cid, CTAPHID.INIT, body, reply)
  }

  private dispatch(cid: number, cmd: number, payload: Uint8Array): void {
    const reply = this.sinks.get(cid)
    if (!reply) return
    switch (cmd) {
      case CTAPHID.PING:
        this.send(cid, CTAPHID.PING, payload, reply)
        return
      case CTAPHID.WINK:
        this.send(cid, CTAPHID.WINK, new Uint8Array(0), reply)
        return
      case CTAPHID.MSG:
        this.send(cid, CTAPHID.MSG, this.u2f.handle(payload), reply)
        return
      case CTAPHID.CBOR:
        if (this.u2fOnly) {
          this.sendError(cid, CTAPHID_ERR.INVALID_CMD, reply)
          return
        }
        this.startCbor(cid, payload)
        return
      default:
        this.sendError(cid, CTAPHID_ERR.INVALID_CMD, reply)
    }
  }

  /** A CTAP2 request runs asynchronously; KEEPALIVE every 100 ms meanwhile (§11.2.9.1.7). */
  private startCbor(cid: number, payload: Uint8Array): void {
    const transaction: Transaction = {
      cid,
      abort: new AbortController(),
      waitingForUser: false,
      keepalive: setInterval(() => {
        const sink = this.sinks.get(cid)
        if (!sink || this.transaction !== transaction) return
        const status = transaction.waitingForUser
          ? KEEPALIVE_STATUS.UPNEEDED
          : KEEPALIVE_STATUS.PROCESSING
        this.send(cid, CTAPHID.KEEPALIVE, Uint8Array.of(status), sink)
      }, KEEPALIVE_INTERVAL_MS),
    }
    transaction.keepalive.unref?.()
    this.transaction = transaction
    const context = {
      requestUserPresence: async (request: { rpId?: string }): Promise<PresenceOutcome> => {
        transaction.waitingForUser = true
        try {
          return await this.requestPresence({ via: 'cbor', ...request }, transaction.abort.signal)
        } finally {
          transaction.waitingForUser = false
        }
      },
    }
    this.ctap2
      .handle(payload, context)
      .then(encodeCtap2Reply, () => encodeCtap2Reply({ status: 0x7f }))
      .then((response) => {
        clearInterval(transaction.keepalive)
        if (this.transaction !== transaction) return // aborted by INIT or a power cycle
        this.transaction = undefined
        const sink = this.sinks.get(cid)
        if (sink) this.send(cid, CTAPHID.CBOR, response, sink)
      })
  }

  private abortTransaction(): void {
    const transaction = this.transaction
    if (!transaction) return
    this.transaction = undefined
    clearInterval(transaction.keepalive)
    transaction.abort.abort()
  }

  private requestPresence(request: PresenceRequest, signal: AbortSignal): Promise<PresenceOutcome> {
    const timeoutMs = this.options.presenceTimeoutMs ?? 30_000
    return new Promise<PresenceOutcome>((resolve) => {
      let settled = false
      const finish = (outcome: PresenceOutcome): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        if (this.pendingTouch === answer) this.pendingTouch = undefined
        resolve(outcome)
      }
      const answer = (approved: boolean): void => finish(approved ? 'approved' : 'denied')
      const onAbort = (): void => finish('cancelled')
      const timer = setTimeout(() => finish('timeout'), timeoutMs)
      timer.unref?.()
      if (signal.aborted) {
        finish('cancelled')
        return
      }
      signal.addEventListener('abort', onAbort)
      const presence = this.userPresence
      if (presence === 'approve') {
        const delay = this.options.presenceDelayMs ?? 0
        if (delay > 0) setTimeout(() => answer(true), delay).unref?.()
        else answer(true)
      } else if (presence === 'deny') {
        answer(false)
      } else if (presence === 'wait') {
        this.pendingTouch = answer
        this.notifyTouchRequest()
      } else {
        presence(request).then(answer, () => answer(false))
      }
    })
  }

  private notifyTouchRequest(): void {
    const waiters = this.touchRequestWaiters
    this.touchRequestWaiters = []
    for (const waiter of waiters) waiter()
  }

  /** U2F: the host polls; a touch is latched for a while (CTAP 2.1 §10.2, U2F raw messages). */
  private consumeU2fPresence(): boolean {
    const presence = this.userPresence
    if (presence === 'approve') {
      // The virtual user takes presenceDelayMs to touch: the host sees SW_CONDITIONS_NOT_SATISFIED meanwhile.
      const delay = this.options.presenceDelayMs ?? 0
      if (delay <= 0) return true
      if (this.u2fApproveAt === undefined) this.u2fApproveAt = Date.now() + delay
      if (Date.now() < this.u2fApproveAt) return false
      this.u2fApproveAt = undefined
      return true
    }
    if (presence === 'deny') return false
    if (Date.now() < this.u2fTouchUntil) {
      this.u2fTouchUntil = 0
      return true
    }
    if (presence === 'wait') {
      if (!this.u2fTouchRequested) {
        this.u2fTouchRequested = true
        this.notifyTouchRequest()
      }
      return false
    }
    if (!this.u2fPresenceCheck) {
      this.u2fPresenceCheck = presence({ via: 'u2f' }).then(
        (approved) => {
          this.u2fPresenceCheck = undefined
          if (approved) this.u2fTouchUntil = Date.now() + U2F_TOUCH_VALIDITY_MS
        },
        () => {
          this.u2fPresenceCheck = undefined
        },
      )
    }
    return false
  }

  private send(cid: number, cmd: number, payload: Uint8Array, reply: ReportSink): void {
    for (const frame of encodeFrames(cid, cmd, payload)) reply(frame)
  }

  private sendError(cid: number, code: number, reply: ReportSink): void {
    this.send(cid, CTAPHID.ERROR, Uint8Array.of(code), reply)
  }
}
