// The account lifecycle in a real browser: enroll an app → note the recovery
// codes → sign out → sign in with a recovery code → the same code refused → a
// notice received → change address → sign in with the new address.

import { afterEach, describe, expect, it } from 'vitest'
import {
  adminAddUser,
  appCode,
  enterCode,
  expectHeading,
  secretOnScreen,
  signIn,
  signOut,
} from './support/clerk'
import { expectAccessible, screenshot, startKiosk, type Kiosk } from './support/kiosk'

const ALICE = 'alice.martin@mairie.fr'
const NEW_ADDRESS = 'alice.dupont@mairie.fr'
const RECOVERY = /[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}/g

describe('account lifecycle in Chromium', () => {
  let kiosk: Kiosk | undefined
  afterEach(async () => {
    await kiosk?.close()
    kiosk = undefined
  })

  it('recovery codes, then a new sign-in address', async () => {
    kiosk = await startKiosk()
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, ALICE, 'Alice Martin')
    await page.reload()

    // Enroll an app; the recovery codes are shown once.
    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await enterCode(page, smtp.lastCode(ALICE))
    await page.getByRole('button', { name: 'Mes facteurs d’authentification' }).click()
    await page.getByRole('button', { name: 'Ajouter une application' }).click()
    const secret = await secretOnScreen(page)
    await page.getByLabel('Code unique').fill(await appCode(secret))
    await page.getByRole('button', { name: 'Ajouter l’application' }).click()
    await expectHeading(page, 'Application enregistrée')
    await page.getByRole('heading', { name: 'Vos codes de secours' }).waitFor()
    const shown = (await page.locator('main').innerText()).match(RECOVERY) ?? []
    expect(new Set(shown).size).toBe(10)
    await expectAccessible(page, 'recovery codes')
    await screenshot(page, 'fr-30-recovery-codes')
    expect(await page.getByRole('button', { name: /imprimer|télécharger/i }).count()).toBe(0)
    await signOut(page)
    await expectHeading(page, 'Connexion')

    // Sign in with a recovery code (typed in lower case, without dashes).
    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await page.getByRole('button', { name: 'Utiliser un code de secours' }).click()
    await page
      .getByRole('textbox', { name: 'Code de secours' })
      .fill(shown[0]!.toLowerCase().replace(/-/g, ''))
    await expectAccessible(page, 'recovery code entry')
    await screenshot(page, 'fr-31-recovery-entry')
    await page.getByRole('button', { name: 'Valider' }).click()
    await expectHeading(page, 'Bonjour, Alice Martin')
    await page.getByRole('heading', { name: 'Vérifiez vos facteurs d’authentification' }).waitFor()
    await screenshot(page, 'fr-32-check-factors')
    await smtp.find(ALICE, 'Code de secours utilisé')
    await signOut(page)

    // The same code again is refused.
    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await page.getByRole('button', { name: 'Utiliser un code de secours' }).click()
    await page.getByRole('textbox', { name: 'Code de secours' }).fill(shown[0]!)
    await page.getByRole('button', { name: 'Valider' }).click()
    await page.getByRole('alert').first().waitFor()
    expect(await page.getByRole('alert').first().innerText()).toMatch(/code de secours/i)
    await page.getByRole('button', { name: 'Retour' }).first().click()

    // Back to the app's code, then a new sign-in address.
    await enterCode(page, await appCode(secret))
    await expectHeading(page, 'Bonjour, Alice Martin')
    await page.getByRole('button', { name: 'Changer mon adresse de connexion' }).click()
    await expectHeading(page, 'Changer mon adresse de connexion')
    await page.getByLabel('Nouvelle adresse de connexion').fill(NEW_ADDRESS)
    await page.getByRole('button', { name: 'Recevoir un code' }).click()
    await page.getByLabel('Code reçu à la nouvelle adresse').waitFor()
    await expectAccessible(page, 'address change code')
    await screenshot(page, 'fr-33-address-code')
    await page.getByLabel('Code reçu à la nouvelle adresse').fill(smtp.lastCode(NEW_ADDRESS))
    await page.getByRole('button', { name: 'Valider' }).click()
    await page.getByText(NEW_ADDRESS).first().waitFor()
    await screenshot(page, 'fr-34-address-changed')
    await smtp.find(ALICE, 'Adresse de connexion modifiée')
    await signOut(page)
    await expectHeading(page, 'Connexion')

    // The old address no longer signs in; the new one does.
    await signIn(page, ALICE)
    await page.getByRole('alert').filter({ hasText: 'incorrect' }).waitFor()
    await signIn(page, NEW_ADDRESS)
    await expectHeading(page, 'Saisissez votre code')
    await enterCode(page, await appCode(secret))
    await expectHeading(page, 'Bonjour, Alice Martin')
  })
})
