/**
 * The connection to the key, kept between operations. Opening one costs a device open (a UDP
 * socket bind, a HID open), CTAPHID_INIT and authenticatorGetInfo; a sign-in right after the
 * previous operation reuses the channel and the getInfo answer instead, as python-fido2 keeps
 * its CtapHidDevice and Ctap2 objects.
 *
 * Only CTAPHID state is kept: each operation still gets its own PIN/UV auth token, its own
 * deadline, keepalive reporting and CTAPHID_CANCEL on abort (client.ts, operation.ts).
 *
 * When it is not reused:
 * - the device list is not exactly that one key (unplugged, replaced, or a second key plugged
 *   in: then every key is probed again and the clerk chooses by touch, select-device.ts);
 * - the operation that used it failed in any way (an error, a timeout, a CTAPHID error, an abort,
 *   a CTAP status), or its channel failed below CTAP: it is closed, and the next operation opens
 *   a new one (with a fresh getInfo);
 * - it was idle for `keepMs`, or close() was called.
 *
 * A kept channel can still be stale (a key unplugged and plugged back under the same path, a UDP
 * authenticator restarted): its first request then fails with nothing heard from the key
 * (disconnected, or CTAPHID_ERROR INVALID_CHANNEL); `isStaleFailure` says so, and the client
 * reconnects and retries once within the same deadline.
 */
import { CTAPHID_ERR } from '../protocol/ctaphid-frames'
import type { DeviceSource } from '../transport/device-source'
import { CtapHidError } from '../protocol/errors'
import { connectToKey } from './select-device'
import type { ConnectedKey, ConnectOptions } from './select-device'

export const DEFAULT_KEEP_CONNECTED_MS = 60_000

/** A key lent to one operation. */
export interface KeyLease {
  readonly key: ConnectedKey
  /** Opened by an earlier operation. */
  readonly reused: boolean
  /** key.traffic when lent. */
  readonly sentBefore: number
  readonly heardBefore: number
  /** close() calls before it was lent: one made since means "do not keep it". */
  readonly generation: number
}

/**
 * Whether an operation that failed on a reused channel should be tried again on a new one: it
 * failed on what was kept (the getInfo answer) before asking the key anything, or its requests
 * met a channel that is gone (disconnected, INVALID_CHANNEL) without a sign of life from the key.
 * A timeout is not stale (the key may be working, or waiting for a touch): it ends the operation.
 */
export function isStaleFailure(lease: KeyLease, error: unknown): boolean {
  if (!lease.reused) return false
  const sent = lease.key.traffic.sent - lease.sentBefore
  const heard = lease.key.traffic.heard - lease.heardBefore
  if (sent === 0) return true
  if (heard > 0 || !(error instanceof CtapHidError)) return false
  return (
    error.failure === 'disconnected' ||
    (error.failure === 'device-error' && error.hidError === CTAPHID_ERR.INVALID_CHANNEL)
  )
}

export class ConnectionCache {
  private idle: { key: ConnectedKey; timer: NodeJS.Timeout } | undefined
  private generation = 0

  constructor(
    private readonly source: DeviceSource,
    /** How long an idle connection is kept; 0 = never. */
    private readonly keepMs: number,
  ) {}

  /**
   * The kept key if the device list is still exactly that key, otherwise a key found by
   * connectToKey (waiting for one, or selection by touch among several).
   */
  async acquire(options: Omit<ConnectOptions, 'source' | 'listed'>): Promise<KeyLease> {
    if (options.signal?.aborted) throw new CtapHidError('cancelled', 'cancelled by the caller')
    const generation = this.generation
    const idle = this.takeIdle()
    if (!idle) {
      return this.lend(await connectToKey({ ...options, source: this.source }), false, generation)
    }
    let listed
    try {
      listed = await this.source.list()
    } catch (error) {
      await idle.close().catch(() => undefined)
      throw error
    }
    const only = listed.length === 1 ? listed[0] : undefined
    if (only?.id === idle.handle.id && !idle.traffic.broken)
      return this.lend(idle, true, generation)
    await idle.close().catch(() => undefined)
    const key = await connectToKey({ ...options, source: this.source, listed })
    return this.lend(key, false, generation)
  }

  /** After a successful operation: kept for the next one, or closed. */
  async release(lease: KeyLease): Promise<void> {
    const { key } = lease
    if (
      this.keepMs <= 0 ||
      lease.generation !== this.generation ||
      key.traffic.broken ||
      this.idle !== undefined
    ) {
      await key.close().catch(() => undefined)
      return
    }
    const timer = setTimeout(() => {
      if (this.idle?.key !== key) return
      this.idle = undefined
      void key.close().catch(() => undefined)
    }, this.keepMs)
    timer.unref()
    this.idle = { key, timer }
  }

  /** After a failed operation: closed. */
  async discard(lease: KeyLease): Promise<void> {
    await lease.key.close().catch(() => undefined)
  }

  /** Closes the idle connection; operations under way close theirs when they end. */
  async close(): Promise<void> {
    this.generation += 1
    await this.takeIdle()
      ?.close()
      .catch(() => undefined)
  }

  private takeIdle(): ConnectedKey | undefined {
    const idle = this.idle
    if (!idle) return undefined
    clearTimeout(idle.timer)
    this.idle = undefined
    return idle.key
  }

  private lend(key: ConnectedKey, reused: boolean, generation: number): KeyLease {
    return {
      key,
      reused,
      sentBefore: key.traffic.sent,
      heardBefore: key.traffic.heard,
      generation,
    }
  }
}
