// A UDP key peer that misbehaves on purpose. It speaks the SoloKeys/CanoKey PC
// convention (one 64-byte report a datagram) in front of a real VirtualKey,
// and from a trigger on (the first CTAPHID_INIT, or the first CTAP2
// makeCredential / getAssertion / clientPIN request) it corrupts, drops or
// replaces the key's answers. `heal()` is unplugging the faulty key and
// plugging in a healthy one: the fault stops and the key is power-cycled.

import { randomBytes } from 'node:crypto'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import {
  decodeCbor,
  encodeCbor,
  type CborKey,
  type CborValue,
} from '../../../src-main/fido/protocol/cbor'
import {
  CTAPHID,
  encodeFrames,
  KEEPALIVE_STATUS,
} from '../../../src-main/fido/protocol/ctaphid-frames'
import type { VirtualKey } from '../../../src-main/fido/virtual-key/key'

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
  /**
   * The key's CTAP2 answer, well framed, with its content corrupted: random bytes after the
   * status, bytes flipped, cut short, trailing bytes, another status, or one CBOR member of
   * the wrong type. KEEPALIVEs pass. What the host must survive from a hostile key.
   */
  | 'corrupt-answer'

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
  /** For 'corrupt-answer': how the last answer was corrupted. */
  readonly lastCorruption: string | undefined
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
      case 'corrupt-answer':
        return out // whole messages are corrupted in reassemble()
    }
  }

  /** A number in [0, n) from the seeded generator. */
  const below = (n: number): number => {
    const b = random(4)
    return (
      ((((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0) % n
    )
  }
  let lastCorruption: string | undefined

  /** A CTAP2 answer (status byte + CBOR) with its content corrupted one way or another. */
  function corruptAnswer(answer: Uint8Array): Uint8Array {
    const body = answer.subarray(1)
    const ways = ['random', 'flip', 'cut', 'trailing', 'status', 'member'] as const
    const way = ways[below(ways.length)] ?? 'random'
    lastCorruption = way
    switch (way) {
      case 'random':
        return Uint8Array.of(0x00, ...random(below(300)))
      case 'flip': {
        const out = Uint8Array.from(answer)
        for (let i = 0, n = 1 + below(8); i < n && out.length > 1; i++) {
          const at = 1 + below(out.length - 1)
          out[at] = (out[at] ?? 0) ^ (1 << below(8))
        }
        return out
      }
      case 'cut':
        return answer.subarray(0, 1 + below(Math.max(1, answer.length - 1)))
      case 'trailing':
        return Uint8Array.of(...answer, ...random(1 + below(16)))
      case 'status':
        return Uint8Array.of(1 + below(0xff), ...body)
      case 'member': {
        let map: CborValue
        try {
          map = decodeCbor(body)
        } catch {
          return Uint8Array.of(0x00, ...random(below(64)))
        }
        if (!(map instanceof Map) || map.size === 0) return Uint8Array.of(0x00, ...random(32))
        const keys = [...map.keys()]
        const key = keys[below(keys.length)]!
        const others: CborValue[] = [
          -1,
          2 ** 40,
          'x',
          '',
          random(below(80)),
          new Uint8Array(0),
          [],
          [random(8), 1],
          new Map<CborKey, CborValue>([[1, 'x']]),
          true,
          null,
        ]
        if (below(4) === 0) {
          map.delete(key)
          lastCorruption = `member ${String(key)} left out`
        } else {
          const other = others[below(others.length)] ?? null
          map.set(key, other)
          const kind =
            other instanceof Uint8Array
              ? 'bytes'
              : other instanceof Map
                ? 'map'
                : Array.isArray(other)
                  ? 'array'
                  : typeof other
          lastCorruption = `member ${String(key)} as ${other === null ? 'null' : kind}`
        }
        return Uint8Array.of(0x00, ...encodeCbor(map))
      }
    }
  }

  /** Reassembles the key's CTAPHID_CBOR answers and sends them on corrupted. */
  let assembling: { cid: Uint8Array; data: Uint8Array; filled: number } | undefined
  function reassemble(report: Uint8Array, to: RemoteInfo): void {
    const type = report[4] ?? 0
    if (type === (0x80 | CTAPHID.CBOR)) {
      const length = ((report[5] ?? 0) << 8) | (report[6] ?? 0)
      assembling = { cid: report.slice(0, 4), data: new Uint8Array(length), filled: 0 }
      const take = Math.min(length, 57)
      assembling.data.set(report.subarray(7, 7 + take))
      assembling.filled = take
    } else if ((type & 0x80) === 0 && assembling) {
      const take = Math.min(assembling.data.length - assembling.filled, 59)
      assembling.data.set(report.subarray(5, 5 + take), assembling.filled)
      assembling.filled += take
    } else {
      send(report, to) // KEEPALIVE, ERROR, INIT: as they are
      return
    }
    if (assembling.filled < assembling.data.length) return
    const cid = assembling.cid
    const corrupted = corruptAnswer(assembling.data)
    assembling = undefined
    const cidNumber =
      (((cid[0] ?? 0) << 24) | ((cid[1] ?? 0) << 16) | ((cid[2] ?? 0) << 8) | (cid[3] ?? 0)) >>> 0
    for (const frame of encodeFrames(cidNumber, CTAPHID.CBOR, corrupted.subarray(0, 7609)))
      send(frame, to)
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
      if (now === 'corrupt-answer') return reassemble(answer, remote)
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
    get lastCorruption() {
      return lastCorruption
    },
    arm(fault, trigger) {
      plan = { fault, trigger }
      triggered = false
    },
    async heal() {
      plan = undefined
      triggered = false
      assembling = undefined
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
