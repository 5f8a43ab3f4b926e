import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createAppProtocolHandler, resolveAppPath } from '../../../src-main/shell/app-protocol'
import { ISSUER_PAGE, ISSUER_SLOT } from '../../../src-main/shell/first-screen'
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shell/window-options'

let base: string
let root: string
let handle: (request: Request) => Promise<Response>

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'guichet-protocol-'))
  root = join(base, 'renderer')
  await mkdir(join(root, 'assets'), { recursive: true })
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Guichet</title>')
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log("kiosk")')
  await writeFile(join(root, 'assets', 'style.css'), 'body{}')
  await writeFile(join(base, 'secret.txt'), 'not for the renderer')
  handle = createAppProtocolHandler(root)
})

afterAll(async () => {
  await rm(base, { recursive: true, force: true })
})

const get = (url: string, method = 'GET'): Promise<Response> => handle(new Request(url, { method }))

describe('app:// handler', () => {
  it('serves index.html at the root, with the CSP and hardening headers', async () => {
    const response = await get('app://guichet/')
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<title>Guichet</title>')
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('serves assets with their content type, and the CSP on them too', async () => {
    const script = await get('app://guichet/assets/index-abc.js')
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    const style = await get('app://guichet/assets/style.css')
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8')
  })

  it('answers app routes (no extension) with index.html', async () => {
    const response = await get('app://guichet/home/factors')
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<title>Guichet</title>')
  })

  it.each([
    'app://guichet/%2e%2e/secret.txt',
    'app://guichet/assets/%2e%2e/%2e%2e/secret.txt',
    'app://guichet/..%2fsecret.txt',
    'app://guichet/assets%5c..%5c..%5csecret.txt',
    'app://guichet/%00.js',
    'app://guichet/%E0%A4%A.js',
  ])('never serves a file outside the renderer folder: %s', async (url) => {
    const response = await get(url)
    expect(response.status).toBe(404)
    expect(await response.text()).not.toContain('not for the renderer')
  })

  it('answers 404 for a missing asset and for another host', async () => {
    expect((await get('app://guichet/assets/missing.js')).status).toBe(404)
    expect((await get('app://other/index.html')).status).toBe(404)
  })

  it('answers 405 to anything but GET and HEAD', async () => {
    expect((await get('app://guichet/index.html', 'POST')).status).toBe(405)
    const head = await get('app://guichet/index.html', 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('serves the page pre-rendered under the configured issuer, at the root and on app routes', async () => {
    const built = join(base, 'renderer-issuer')
    await mkdir(built)
    const page = (issuer: string) => `<div id="app" data-prerendered="${issuer}">${issuer}</div>`
    await writeFile(join(built, 'index.html'), page('Guichet'))
    await writeFile(join(built, ISSUER_PAGE), page(ISSUER_SLOT))
    const other = createAppProtocolHandler(built, { issuer: 'Mairie d’Yvré & <Cie>' })
    for (const url of ['app://guichet/', 'app://guichet/index.html', 'app://guichet/factors']) {
      const r = await other(new Request(url))
      expect(r.status).toBe(200)
      expect(await r.text()).toBe(page('Mairie d’Yvré &amp; &lt;Cie&gt;'))
    }
    const head = await other(new Request('app://guichet/', { method: 'HEAD' }))
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const same = createAppProtocolHandler(built, { issuer: 'Guichet' })
    expect(await (await same(new Request('app://guichet/'))).text()).toBe(page('Guichet'))
    const none = createAppProtocolHandler(built)
    expect(await (await none(new Request('app://guichet/'))).text()).toBe(page('Guichet'))
  })

  it('maps paths inside the folder only', () => {
    expect(resolveAppPath('/r', '/')).toBe('/r/index.html')
    expect(resolveAppPath('/r', '/assets/a.js')).toBe('/r/assets/a.js')
    expect(resolveAppPath('/r', '/../etc/hosts.txt')).toBeUndefined()
    expect(resolveAppPath('/r', '/a/../../etc/shadow.json')).toBeUndefined()
    // Extension-less paths are app routes: whatever they say, they get index.html.
    expect(resolveAppPath('/r', '/../etc/passwd')).toBe('/r/index.html')
  })
})
