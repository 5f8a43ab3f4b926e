// The web host under bad requests: malformed JSON, bytes that are not UTF-8,
// wrong content types, unknown methods, wrong HTTP verbs and invalid payloads,
// from the right origin with the right secret (so only the body is wrong).
// Every answer is a 4xx with `{ ok: false, error: { code } }`, and the store,
// the mail and the session are unchanged afterwards.

import { writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorCode } from '../../../src-main/contract/errors'
import {
  MAX_PAYLOAD_BYTES,
  METHOD_NAMES,
  type MethodName,
} from '../../../src-main/contract/methods'
import { startWebHost, type WebHost } from '../../../src-main/host/server'
import { silentLogger } from '../../../src-main/log'
import { enterDoor } from '../../support/door'
import { addUser, PASSWORD, startBed, tempDir, value, type TestBed } from '../../support/env'
import { invalidPayload, isValid, validBase } from './payloads'
import { snapshotStore, type StoreSnapshot } from './snapshot'

const EMAIL = 'alice.martin@mairie.fr'
// 80 requests of each kind (~420 in all); GUICHET_FUZZ_RUNS scales it for the soak run.
const PER_KIND = Math.max(80, Math.ceil(Number(process.env['GUICHET_FUZZ_RUNS'] ?? 0) / 125))
const SEED = process.env['GUICHET_FUZZ_SEED'] ? Number(process.env['GUICHET_FUZZ_SEED']) : undefined

interface Answer {
  status: number
  body: string
}

interface Req {
  verb?: string
  path: string
  contentType?: string | undefined
  body: Buffer
}

/** Byte sequences that are not UTF-8 (RFC 3629): lone bytes, overlong forms, surrogates, > U+10FFFF. */
const INVALID_UTF8: number[][] = [
  [0xff],
  [0xfe],
  [0xff, 0xfe],
  [0xfe, 0xff],
  [0x80],
  [0xbf],
  [0xc0, 0xaf], // overlong "/"
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf], // overlong "/"
  [0xed, 0xa0, 0x80], // U+D800 (CESU-8 surrogate)
  [0xed, 0xbf, 0xbf], // U+DFFF
  [0xe2, 0x82], // truncated "€"
  [0xf0, 0x9f, 0x98], // truncated emoji
  [0xf4, 0x90, 0x80, 0x80], // U+110000
  [0xf8, 0x88, 0x80, 0x80, 0x80], // 5-byte form
  [0xc3], // truncated "é" at the end
]

const WRONG_CONTENT_TYPES = [
  undefined,
  '',
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'text/json',
  'application/jsonx',
  'APPLICATION/JSON',
  'json',
  '*/*',
]

function bodyOf(method: MethodName): Buffer {
  return Buffer.from(JSON.stringify(validBase(method)))
}

