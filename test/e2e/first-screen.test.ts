// The pre-rendered sign-in screen under a configured issuer, in Chromium: the
// web host serves the page rendered for that issuer (src-main/shell/first-screen.ts),
// so the first paint already names it, and Vue takes that markup over (the same
// nodes, no hydration mismatch) instead of rendering the screen again.

import { afterEach, describe, expect, it } from 'vitest'
import { adminAddUser } from './support/clerk'
import { startKiosk, type Kiosk } from './support/kiosk'

const ISSUER = 'Mairie d’Yvré & <Cie>'

describe('first screen under a configured issuer', () => {
  let kiosk: Kiosk | undefined
  afterEach(async () => {
    await kiosk?.close()
    kiosk = undefined
  })

  it('is served pre-rendered under that issuer and taken over by Vue', async () => {
    kiosk = await startKiosk({ issuer: ISSUER })
    await adminAddUser(kiosk.host.configPath, 'alice.martin@mairie.fr', 'Alice Martin')
    const { page } = kiosk
    // Before any script runs: the served markup, and its « Se connecter » button.
    await page.addInitScript(`document.addEventListener('DOMContentLoaded', () => {
      window.servedIssuer = document.querySelector('.brand__issuer')?.textContent ?? ''
      window.servedButton = document.querySelector('#app button[type="submit"]')
    })`)
    await page.reload()
    // Vue's mount (a hydration too) marks its container.
    await page.waitForFunction(`document.getElementById('app').__vue_app__ !== undefined`)
    await page.getByRole('button', { name: 'Se connecter', exact: true }).waitFor()
    const seen = await page.evaluate<{ served: string; sameButton: boolean; shown: string }>(`({
      served: window.servedIssuer,
      sameButton: window.servedButton !== null &&
        window.servedButton === document.querySelector('#app button[type="submit"]'),
      shown: document.querySelector('.brand__issuer')?.textContent,
    })`)
    expect(seen).toEqual({ served: ISSUER, sameButton: true, shown: ISSUER })
    // kiosk.close() checks that the page logged no error (a hydration mismatch is one).
  })
})
