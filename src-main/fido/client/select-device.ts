/**
 * Finding the key to talk to: poll the DeviceSource until a key answers CTAPHID_INIT; when
 * several are plugged in, the clerk touches the one to use — authenticatorSelection on CTAP 2.1
 * keys (CTAP 2.1 §6.9), a dummy makeCredential with an empty pinUvAuthParam on CTAP 2.0 keys
 * (§6.1.2 step 1), a dummy U2F_REGISTER on U2F keys (§10.2) — run in parallel and cancelled on
 * the others (CTAPHID_CANCEL) once one is touched.
 */
import { Ctap1, untilTouched } from '../protocol/ctap1'
import { Ctap2 } from '../protocol/ctap2'
import type { AuthenticatorInfo } from '../protocol/ctap2'
import { STATUS } from '../protocol/ctap2-constants'
import { CAPABILITY, KEEPALIVE_STATUS } from '../protocol/ctaphid-frames'
import { openCtapHid, sleep } from '../protocol/ctaphid'
import type { CtapHidCallOptions, CtapHidConnection } from '../protocol/ctaphid'
import type { DeviceHandle, DeviceSource } from '../transport/device-source'
import { CtapHidError, CtapStatusError } from '../protocol/errors'
import { FidoError } from './errors'

/** 'platform': the system's own dialogs drive the key (Windows, windows/windows-client.ts). */
export type KeyStatus = 'waiting-device' | 'processing' | 'touch' | 'platform'

/**
 * What a channel has carried since it was opened, so that the client can keep it for the next
 * operation (connection-cache.ts) and tell a stale channel from a key that failed.
 */
export interface ChannelTraffic {
  /** Requests sent. */
  sent: number
  /** Signs of life: answers (whatever their CTAP status) and KEEPALIVEs. */
  heard: number
  /**
   * A request failed below CTAP (timeout, cancel, disconnection, CTAPHID_ERROR, bad framing):
   * the channel may be out of step or gone, and is not kept.
   */
  broken: boolean
}

/** A key with an open channel, ready for CTAP2 (when it has the CBOR capability) or CTAP1. */
export interface ConnectedKey {
  readonly handle: DeviceHandle
  readonly connection: CtapHidConnection
  readonly ctap1: Ctap1
  /** Present when the key speaks CTAP2. */
  readonly ctap2?: { session: Ctap2; info: AuthenticatorInfo }
  readonly traffic: ChannelTraffic
  close(): Promise<void>
}

export interface ConnectOptions {
  source: DeviceSource
  deadline: number
  signal?: AbortSignal
  onStatus?: (status: KeyStatus) => void
  /** Time a plugged device has to answer CTAPHID_INIT and authenticatorGetInfo. */
  probeTimeoutMs?: number
  /** The device list just read by the caller, used instead of a first source.list(). */
  listed?: DeviceHandle[]
  /**
   * The key just lost a request (client.ts): a device that again says nothing at all
   * (CtapHidError 'no-response') ends the search at once instead of being waited for.
   */
  silenceIsFinal?: boolean
}

const DEFAULT_PROBE_TIMEOUT_MS = 1500

function remaining(deadline: number): number {
  return Math.max(0, deadline - Date.now())
}

/** The channel, counting its traffic into `traffic`. */
function tracked(connection: CtapHidConnection, traffic: ChannelTraffic): CtapHidConnection {
  return {
    info: connection.info,
    hasCapability: (flag) => connection.hasCapability(flag),
    async call(cmd: number, payload: Uint8Array, options: CtapHidCallOptions) {
      traffic.sent += 1
      try {
        const answer = await connection.call(cmd, payload, {
          ...options,
          onKeepalive: (status) => {
            traffic.heard += 1
            options.onKeepalive?.(status)
          },
        })
        traffic.heard += 1
        return answer
      } catch (error) {
        if (error instanceof CtapHidError) traffic.broken = true
        throw error
      }
    },
    close: () => connection.close(),
  }
}

