/**
 * CTAPHID host side (CTAP 2.1 §11.2): channel allocation with CTAPHID_INIT, message framing,
 * KEEPALIVE, ERROR, CHANNEL_BUSY retry, CANCEL on abort, and a deadline on every command so
 * nothing ever hangs.
 */
import { randomBytes } from 'node:crypto'
import { bytesEqual, readUint32BE } from './bytes'
import {
  BROADCAST_CID,
  CAPABILITY,
  CTAPHID,
  CTAPHID_ERR,
  INIT_NONCE_SIZE,
  MAX_MESSAGE_SIZE,
  ctapHidCommandName,
  ctapHidErrorName,
  encodeFrames,
  parseFrame,
} from './ctaphid-frames'
import { CtapHidError } from './errors'
import type { HidTransport } from '../transport/hid-transport'

/** How long one transport read may block, so an abort is noticed promptly. */
const READ_SLICE_MS = 100
const BUSY_RETRY_MS = 100

export interface CtapHidDeviceInfo {
  channelId: number
  protocolVersion: number
  deviceVersion: { major: number; minor: number; build: number }
  capabilities: number
}

export interface CtapHidCallOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** Called with the KEEPALIVE status byte each time it changes (§11.2.9.1.7). */
  onKeepalive?: (status: number) => void
}

/** A CTAPHID channel on one device: what the CTAP2 and CTAP1 layers talk to. */
export interface CtapHidConnection {
  readonly info: CtapHidDeviceInfo
  hasCapability(flag: number): boolean
  /** Sends a request and returns the response payload of the same command. */
  call(cmd: number, payload: Uint8Array, options: CtapHidCallOptions): Promise<Uint8Array>
  close(): Promise<void>
}

export interface OpenCtapHidOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** The 8-byte INIT nonce; random by default (tests fix it). */
  nonce?: Uint8Array
}

/** Allocates a channel with CTAPHID_INIT on the broadcast channel (§11.2.9.1.3). */
export async function openCtapHid(
  transport: HidTransport,
  options: OpenCtapHidOptions,
): Promise<CtapHidConnection> {
  const nonce = options.nonce ?? new Uint8Array(randomBytes(INIT_NONCE_SIZE))
  if (nonce.length !== INIT_NONCE_SIZE) throw new Error('CTAPHID_INIT nonce must be 8 bytes')
  const deadline = Date.now() + options.timeoutMs
  for (const frame of encodeFrames(BROADCAST_CID, CTAPHID.INIT, nonce)) await transport.write(frame)
  const response = await receiveMessage(transport, {
    cid: BROADCAST_CID,
    cmd: CTAPHID.INIT,
    deadline,
    silenceLimit: silenceLimit(transport),
    signal: options.signal,
    // Answers to other hosts' INIT on the broadcast channel carry other nonces: skip them.
    accept: (payload) => payload.length >= 17 && bytesEqual(payload.subarray(0, 8), nonce),
  })
  const channelId = readUint32BE(response, 8)
  if (channelId === BROADCAST_CID || channelId === 0) {
    throw new CtapHidError(
      'protocol',
      `CTAPHID_INIT allocated invalid channel 0x${channelId.toString(16)}`,
    )
  }
  const info: CtapHidDeviceInfo = {
    channelId,
    protocolVersion: response[12] ?? 0,
    deviceVersion: { major: response[13] ?? 0, minor: response[14] ?? 0, build: response[15] ?? 0 },
    capabilities: response[16] ?? 0,
  }
  return new Connection(transport, info)
}

class Connection implements CtapHidConnection {
  readonly info: CtapHidDeviceInfo
  private readonly transport: HidTransport
  private closed = false
  private outOfStep = false

  constructor(transport: HidTransport, info: CtapHidDeviceInfo) {
    this.transport = transport
    this.info = info
  }

  hasCapability(flag: number): boolean {
    return (this.info.capabilities & flag) === flag
  }

  async call(cmd: number, payload: Uint8Array, options: CtapHidCallOptions): Promise<Uint8Array> {
    if (this.closed) throw new CtapHidError('disconnected', 'CTAPHID connection is closed')
    if (this.outOfStep)
      throw new CtapHidError('protocol', 'CTAPHID channel out of step after a cancel')
    if (cmd === CTAPHID.CBOR && !this.hasCapability(CAPABILITY.CBOR)) {
      throw new CtapHidError('device-error', 'device has no CBOR capability', {
        hidError: CTAPHID_ERR.INVALID_CMD,
      })
    }
    const deadline = Date.now() + options.timeoutMs
    const cid = this.info.channelId
    for (;;) {
      throwIfAborted(options.signal)
      for (const frame of encodeFrames(cid, cmd, payload)) await this.transport.write(frame)
      try {
        return await receiveMessage(this.transport, {
          cid,
          cmd,
          deadline,
          silenceLimit: silenceLimit(this.transport),
          signal: options.signal,
          onKeepalive: options.onKeepalive,
        })
      } catch (error) {
        if (isBusy(error) && Date.now() + BUSY_RETRY_MS < deadline) {
          // CTAPHID_ERROR(CHANNEL_BUSY): another channel holds the device; retry (§11.2.9.1.6).
          await sleep(BUSY_RETRY_MS + Math.floor(Math.random() * 50))
          continue
        }
        if (
          error instanceof CtapHidError &&
          (error.failure === 'cancelled' ||
            error.failure === 'timeout' ||
            error.failure === 'no-response')
        ) {
          await this.cancel()
        }
        throw error
      }
    }
  }

