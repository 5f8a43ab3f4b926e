import { mkdir, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebHost, type WebHost } from '../../../src-main/host/server'
import { silentLogger } from '../../../src-main/log'
import { addUser, PASSWORD, startBed, tempDir, type TestBed } from '../../support/env'

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function http(
  host: WebHost,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    // A server may answer (413) and close before the whole body is written.
    req.on('error', (error) => setTimeout(() => reject(error), 200))
    req.end(options.body)
  })
}

describe('web host', () => {
  let bed: TestBed
  let host: WebHost
  let ui: { path: string; remove(): Promise<void> }
  const call = (
    method: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> =>
    http(host, {
      method: 'POST',
      path: `/api/${method}`,
      headers: {
        'content-type': 'application/json',
        origin: host.url.slice(0, -1),
        'x-guichet-token': host.token,
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  beforeAll(async () => {
    bed = await startBed()
    await addUser(bed.store, 'alice.martin@mairie.fr')
    ui = await tempDir()
    await mkdir(join(ui.path, 'assets'))
    await writeFile(
      join(ui.path, 'index.html'),
      '<html><head><meta name="guichet-token" content="" /></head><body></body></html>',
    )
    await writeFile(join(ui.path, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(ui.path, '..', 'secret.txt'), 'do not serve').catch(() => undefined)
    host = await startWebHost({
      api: bed.engine,
      rendererDir: ui.path,
      port: 0,
      log: silentLogger,
      requestTimeoutMs: 1500,
    })
  })
  afterAll(async () => {
    await host.close()
    await ui.remove()
    await bed.close()
  })

  it('listens on 127.0.0.1 only and hands the page its per-launch secret', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const page = await http(host, { path: '/', headers: { host: `127.0.0.1:${host.port}` } })
    expect(page.status).toBe(200)
    expect(page.body).toContain(`<meta name="guichet-token" content="${host.token}" />`)
    expect(page.headers['content-security-policy']).toContain("default-src 'none'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['cache-control']).toBe('no-store')
    expect((await http(host, { path: '/assets/app.js' })).headers['content-type']).toContain(
      'text/javascript',
    )
  })

  it('serves the contract with the envelope', async () => {
    const r = await call('getStatus', {})
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({
      ok: true,
      value: { firstStart: false, locale: 'fr' },
    })
    const signIn = await call('signIn', {
      email: 'alice.martin@mairie.fr',
      password: 'wrong-password-here',
    })
    expect(JSON.parse(signIn.body)).toEqual({ ok: false, error: { code: 'INVALID_CREDENTIALS' } })
  })

  it.each([
    ['a foreign Origin', { origin: 'http://evil.example' }],
    ['a localhost Origin', { origin: 'http://localhost' }],
    ['no Origin', { origin: '' }],
    ['a foreign Host (DNS rebinding)', { host: 'evil.example' }],
    ['no secret', { 'x-guichet-token': '' }],
    ['a wrong secret', { 'x-guichet-token': 'x'.repeat(43) }],
  ])('refuses %s', async (_label, headers) => {
    const clean = Object.fromEntries(Object.entries(headers))
    const r = await call('signIn', { email: 'alice.martin@mairie.fr', password: PASSWORD }, clean)
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(bed.smtp.mails).toHaveLength(0)
  })

  it('answers malformed JSON, non-JSON, unknown methods and big bodies with a 4xx and a code', async () => {
    expect(await call('signIn', '{"email":')).toMatchObject({
      status: 400,
      body: '{"ok":false,"error":{"code":"VALIDATION"}}',
    })
    expect(
      await call('signIn', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1')),
    ).toMatchObject({ status: 400 })
    expect(
      (await call('signIn', 'email=a', { 'content-type': 'application/x-www-form-urlencoded' }))
        .status,
    ).toBe(415)
    expect(await call('dropTables', {})).toMatchObject({
      status: 404,
      body: '{"ok":false,"error":{"code":"UNKNOWN_METHOD"}}',
    })
    expect((await call('__proto__', {})).status).toBe(404)
    expect((await call('signIn', { email: 'a'.repeat(70_000) })).status).toBe(413)
    expect((await http(host, { method: 'GET', path: '/api/getStatus' })).status).toBe(405)
  })

  it('does not serve files outside the UI folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt']) {
      const r = await http(host, { path })
      expect(r.body).not.toContain('do not serve')
    }
  })

  it('cuts off a slow-drip body and stays responsive', async () => {
    const socket = connect(host.port, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    socket.write(
      `POST /api/getStatus HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: http://127.0.0.1:${host.port}\r\nX-Guichet-Token: ${host.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    )
    const timer = setInterval(() => socket.writable && socket.write(' '), 200)
    const closed = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (d) => (text += d.toString()))
      socket.on('close', () => resolve(text))
    })
    clearInterval(timer)
    expect(closed).toMatch(/^HTTP\/1\.1 408/)
    expect((await call('getStatus', {})).status).toBe(200)
  })

  it('delivers main → renderer events to pages holding the secret', async () => {
    const refused = await http(host, { path: '/api/events?token=nope' })
    expect(refused.status).toBe(403)
    const received = new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: host.port, path: `/api/events?token=${host.token}` },
        (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream')
          let text = ''
          res.on('data', (c: Buffer) => {
            text += c.toString()
            if (text.includes('data:')) {
              req.destroy()
              resolve(text)
            }
          })
        },
      )
      req.on('error', reject)
      req.end()
    })
    await new Promise((r) => setTimeout(r, 100))
    host.emit('keyStatus', { status: 'touch' })
    expect(await received).toContain('event: keyStatus\ndata: {"status":"touch"}')
  })
})