describe('web host fuzzing over HTTP', () => {
  let bed: TestBed
  let host: WebHost
  let cookie: string
  let ui: { path: string; remove(): Promise<void> }
  let storeBefore: StoreSnapshot
  let statusBefore: unknown
  const histogram = new Map<string, number>()
  let sent = 0

  function post(r: Req): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let answered = false
      const headers: Record<string, string | number> = {
        origin: host.url.slice(0, -1),
        cookie,
        'content-length': r.body.length,
      }
      if (r.contentType !== undefined) headers['content-type'] = r.contentType
      const req = request(
        {
          host: '127.0.0.1',
          port: host.port,
          method: r.verb ?? 'POST',
          path: r.path,
          headers,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            answered = true
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() })
          })
        },
      )
      // A server may answer (413) and close before the whole body is written.
      req.on('error', (error) =>
        setTimeout(() => {
          if (!answered) reject(error)
        }, 200),
      )
      req.end(r.body)
    })
  }

  /** Sends one bad request and checks the answer: the status, and the envelope with its code. */
  async function refused(r: Req, statuses: number[], code: ErrorCode): Promise<void> {
    const a = await post(r)
    sent++
    let envelope: { ok?: unknown; error?: { code?: string; params?: { field?: string } } } = {}
    try {
      envelope = JSON.parse(a.body) as typeof envelope
    } catch {
      // left empty: the expectation below shows the body
    }
    const got = envelope.error?.code ?? `HTTP ${a.status} ${a.body.slice(0, 80)}`
    histogram.set(`${a.status} ${got}`, (histogram.get(`${a.status} ${got}`) ?? 0) + 1)
    // VALIDATION may name the offending field of the schema: nothing else
    const params = envelope.error?.params
    const expected = params ? { code, params: { field: expect.any(String) } } : { code }
    expect({ status: a.status, envelope }).toEqual({
      status: statuses.includes(a.status) ? a.status : statuses[0],
      envelope: { ok: false, error: expected },
    })
    expect(ERROR_CODES).toContain(envelope.error?.code as ErrorCode)
  }

  const method = fc.constantFrom(...METHOD_NAMES)
  const runs = (numRuns: number): { numRuns: number; seed?: number } => ({
    numRuns,
    ...(SEED !== undefined ? { seed: SEED } : {}),
  })

  beforeAll(async () => {
    bed = await startBed()
    await addUser(bed.store, EMAIL)
    ui = await tempDir()
    await writeFile(
      join(ui.path, 'index.html'),
      '<html><head><title>Guichet</title></head><body></body></html>',
    )
    host = await startWebHost({
      api: bed.engine,
      rendererDir: ui.path,
      port: 0,
      log: silentLogger,
      requestTimeoutMs: 5_000,
    })
    cookie = await enterDoor(host.launchUrl)
    // a pending sign-in: a request that slipped through could move it along
    value(await bed.engine.signIn({ email: EMAIL, password: PASSWORD }))
    storeBefore = await snapshotStore(bed.store)
    statusBefore = value(await bed.engine.getStatus({}))
  })

  afterAll(async () => {
    const byAnswer = [...histogram].map(([k, n]) => `${k} ×${n}`).join(', ')
    console.log(`[fuzz] web host: ${sent} bad requests over HTTP; answers: ${byAnswer}`)
    await host?.close()
    await ui?.remove()
    await bed?.close()
  })

  it(`${PER_KIND} malformed JSON bodies → 400 VALIDATION`, async () => {
    const notJson = fc.oneof(
      fc.string({ minLength: 1, maxLength: 60 }),
      fc.constantFrom(
        '{',
        '{"email":',
        "{'email':'a@b.fr'}",
        '{"a":1,}',
        '[1,]',
        '{"a":01}',
        'undefined',
        'NaN',
        '{"a":"\u0000"}', // a raw control character inside a string
        '{"a":"\\ud800"',
        '\u0000{}',
        '{}{}',
        '{"a":1}x',
      ),
      method.chain((m) => {
        const full = JSON.stringify(validBase(m))
        return fc
          .integer({ min: 1, max: Math.max(1, full.length - 1) })
          .map((k) => full.slice(0, k))
      }),
    )
    const isJson = (s: string): boolean => {
      try {
        JSON.parse(s)
        return true
      } catch {
        return false
      }
    }
    await fc.assert(
      fc.asyncProperty(
        method,
        notJson.filter((s) => s.trim().length > 0 && !isJson(s)),
        async (m, body) => {
          await refused(
            { path: `/api/${m}`, contentType: 'application/json', body: Buffer.from(body) },
            [400],
            'VALIDATION',
          )
        },
      ),
      runs(PER_KIND),
    )
  })

  it(`${PER_KIND} bodies with bytes that are not UTF-8 (0xFF 0xFE, overlong, surrogates…) → 400 VALIDATION`, async () => {
    await fc.assert(
      fc.asyncProperty(method, fc.constantFrom(...INVALID_UTF8), fc.nat(), async (m, bad, at) => {
        // inside a string of an otherwise valid body (a key when the method takes no field)
        const text = JSON.stringify({ ...validBase(m), note: 'x' })
        const quotes = [...text.matchAll(/"/g)].map((q) => q.index)
        const cut = (quotes[(at % (quotes.length / 2)) * 2] ?? 0) + 1
        const body = Buffer.concat([
          Buffer.from(text.slice(0, cut)),
          Buffer.from(bad),
          Buffer.from(text.slice(cut)),
        ])
        await refused(
          { path: `/api/${m}`, contentType: 'application/json; charset=utf-8', body },
          [400],
          'VALIDATION',
        )
      }),
      runs(PER_KIND),
    )
  })

  it(`${PER_KIND} valid bodies with a wrong content type → 415 VALIDATION`, async () => {
    await fc.assert(
      fc.asyncProperty(method, fc.constantFrom(...WRONG_CONTENT_TYPES), async (m, type) => {
        // signIn's base is the clerk's real password: only the content type stops it
        await refused(
          { path: `/api/${m}`, contentType: type, body: bodyOf(m) },
          [415],
          'VALIDATION',
        )
      }),
      runs(PER_KIND),
    )
  })

  it(`${PER_KIND} unknown methods and ${PER_KIND / 4} wrong verbs → 404 / 405 UNKNOWN_METHOD`, async () => {
    const name = fc
      .oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'signin',
          'SIGNIN',
          'signIn/',
          'events',
          'signIn%00',
          '%73ignIn',
          'signIn%20',
          '..%2FsignIn',
        ),
        method.map((m) => `${m}x`),
      )
      .filter((n) => !METHOD_NAMES.includes(n as MethodName))
      .map((n) => (/^[\w%./-]*$/.test(n) ? n : encodeURIComponent(n)))
      .filter((n) => !METHOD_NAMES.includes(n as MethodName) && n !== 'events/')
    await fc.assert(
      fc.asyncProperty(name, method, async (n, m) => {
        await refused(
          { path: `/api/${n}`, contentType: 'application/json', body: bodyOf(m) },
          [404, 405], // 405 when the name is a dot segment, `/api/..` being the root
          'UNKNOWN_METHOD',
        )
      }),
      runs(PER_KIND),
    )
    await fc.assert(
      fc.asyncProperty(
        method,
        fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET'),
        async (m, verb) => {
          await refused(
            { verb, path: `/api/${m}`, contentType: 'application/json', body: bodyOf(m) },
            [405],
            'UNKNOWN_METHOD',
          )
        },
      ),
      runs(PER_KIND / 4),
    )
  })

  it(`${PER_KIND} invalid payloads as JSON (wrong types, unknown and prototype keys, deep nesting…) → 400 / 413 VALIDATION`, async () => {
    const asJson = method.chain((m) =>
      invalidPayload(m, { asJson: true })
        .map((p) => {
          try {
            return { m, text: JSON.stringify(p) }
          } catch {
            return { m, text: undefined }
          }
        })
        .filter(
          (x): x is { m: MethodName; text: string } =>
            x.text !== undefined && !isValid(x.m, JSON.parse(x.text)),
        ),
    )
    await fc.assert(
      fc.asyncProperty(asJson, async ({ m, text }) => {
        const body = Buffer.from(text)
        await refused(
          { path: `/api/${m}`, contentType: 'application/json', body },
          body.length > MAX_PAYLOAD_BYTES ? [413] : [400],
          'VALIDATION',
        )
      }),
      runs(PER_KIND),
    )
  })

  it('leaves the store, the mail and the pending sign-in unchanged, and still serves a valid call', async () => {
    expect(sent).toBeGreaterThanOrEqual(5 * PER_KIND)
    expect(await snapshotStore(bed.store)).toEqual(storeBefore)
    expect(bed.smtp.mails).toHaveLength(1) // the code of the pending sign-in, nothing more
    expect(value(await bed.engine.getStatus({}))).toEqual(statusBefore)
    const ok = await post({
      path: '/api/getStatus',
      contentType: 'application/json',
      body: Buffer.from('{}'),
    })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { pending: { factor: 'email' } } })
  })
})
