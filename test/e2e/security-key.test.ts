// Security keys in a real browser: the web host talks to `npm run virtual-key`
// over the UDP transport (the real client stack: CTAPHID, CTAP2, PIN protocol),
// and the clerk registers a key, signs in with it after the password, and signs
// in with no password at all with the key's PIN.

import { afterEach, describe, expect, it } from 'vitest'
import { adminAddUser, enterCode, expectHeading, signIn, signOut } from './support/clerk'
import {
  expectAccessible,
  screenshot,
  startKiosk,
  startVirtualKeyProcess,
  type Kiosk,
  type VirtualKeyProcess,
} from './support/kiosk'

const ALICE = 'alice.martin@mairie.fr'
const PIN = '4821'

describe('security keys in Chromium', () => {
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
      fido: { transport: 'udp', udp: `127.0.0.1:${key.port}`, udpLocalPort: 0 },
    })
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, ALICE, 'Alice Martin')
    await page.reload()

    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await enterCode(page, smtp.lastCode(ALICE))
    await expectHeading(page, 'Bonjour, Alice Martin')
    await page.getByRole('button', { name: 'Mes facteurs d’authentification' }).click()
    await page.getByRole('button', { name: 'Ajouter une clé de sécurité' }).click()
    await expectHeading(page, 'Ajouter une clé de sécurité')
    await expectAccessible(page, 'add a key')
    await screenshot(page, 'fr-20-add-key')
    await page.getByLabel('Nom de la clé').fill('Clé bleue')
    await page.getByLabel('Code PIN de la clé').fill(PIN)
    await page.getByRole('button', { name: 'Enregistrer la clé' }).click()
    await expectHeading(page, 'Clé de sécurité enregistrée')
    await expectAccessible(page, 'key added')
    await screenshot(page, 'fr-21-key-added')
    await smtp.find(ALICE, 'Clé de sécurité ajoutée')

    // back to the list, then sign out
    await page.getByRole('button', { name: 'Retour à mes facteurs d’authentification' }).click()
    await expectHeading(page, 'Mes facteurs d’authentification')
    await page.getByText('Clé bleue').first().waitFor()
    await screenshot(page, 'fr-22-factors-with-key')
    await page.getByRole('button', { name: 'Retour à l’accueil' }).click()
    await signOut(page)
    await expectHeading(page, 'Connexion')

    // Password, then the key instead of a code: no code is mailed to a key holder.
    const mailsBefore = smtp.mails.length
    await signIn(page, ALICE)
    await expectHeading(page, 'Utilisez votre clé de sécurité')
    await expectAccessible(page, 'code screen, key only')
    await screenshot(page, 'fr-23-use-key')
    await page.getByRole('button', { name: 'Utiliser ma clé de sécurité' }).click()
    await expectHeading(page, 'Bonjour, Alice Martin')
    expect(smtp.mails.length).toBe(mailsBefore)
    await signOut(page)

    // No password: the key and its PIN. A wrong PIN first.
    await page.getByRole('button', { name: 'Se connecter avec ma clé de sécurité' }).click()
    await expectHeading(page, 'Se connecter avec ma clé de sécurité')
    await expectAccessible(page, 'passwordless')
    await page.getByLabel('Code PIN de la clé').fill('0000')
    await page.getByRole('button', { name: 'Valider' }).click()
    await page.getByRole('alert').first().waitFor()
    const wrongPin = await page.getByRole('alert').first().innerText()
    expect(wrongPin).toMatch(/PIN/)
    expect(wrongPin).toMatch(/\d/) // attempts left
    await screenshot(page, 'fr-24-wrong-pin')
    await page.getByLabel('Code PIN de la clé').fill(PIN)
    await page.getByRole('button', { name: 'Valider' }).click()
    await expectHeading(page, 'Bonjour, Alice Martin')
    await screenshot(page, 'fr-25-passwordless-home')
  })
})