async function probe(
  handle: DeviceHandle,
  options: ConnectOptions,
): Promise<ConnectedKey | undefined> {
  const probeTimeout = Math.min(
    options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    remaining(options.deadline),
  )
  if (probeTimeout <= 0) return undefined
  let transport
  try {
    transport = await handle.open()
  } catch {
    return undefined
  }
  try {
    const traffic: ChannelTraffic = { sent: 0, heard: 0, broken: false }
    const connection = tracked(
      await openCtapHid(transport, {
        timeoutMs: probeTimeout,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
      traffic,
    )
    const ctap1 = new Ctap1(connection)
    let ctap2: ConnectedKey['ctap2']
    if (connection.hasCapability(CAPABILITY.CBOR)) {
      const session = new Ctap2(connection)
      try {
        const info = await session.getInfo({
          timeoutMs: probeTimeout,
          ...(options.signal ? { signal: options.signal } : {}),
        })
        ctap2 = { session, info }
      } catch (error) {
        // A CBOR-capable key that refuses getInfo is treated as U2F-only (CTAP 2.1 §10).
        if (!(error instanceof CtapHidError && error.failure === 'device-error')) throw error
      }
    }
    return {
      handle,
      connection,
      ctap1,
      ...(ctap2 ? { ctap2 } : {}),
      traffic,
      close: () => connection.close(),
    }
  } catch (error) {
    await transport.close().catch(() => undefined)
    if (error instanceof CtapHidError && error.failure === 'cancelled') throw error
    if (options.silenceIsFinal && error instanceof CtapHidError && error.failure === 'no-response')
      throw error
    return undefined
  }
}

/** Waits for the user's touch on one key (the selection gesture). Resolves when touched. */
async function waitForTouch(
  key: ConnectedKey,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  if (key.ctap2) {
    const { session, info } = key.ctap2
    if (info.versions.includes('FIDO_2_1')) {
      await session.selection({ timeoutMs: remaining(deadline), signal })
      return
    }
    try {
      await session.makeCredential(
        {
          clientDataHash: new Uint8Array(32),
          rp: { id: '.dummy', name: '.dummy' },
          user: { id: Uint8Array.of(1), name: 'dummy', displayName: 'dummy' },
          algorithms: [-7],
          pinUvAuthParam: new Uint8Array(0),
          pinUvAuthProtocol: 1,
        },
        { timeoutMs: remaining(deadline), signal },
      )
    } catch (error) {
      const touched =
        error instanceof CtapStatusError &&
        (error.status === STATUS.PIN_NOT_SET ||
          error.status === STATUS.PIN_INVALID ||
          error.status === STATUS.PIN_AUTH_INVALID)
      if (!touched) throw error
    }
    return
  }
  // U2F: a registration for a bogus application, repeated until touched.
  await untilTouched(
    (call) => key.ctap1.register(new Uint8Array(32), new Uint8Array(32).fill(0x41), call),
    {
      deadline,
      signal,
    },
  )
}

/** Runs the selection gesture on every key; the first touched wins, the others are cancelled. */
async function selectByTouch(keys: ConnectedKey[], options: ConnectOptions): Promise<ConnectedKey> {
  options.onStatus?.('touch')
  const controllers = keys.map(() => new AbortController())
  const onAbort = (): void => controllers.forEach((controller) => controller.abort())
  options.signal?.addEventListener('abort', onAbort)
  try {
    const attempts = keys.map(async (key, index) => {
      await waitForTouch(
        key,
        options.deadline,
        controllers[index]?.signal ?? new AbortController().signal,
      )
      return key
    })
    const winner = await Promise.any(attempts)
    controllers.forEach((controller, index) => {
      if (keys[index] !== winner) controller.abort()
    })
    // Let the others send CTAPHID_CANCEL and drain before their channels are closed.
    await Promise.allSettled(attempts)
    return winner
  } catch (error) {
    if (options.signal?.aborted) throw new CtapHidError('cancelled', 'cancelled by the caller')
    // Promise.any rejects with an AggregateError only: every key failed. None failed as
    // 'cancelled' (only the caller aborts before there is a winner): the first key's reason.
    throw (error as AggregateError).errors[0]
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * Returns a connected key: the only one plugged in, or the one the clerk touched. Reports
 * 'waiting-device' while none is present; throws FidoError('FIDO_NO_DEVICE') at the deadline.
 */
export async function connectToKey(options: ConnectOptions): Promise<ConnectedKey> {
  let announcedWaiting = false
  let listed = options.listed
  for (;;) {
    if (options.signal?.aborted) throw new CtapHidError('cancelled', 'cancelled by the caller')
    const handles = listed ?? (await options.source.list())
    listed = undefined
    const keys = (await Promise.all(handles.map((handle) => probe(handle, options)))).filter(
      (key): key is ConnectedKey => key !== undefined,
    )
    if (keys.length === 1 && keys[0]) return keys[0]
    if (keys.length > 1) {
      try {
        const winner = await selectByTouch(keys, options)
        await Promise.all(
          keys.filter((key) => key !== winner).map((key) => key.close().catch(() => undefined)),
        )
        return winner
      } catch (error) {
        await Promise.all(keys.map((key) => key.close().catch(() => undefined)))
        throw error
      }
    }
    if (!announcedWaiting) {
      announcedWaiting = true
      options.onStatus?.('waiting-device')
    }
    const wait = Math.min(options.source.pollIntervalMs, remaining(options.deadline))
    if (wait <= 0) throw new FidoError('FIDO_NO_DEVICE', 'no security key was found in time')
    await sleep(wait)
  }
}

/** KEEPALIVE status → KeyStatus (CTAP 2.1 §11.2.9.1.7). */
export function keyStatusOfKeepalive(status: number): KeyStatus {
  return status === KEEPALIVE_STATUS.UPNEEDED ? 'touch' : 'processing'
}
