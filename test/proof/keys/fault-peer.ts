// A UDP key peer that misbehaves on purpose. It speaks the SoloKeys/CanoKey PC
// convention (one 64-byte report a datagram) in front of a real VirtualKey,
// and from a trigger on (the first CTAPHID_INIT, or the first CTAP2
// makeCredential / getAssertion / clientPIN request) it corrupts, drops or
// replaces the key's answers. `heal()` is unplugging the faulty key and
// plugging in a healthy one: the fault stops and the key is power-cycled.

import { randomBytes } from 'node:crypto'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { CTAPHID, KEEPALIVE_STATUS } from '../../../src-main/fido/ctaphid-frames'
import type { VirtualKey } from '../../../src-main/fido/virtual-key'

export type Fault =
  /** Receives every report and never answers again. */
  | 'silent'
  /** Answers on another channel id than the one the host was given. */
  | 'wrong-channel'
  /** Each answer replaced by a random 64-byte datagram (a random channel id too). */
  | 'noise'
  /** Each answer replaced by random bytes on the right channel: a command the host did not ask for. */
  | 'garbage'
  /** Each answer cut to 1–63 bytes. */
  | 'truncated'
  /** Each answer's length field set to 0xFFFF, beyond the 7609 bytes a message can carry. */
  | 'oversized-length'
  /** The request never reaches the key; KEEPALIVE (UPNEEDED, PROCESSING, …) every 100 ms, forever. */
  | 'keepalive-forever'
  /** The request reaches the key, then the peer goes away: its port closed, nothing more. */
  | 'gone'

/** When the fault starts. */
export type Trigger = 'init' | 'make-credential' | 'get-assertion' | 'client-pin'

/** CTAP2 command bytes (CTAP 2.1 §6). */
const CTAP2_COMMAND: Record<Exclude<Trigger, 'init'>, number> = {
  'make-credential': 0x01,
  'get-assertion': 0x02,
  'client-pin': 0x06,
}

export interface FaultPeer {
  readonly port: number
  /** Arms a fault; it starts at the trigger and lasts until heal(). */
  arm(fault: Fault, trigger: Trigger): void
  /** The fault has started (the trigger was seen). */
  readonly triggered: boolean
  /** A healthy key again: the fault stops, the key is power-cycled (unplugged, plugged back). */
  heal(): Promise<void>
  /** Reports received from the host, by command name (CTAPHID_INIT, CBOR:0x01, …). */
  readonly received: Map<string, number>
  close(): Promise<void>
}

/** A deterministic generator, so a run can be replayed (xorshift32). */
function randomSource(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      out[i] = x & 0xff
    }
    return out
  }
}

function describeRequest(report: Uint8Array): { name: string; ctap?: number } {
  const type = report[4] ?? 0
  if ((type & 0x80) === 0) return { name: 'continuation' }
  const cmd = type & 0x7f
  if (cmd === CTAPHID.CBOR)
    return { name: `CBOR:0x${(report[7] ?? 0).toString(16)}`, ctap: report[7] ?? 0 }
  const known = Object.entries(CTAPHID).find(([, v]) => v === cmd)
  return { name: known ? `CTAPHID_${known[0]}` : `0x${cmd.toString(16)}` }
}

function bind(port: number): Promise<Socket> {
  const socket = createSocket('udp4')
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ port, address: '127.0.0.1', exclusive: true }, () => {
      socket.off('error', reject)
      socket.on('error', () => undefined)
      resolve(socket)
    })
  })
}