  /**
   * CTAPHID_CANCEL (§11.2.9.1.5), so the key stops waiting for a touch. Its final answer
   * (CTAP2_ERR_KEEPALIVE_CANCEL) is not awaited, so that a timeout ends at the deadline; the
   * channel is out of step from then on and refuses further calls (open a new one).
   */
  private async cancel(): Promise<void> {
    this.outOfStep = true
    try {
      for (const frame of encodeFrames(this.info.channelId, CTAPHID.CANCEL, new Uint8Array(0))) {
        await this.transport.write(frame)
      }
    } catch {
      // The device may be gone; the caller's error is what matters.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.transport.close()
  }
}

interface ReceiveOptions {
  cid: number
  cmd: number
  deadline: number
  /** Lossy transports: how long the channel may stay silent (transport.answerWithinMs). */
  silenceLimit: { ms: number; lastHeard: number } | undefined
  signal?: AbortSignal | undefined
  onKeepalive?: ((status: number) => void) | undefined
  accept?: (payload: Uint8Array) => boolean
}

/**
 * Reads one message for `cid`. Reports for other channels are skipped (other hosts share the
 * device); KEEPALIVE is reported on change; ERROR throws; anything else is a protocol
 * error. Gives up at the deadline.
 */
async function receiveMessage(
  transport: HidTransport,
  options: ReceiveOptions,
): Promise<Uint8Array> {
  let lastKeepalive = -1
  for (;;) {
    const report = await readReport(transport, options)
    const frame = parseFrame(report)
    if (frame.cid !== options.cid || frame.kind !== 'init') continue // other channel, stray continuation
    if (frame.cmd === CTAPHID.KEEPALIVE) {
      const status = frame.data[0] ?? 0
      if (status !== lastKeepalive) {
        lastKeepalive = status
        options.onKeepalive?.(status)
      }
      continue
    }
    if (frame.cmd === CTAPHID.ERROR) {
      const code = frame.data[0] ?? CTAPHID_ERR.OTHER
      throw new CtapHidError(
        'device-error',
        `device answered CTAPHID_ERROR ${ctapHidErrorName(code)}`,
        {
          hidError: code,
        },
      )
    }
    if (frame.cmd !== options.cmd) {
      throw new CtapHidError(
        'protocol',
        `unexpected ${ctapHidCommandName(frame.cmd)} in answer to ${ctapHidCommandName(options.cmd)}`,
      )
    }
    if (frame.length > MAX_MESSAGE_SIZE) {
      throw new CtapHidError('protocol', `length field ${frame.length} exceeds ${MAX_MESSAGE_SIZE}`)
    }
    const payload = new Uint8Array(frame.length)
    let filled = Math.min(frame.length, frame.data.length)
    payload.set(frame.data.subarray(0, filled))
    let seq = 0
    while (filled < frame.length) {
      const next = parseFrame(await readReport(transport, options))
      if (next.cid !== options.cid) continue
      if (next.kind === 'init') {
        throw new CtapHidError('protocol', 'initialization packet inside a message')
      }
      if (next.seq !== seq) {
        throw new CtapHidError('protocol', `continuation sequence ${next.seq}, expected ${seq}`)
      }
      const take = Math.min(frame.length - filled, next.data.length)
      payload.set(next.data.subarray(0, take), filled)
      filled += take
      seq++
    }
    if (options.accept && !options.accept(payload)) continue
    return payload
  }
}

async function readReport(transport: HidTransport, options: ReceiveOptions): Promise<Uint8Array> {
  const silence = options.silenceLimit
  for (;;) {
    throwIfAborted(options.signal)
    const remaining = options.deadline - Date.now()
    if (remaining <= 0) throw new CtapHidError('timeout', 'the security key did not answer in time')
    if (silence && Date.now() - silence.lastHeard >= silence.ms) {
      throw new CtapHidError(
        'no-response',
        `the security key said nothing for ${silence.ms} ms after a request`,
      )
    }
    const report = await transport.read(Math.min(remaining, READ_SLICE_MS))
    if (report === undefined) continue
    if (silence && report.length >= 4 && readUint32BE(report, 0) === options.cid) {
      silence.lastHeard = Date.now()
    }
    return report
  }
}

/** The silence budget of one request, counted from now (the request was just written). */
function silenceLimit(transport: HidTransport): ReceiveOptions['silenceLimit'] {
  return transport.answerWithinMs === undefined
    ? undefined
    : { ms: transport.answerWithinMs, lastHeard: Date.now() }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CtapHidError('cancelled', 'cancelled by the caller')
}

function isBusy(error: unknown): boolean {
  return (
    error instanceof CtapHidError &&
    error.failure === 'device-error' &&
    error.hidError === CTAPHID_ERR.CHANNEL_BUSY
  )
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
