import { mkdir, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METHOD_NAMES } from '../../../src-main/contract/methods'
import { startWebHost, type WebHost } from '../../../src-main/host/server'
import { silentLogger } from '../../../src-main/log'
import { ISSUER_PAGE, ISSUER_SLOT } from '../../../src-main/shell/first-screen'
import { enterDoor, knock } from '../../support/door'
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
  /** The kiosk browser's cookie, from the door. */
  let cookie: string
  let pagesAttached = 0
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
        cookie,
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
      '<html><head><title>Guichet</title></head><body></body></html>',
    )
    await writeFile(join(ui.path, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(ui.path, '..', 'secret.txt'), 'do not serve').catch(() => undefined)
    host = await startWebHost({
      api: bed.engine,
      rendererDir: ui.path,
      port: 0,
      log: silentLogger,
      requestTimeoutMs: 1500,
      onPageAttached: () => {
        pagesAttached++
      },
    })
    cookie = await enterDoor(host.launchUrl)
  })
  afterAll(async () => {
    await host.close()
    await ui.remove()
    await bed.close()
  })

  it('listens on 127.0.0.1 only and serves the page, with no credential in it, to the door’s cookie', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(host.launchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?launch=[\w-]{43}$/)
    const before = pagesAttached
    const page = await http(host, {
      path: '/',
      headers: { host: `127.0.0.1:${host.port}`, cookie },
    })
    expect(page.status).toBe(200)
    expect(pagesAttached, 'a page load is announced (it starts with no session)').toBe(before + 1)
    expect(page.body).toBe('<html><head><title>Guichet</title></head><body></body></html>')
    expect(page.headers['content-security-policy']).toContain("default-src 'none'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['cache-control']).toBe('no-store')
    expect(
      (await http(host, { path: '/assets/app.js', headers: { cookie } })).headers['content-type'],
    ).toContain('text/javascript')
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
    ['no cookie', { cookie: '' }],
    ['a wrong cookie', { cookie: `guichet-kiosk=${'x'.repeat(43)}` }],
    ['the old secret header instead', { cookie: '', 'x-guichet-token': 'x'.repeat(43) }],
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
      const r = await http(host, { path, headers: { cookie } })
      expect(r.body).not.toContain('do not serve')
    }
  })

  it('cuts off a slow-drip body and stays responsive', async () => {
    const socket = connect(host.port, '127.0.0.1')
    await new Promise((r) => socket.once('connect', r))
    socket.write(
      `POST /api/getStatus HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: http://127.0.0.1:${host.port}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
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

  it('delivers main → renderer events to the page holding the cookie, not to a query string', async () => {
    expect((await http(host, { path: '/api/events' })).status).toBe(403)
    expect((await http(host, { path: '/api/events?token=nope' })).status).toBe(403)
    const received = new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: host.port, path: '/api/events', headers: { cookie } },
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

  it('the door: the launch token once for an HttpOnly SameSite=Strict cookie, then / without it', async () => {
    const fresh = host.newLaunchUrl()
    const before = pagesAttached
    const first = await knock(fresh)
    expect(first.status).toBe(303)
    expect(first.location).toBe('/')
    expect(first.setCookie).toMatch(/^guichet-kiosk=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/$/)
    expect(pagesAttached).toBe(before + 1)
    // single use: the same URL a second time lets nobody in
    const again = await knock(fresh)
    expect(again).toMatchObject({ status: 403, setCookie: undefined })
    // the new browser is in, the previous one is out
    const previous = cookie
    cookie = first.cookie as string
    expect((await call('getStatus', {})).status).toBe(200)
    expect((await call('getStatus', {}, { cookie: previous })).status).toBe(403)
    expect((await http(host, { path: '/', headers: { cookie: previous } })).status).toBe(403)
    // a URL made and then replaced by a newer one is void
    const stale = host.newLaunchUrl()
    host.newLaunchUrl()
    expect((await knock(stale)).status).toBe(403)
    expect((await call('getStatus', {})).status, 'an unused new URL leaves the browser in').toBe(
      200,
    )
  })

  it('refuses a plain HTTP client without the cookie on every route (a second local program)', async () => {
    const routes: [string, string][] = [
      ['GET', '/'],
      ['GET', '/index.html'],
      ['GET', '/assets/app.js'],
      ['GET', '/favicon.ico'],
      ['GET', '/api/events'],
      ['GET', `/?launch=${'A'.repeat(43)}`],
      ['HEAD', '/'],
    ]
    for (const [method, path] of routes) {
      const r = await http(host, { method, path })
      expect(`${method} ${path} ${r.status}`).toBe(`${method} ${path} 403`)
      expect(r.headers['set-cookie']).toBeUndefined()
    }
    // every contract method, with a same-origin Origin a non-browser client can forge
    for (const method of METHOD_NAMES) {
      const r = await call(method, {}, { cookie: '' })
      expect(`${method} ${r.status}`).toBe(`${method} 403`)
      expect(JSON.parse(r.body)).toEqual({ ok: false, error: { code: 'FORBIDDEN' } })
    }
  })

  it('serves the page pre-rendered under the configured issuer, escaped, when that is not the one index.html shows', async () => {
    const built = await tempDir()
    const slotted = (issuer: string) =>
      `<div id="app" data-prerendered="${issuer}"><span>${issuer}</span><span>Guichet</span></div>`
    await writeFile(join(built.path, 'index.html'), slotted('Guichet'))
    await writeFile(join(built.path, ISSUER_PAGE), slotted(ISSUER_SLOT))
    const open = (issuer?: string) =>
      startWebHost({ api: bed.engine, rendererDir: built.path, issuer, port: 0, log: silentLogger })
    const page = async (h: WebHost): Promise<string> => {
      const r = await http(h, { path: '/', headers: { cookie: await enterDoor(h.launchUrl) } })
      expect(r.status).toBe(200)
      return r.body
    }
    const hosts = [await open('Mairie <de> Lyon & "Cie"'), await open('Guichet'), await open()]
    try {
      const [other, same, none] = hosts as [WebHost, WebHost, WebHost]
      expect(await page(other)).toBe(slotted('Mairie &lt;de&gt; Lyon &amp; &quot;Cie&quot;'))
      expect(await page(same)).toBe(slotted('Guichet'))
      expect(await page(none)).toBe(slotted('Guichet'))
    } finally {
      for (const h of hosts) await h.close()
      await built.remove()
    }
  })
})