export async function startFaultPeer(options: {
  key: VirtualKey
  port?: number
  seed?: number
}): Promise<FaultPeer> {
  const { key } = options
  const random = randomSource(options.seed ?? 0x5eed)
  let socket = await bind(options.port ?? 0)
  const port = socket.address().port
  let plan: { fault: Fault; trigger: Trigger } | undefined
  let triggered = false
  let closed = false
  const keepalives = new Set<NodeJS.Timeout>()
  const received = new Map<string, number>()

  const send = (report: Uint8Array, to: RemoteInfo): void => {
    if (!closed) socket.send(report, to.port, to.address)
  }

  /** What the host gets in place of one report of the key's answer. */
  function corrupt(report: Uint8Array, fault: Fault): Uint8Array | undefined {
    const out = Uint8Array.from(report)
    switch (fault) {
      case 'silent':
      case 'gone':
      case 'keepalive-forever':
        return undefined
      case 'wrong-channel':
        out[3] = (out[3] ?? 0) ^ 0x5a
        return out
      case 'noise':
        return random(64)
      case 'garbage': {
        out.set(random(60), 4)
        // an initialization packet of a command nobody asked for (not KEEPALIVE, ERROR, or
        // the command of the request), so the host must reject it rather than wait
        const unasked = [0x05, 0x07, 0x09, 0x0a, 0x12, 0x20, 0x40, 0x51, 0x7e]
        out[4] = 0x80 | (unasked[(out[5] ?? 0) % unasked.length] ?? 0x05)
        return out
      }
      case 'truncated':
        return out.subarray(0, 1 + ((random(1)[0] ?? 0) % 63))
      case 'oversized-length':
        if (((out[4] ?? 0) & 0x80) !== 0) {
          out[5] = 0xff
          out[6] = 0xff
        }
        return out
    }
  }

  function startKeepalive(report: Uint8Array, to: RemoteInfo): void {
    const cid = report.subarray(0, 4)
    let n = 0
    const timer = setInterval(() => {
      const frame = new Uint8Array(64)
      frame.set(cid, 0)
      frame[4] = 0x80 | CTAPHID.KEEPALIVE
      frame[6] = 1
      frame[7] = n++ % 3 === 2 ? KEEPALIVE_STATUS.PROCESSING : KEEPALIVE_STATUS.UPNEEDED
      send(frame, to)
    }, 100)
    keepalives.add(timer)
  }

  function onMessage(message: Buffer, remote: RemoteInfo): void {
    const report = new Uint8Array(message)
    const request = describeRequest(report)
    received.set(request.name, (received.get(request.name) ?? 0) + 1)
    if (plan && !triggered) {
      const { trigger } = plan
      triggered =
        trigger === 'init'
          ? request.name === 'CTAPHID_INIT'
          : request.ctap === CTAP2_COMMAND[trigger]
    }
    const fault = triggered ? plan?.fault : undefined
    if (fault === 'silent') return
    if (fault === 'keepalive-forever') {
      if (request.name !== 'CTAPHID_CANCEL' && request.name !== 'continuation')
        startKeepalive(report, remote)
      return
    }
    key.receive(report, (answer) => {
      const now = triggered ? plan?.fault : undefined
      const out = now ? corrupt(answer, now) : answer
      if (out) send(out, remote)
    })
    if (fault === 'gone') void goAway()
  }

  async function goAway(): Promise<void> {
    if (closed) return
    closed = true
    await new Promise<void>((done) => socket.close(() => done()))
  }

  function stopKeepalives(): void {
    for (const timer of keepalives) clearInterval(timer)
    keepalives.clear()
  }

  socket.on('message', onMessage)

  return {
    port,
    get triggered() {
      return triggered
    },
    received,
    arm(fault, trigger) {
      plan = { fault, trigger }
      triggered = false
    },
    async heal() {
      plan = undefined
      triggered = false
      stopKeepalives()
      key.powerCycle()
      if (closed) {
        // plugged back in at the same address
        socket = await bind(port)
        socket.on('message', onMessage)
        closed = false
      }
    },
    async close() {
      stopKeepalives()
      await goAway()
    },
  }
}

/** Fresh random bytes, for seeds. */
export function randomSeed(): number {
  return randomBytes(4).readUInt32BE(0)
}
