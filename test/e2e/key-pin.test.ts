// The key's own PIN and several passkeys, in a real browser: the web host talks to
// `npm run virtual-key` over UDP (the real client stack: CTAPHID, CTAP2, PIN/UV auth
// protocols). (a) A key without a PIN is given one at the kiosk (« Choisir un code
// PIN pour cette clé », CTAP 2.1 §6.5.5.5 setPIN), registered with it as a passkey,
// and signs its clerk in without a password; the PIN is then changed (§6.5.5.6). (b)
// A CTAP 2.0 key (`--ctap20`) holding passkeys of two accounts of this kiosk leads
// to « Choisissez votre compte » after its PIN (authenticatorGetNextAssertion, §6.3).

import { afterEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
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
const BRUNO = 'bruno.leroy@mairie.fr'

async function toAddKey(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Mes facteurs d’authentification' }).click()
  await page.getByRole('button', { name: 'Ajouter une clé de sécurité' }).click()
  await expectHeading(page, 'Ajouter une clé de sécurité')
}

async function passwordless(page: Page, pin: string): Promise<void> {
  await page.getByRole('button', { name: 'Se connecter avec ma clé de sécurité' }).click()
  await expectHeading(page, 'Se connecter avec ma clé de sécurité')
  await page.getByLabel('Code PIN de la clé', { exact: true }).fill(pin)
  await page.getByRole('button', { name: 'Valider' }).click()
}

describe('the key’s PIN and several passkeys in Chromium', () => {
  let kiosk: Kiosk | undefined
  let key: VirtualKeyProcess | undefined
  afterEach(async () => {
    await kiosk?.close()
    await key?.stop()
    kiosk = undefined
    key = undefined
  })

  it('gives a key without a PIN one (§6.5.5.5), registers it as a passkey, signs in without a password, then changes the PIN (§6.5.5.6)', async () => {
    key = await startVirtualKeyProcess([]) // a fresh key: no PIN
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

    await toAddKey(page)
    await page.getByLabel('Nom de la clé').fill('Clé neuve')
    await page.getByRole('button', { name: 'Enregistrer la clé' }).click()
    // the key was read: it has no PIN, so choosing one is offered
    await page
      .getByRole('heading', { level: 2, name: 'Choisir un code PIN pour cette clé' })
      .waitFor()
    await expectAccessible(page, 'key PIN set-up')
    await page.getByLabel('Nouveau code PIN', { exact: true }).fill('8642')
    await page.getByLabel('Confirmez le code PIN', { exact: true }).fill('8643')
    await page.getByRole('button', { name: 'Enregistrer ce code PIN' }).click()
    // the mismatch, under the confirmation field
    const confirm = page.getByLabel('Confirmez le code PIN', { exact: true })
    await expect.poll(() => confirm.getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('.field__error').allInnerTexts()).toEqual([
      'Les deux codes PIN ne sont pas identiques. Saisissez-les à nouveau.',
    ])
    await screenshot(page, 'fr-26-key-pin-setup-mismatch')
    await page.getByLabel('Nouveau code PIN', { exact: true }).fill('8642')
    await confirm.fill('8642')
    await page.getByRole('button', { name: 'Enregistrer ce code PIN' }).click()
    await expectHeading(page, 'Clé de sécurité enregistrée')
    await page.getByText('Vous pourrez aussi vous connecter sans mot de passe').waitFor()
    await screenshot(page, 'fr-27-key-added-with-new-pin')

    // « Changer le code PIN de ma clé »: a wrong current PIN first, with the attempts left
    await page.getByRole('button', { name: 'Retour à mes facteurs d’authentification' }).click()
    await expectHeading(page, 'Mes facteurs d’authentification')
    await page.getByRole('button', { name: 'Changer le code PIN de ma clé' }).click()
    await expectHeading(page, 'Changer le code PIN de ma clé')
    await expectAccessible(page, 'change the key PIN')
    const fillChange = async (current: string, next: string): Promise<void> => {
      await page.getByLabel('Code PIN actuel de la clé', { exact: true }).fill(current)
      await page.getByLabel('Nouveau code PIN', { exact: true }).fill(next)
      await page.getByLabel('Confirmez le code PIN', { exact: true }).fill(next)
      await page.getByRole('button', { name: 'Changer le code PIN' }).click()
    }
    await fillChange('0000', '97531')
    await page.locator('.field__error').first().waitFor()
    const wrong = await page.locator('.field__error').first().innerText()
    expect(wrong).toContain('Le code PIN actuel n’est pas le bon.')
    expect(wrong).toContain('Nombre d’essais restants\u202f: 7.')
    await screenshot(page, 'fr-28-change-key-pin-wrong')
    await fillChange('8642', '97531')
    await page.getByText('Le code PIN de votre clé de sécurité a été changé.').waitFor()
    await page.getByRole('button', { name: 'Retour à mes facteurs d’authentification' }).click()
    await page.getByRole('button', { name: 'Retour à l’accueil' }).click()
    await signOut(page)
    await expectHeading(page, 'Connexion')

    // without a password: the old PIN is refused, the new one signs in
    await passwordless(page, '8642')
    await page.getByRole('alert').first().waitFor()
    expect(await page.getByRole('alert').first().innerText()).toMatch(/PIN/)
    await page.getByLabel('Code PIN de la clé', { exact: true }).fill('97531')
    await page.getByRole('button', { name: 'Valider' }).click()
    await expectHeading(page, 'Bonjour, Alice Martin')
  })

  it('« Choisissez votre compte » after the PIN when a CTAP 2.0 key holds passkeys of two accounts of this kiosk', async () => {
    const PIN = '2580'
    key = await startVirtualKeyProcess(['--ctap20', '--pin', PIN])
    kiosk = await startKiosk({
      fido: { transport: 'udp', udp: `127.0.0.1:${key.port}`, udpLocalPort: 0 },
    })
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, ALICE, 'Alice Martin')
    await adminAddUser(host.configPath, BRUNO, 'Bruno Leroy')
    await page.reload()
    for (const [email, name] of [
      [ALICE, 'Alice Martin'],
      [BRUNO, 'Bruno Leroy'],
    ] as const) {
      await signIn(page, email)
      await expectHeading(page, 'Saisissez votre code')
      await enterCode(page, smtp.lastCode(email))
      await expectHeading(page, `Bonjour, ${name}`)
      await toAddKey(page)
      await page.getByLabel('Nom de la clé').fill('Clé partagée')
      await page.getByLabel('Code PIN de la clé', { exact: true }).fill(PIN)
      await page.getByRole('button', { name: 'Enregistrer la clé' }).click()
      await expectHeading(page, 'Clé de sécurité enregistrée')
      await page.getByRole('button', { name: 'Retour à mes facteurs d’authentification' }).click()
      await page.getByRole('button', { name: 'Retour à l’accueil' }).click()
      await signOut(page)
      await expectHeading(page, 'Connexion')
    }

    await passwordless(page, PIN)
    const chooser = page.getByRole('group', { name: 'Choisissez votre compte' })
    await chooser.waitFor()
    await expectAccessible(page, 'passwordless account chooser')
    await screenshot(page, 'fr-29-choose-account')
    const names = (await chooser.getByRole('button').allInnerTexts()).map((s) => s.trim())
    // both accounts, newest passkey first, masked addresses; and « Annuler »
    expect(names).toEqual([
      expect.stringMatching(/^Bruno Leroy\s+b•••@mairie\.fr$/),
      expect.stringMatching(/^Alice Martin\s+a•••@mairie\.fr$/),
      'Annuler',
    ])
    await chooser.getByRole('button', { name: /Alice Martin/ }).click()
    await expectHeading(page, 'Bonjour, Alice Martin')
  })
})
