// Issue 13, finding 1, reproduced in Chromium through the web host: a clerk
// signs in and closes the browser without « Se déconnecter »; a new browser,
// let in through the door, shows the sign-in screen and reaches nothing of the
// clerk (the recovery codes least of all). And a second local program, with no
// cookie, is refused.

import { afterEach, describe, expect, it } from 'vitest'
import { knock } from '../support/door'
import { adminAddUser, enterCode, expectHeading, signIn } from './support/clerk'
import { startKiosk, type Kiosk } from './support/kiosk'

const ALICE = 'alice.martin@mairie.fr'

// Two browsers, a host, an SMTP server and the admin command on a shared 2-core machine.
describe(
  'a closed page leaves nothing of the clerk (Chromium, web host)',
  { timeout: 300_000 },
  () => {
    let kiosk: Kiosk | undefined
    afterEach(async () => {
      await kiosk?.close()
      kiosk = undefined
    })

    it('signed in, browser closed without signing out: the next browser gets the sign-in screen', async () => {
      kiosk = await startKiosk()
      const { page, smtp, host, browser } = kiosk
      await adminAddUser(host.configPath, ALICE, 'Alice Martin')
      await page.reload()
      await signIn(page, ALICE)
      await expectHeading(page, 'Saisissez votre code')
      await enterCode(page, smtp.lastCode(ALICE))
      await expectHeading(page, 'Bonjour, Alice Martin')
      await kiosk.context.close() // no « Se déconnecter »

      // The used launch URL lets nobody in again; the host prints a fresh one.
      expect((await knock(host.launchUrl)).status).toBe(403)
      const next = await browser.newContext({ locale: 'fr-FR' })
      const fresh = await next.newPage()
      fresh.setDefaultTimeout(30_000)
      await fresh.goto(await host.newLaunchUrl())
      expect(new URL(fresh.url()).search, 'the token left the address bar').toBe('')
      await expectHeading(fresh, 'Connexion')
      expect(await fresh.textContent('body')).not.toContain('Alice')
      // From the page itself, the recovery codes are out of reach.
      const answer = await fresh.evaluate(async () => {
        const r = await fetch('/api/issueRecoveryCodes', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
        return (await r.json()) as unknown
      })
      expect(answer).toEqual({ ok: false, error: { code: 'NOT_SIGNED_IN' } })
      // The page holds no credential a script could take elsewhere.
      expect(await fresh.evaluate('document.cookie')).toBe('')
      expect(await fresh.content()).not.toMatch(/guichet-token|launch=/)
      await next.close()
    })

    it('a second local program (plain HTTP, no cookie) is refused, before and after the browser came in', async () => {
      kiosk = await startKiosk()
      const { host } = kiosk
      for (const path of ['/', '/index.html', '/api/events']) {
        const r = await knock(`${host.url.slice(0, -1)}${path}`)
        expect(`${path} ${r.status}`).toBe(`${path} 403`)
      }
      const res = await fetch(`${host.url}api/getStatus`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: host.url.slice(0, -1) },
        body: '{}',
      })
      expect(res.status).toBe(403)
      expect(await res.json()).toEqual({ ok: false, error: { code: 'FORBIDDEN' } })
    })
  },
)
