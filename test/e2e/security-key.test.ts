// Security keys in a real browser: the web host talks to `npm run virtual-key`
// over the UDP transport (the real client stack: CTAPHID, CTAP2, PIN protocol),
// and the clerk registers a key, signs in with it after the password, and signs
// in with no password at all with the key's PIN.

import { afterEach, describe, expect, it } from 'vitest'
import { en } from '../../src-renderer/i18n/en'
import { fr } from '../../src-renderer/i18n/fr'
import { adminAddUser, PASSWORD, signOut } from './support/clerk'
import {
  startKiosk,
  startVirtualKeyProcess,
  type Kiosk,
  type VirtualKeyProcess,
} from './support/kiosk'
import { onScreen } from './support/look'

const ALICE = { email: 'alice.martin@mairie.fr', name: 'Alice Martin' }
const PIN = '4821'

// One journey per language; each screen is checked at both kiosk sizes
// (support/look.ts resizes and checks again, no journey is replayed).
describe.each(['fr', 'en'] as const)('security keys in Chromium (%s)', (locale) => {
  const m = locale === 'fr' ? fr : en
  let kiosk: Kiosk | undefined
  let key: VirtualKeyProcess | undefined
  afterEach(async () => {
    await kiosk?.close()
    await key?.stop()
    kiosk = undefined
    key = undefined
  })

  it('registers a key with its PIN, then signs in with it — after the password, and without one', async () => {
    key = await startVirtualKeyProcess(['--pin', PIN])
    kiosk = await startKiosk({
      locale,
      issuer: 'Mairie de Lyon',
      fido: { transport: 'udp', udp: `127.0.0.1:${key.port}`, udpLocalPort: 0 },
    })
    const { page, smtp, host } = kiosk
    const { h1, check, field, press } = onScreen(page, locale) // waits: the page's 30 s
    const signIn = async () => {
      await field(m.signIn.email).fill(ALICE.email)
      await field(m.signIn.password).fill(PASSWORD)
      await press(m.signIn.submit)
    }
    const home = m.home.title.replace('{name}', ALICE.name)
    await adminAddUser(host.configPath, ALICE.email, ALICE.name)
    await page.reload()

    await signIn()
    await h1(m.code.title)
    await field(m.code.label).fill(smtp.lastCode(ALICE.email))
    await press(m.code.submit)
    await h1(home)
    await press(m.home.factors)
    await press(m.factors.addKey)
    await h1(m.addKey.title)
    await field(m.addKey.name).fill('Clé bleue')
    await field(m.addKey.pin).fill(PIN)
    await check('35-add-key-filled', ALICE.name)
    await press(m.addKey.submit)
    await h1(m.keyAdded.title)
    await check('36-key-added', ALICE.name)
    await smtp.find(ALICE.email, locale === 'fr' ? 'Clé de sécurité ajoutée' : 'Security key added')

    // back to the list, then sign out
    await press(m.keyAdded.backFactors)
    await h1(m.factors.title)
    await page.getByText('Clé bleue').first().waitFor()
    await check('37-factors-with-key', ALICE.name)
    await press(m.common.backHome)
    await signOut(page, m.home.signOut)
    await h1(m.signIn.title)

    // Password, then the key instead of a code: no code is mailed to a key holder.
    const mailsBefore = smtp.mails.length
    await signIn()
    await h1(m.code.titleKey)
    await check('38-use-key', null)
    await press(m.code.useKey)
    await h1(home)
    expect(smtp.mails.length).toBe(mailsBefore)
    await signOut(page, m.home.signOut)

    // No password: the key and its PIN. A wrong PIN first.
    await press(m.signIn.withKey)
    await h1(m.passwordless.title)
    await field(m.key.pin).fill('0000')
    await press(m.key.submit)
    await page.getByRole('alert').first().waitFor()
    const wrongPin = await page.getByRole('alert').first().innerText()
    expect(wrongPin).toMatch(/PIN/)
    expect(wrongPin).toMatch(/\d/) // attempts left
    await check('39-wrong-key-pin', null)
    await field(m.key.pin).fill(PIN)
    await press(m.key.submit)
    await h1(home)
    await check('40-home-after-key', ALICE.name)
  }, 300_000)
})
