// The kiosk in a real browser: Debian's Chromium driving the real UI served by
// the web host (a child process), with a real SMTP server on loopback.

import { afterEach, describe, expect, it } from 'vitest'
import {
  adminAddUser,
  appCode,
  enterCode,
  expectHeading,
  PASSWORD,
  secretOnScreen,
  signIn,
  signOut,
} from './support/clerk'
import { expectAccessible, screenshot, startKiosk, type Kiosk } from './support/kiosk'

const ALICE = 'alice.martin@mairie.fr'
const BOB = 'bernard.petit@mairie.fr'

describe('kiosk in Chromium (French)', () => {
  let kiosk: Kiosk | undefined
  afterEach(async () => {
    await kiosk?.close()
    kiosk = undefined
  })

  it('first sign-in by e-mail, app enrollment, app sign-in, replay refused, lockout, next clerk', async () => {
    kiosk = await startKiosk()
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, ALICE, 'Alice Martin')
    await adminAddUser(host.configPath, BOB, 'Bernard Petit')
    await page.reload()

    // Sign-in: nothing remembered, labels tied to their inputs.
    await expectHeading(page, 'Connexion')
    await expect
      .poll(() => page.getByLabel('Adresse de connexion', { exact: true }).inputValue())
      .toBe('')
    expect(
      await page.getByLabel('Adresse de connexion', { exact: true }).getAttribute('autocomplete'),
    ).toBe('off')
    await expectAccessible(page, 'sign-in')
    await screenshot(page, 'fr-01-sign-in')

    // The mail server refuses: a sentence with the next step.
    smtp.fault = 'refuse-recipient'
    await signIn(page, ALICE)
    await page.getByRole('alert').filter({ hasText: 'Le code n’a pas pu être envoyé' }).waitFor()
    await expectAccessible(page, 'sign-in with an error')
    await screenshot(page, 'fr-02-mail-down')
    smtp.fault = 'none'

    // First sign-in: the code comes by e-mail (the password was cleared after the error).
    expect(await page.getByLabel('Mot de passe', { exact: true }).inputValue()).toBe('')
    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await page.getByText('a•••@mairie.fr').waitFor()
    await page.getByText(/Ce code est valable encore \d+\u00a0min/).waitFor()
    const codeField = page.getByLabel('Code d’authentification')
    expect(await codeField.getAttribute('inputmode')).toBe('numeric')
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code')
    await expectAccessible(page, 'code (e-mail)')
    await screenshot(page, 'fr-03-code-email')
    const first = smtp.lastCode(ALICE)

    // « Renvoyer un code »: a new code, the old one void.
    await page.getByRole('button', { name: 'Renvoyer un code' }).click()
    await page
      .getByText(
        /Un nouveau code a été envoyé à \d{1,2}\u00a0h\u00a0\d{2}\u202f; les codes précédents ne sont plus valables\./,
      )
      .waitFor()
    await expect.poll(() => smtp.mails.filter((m) => m.to === ALICE).length).toBe(2)
    const second = smtp.lastCode(ALICE)
    if (first !== second) {
      await enterCode(page, first)
      // the old code is told apart from a wrong one (issue 15)
      await page.getByRole('alert').filter({ hasText: 'Ce code a été remplacé' }).waitFor()
    }
    // a pasted code with spaces is taken as its digits
    await codeField.fill('')
    await codeField.focus()
    // (page-side code as a string: this file is type-checked without the DOM library)
    const pasted = JSON.stringify(`${second.slice(0, 3)} ${second.slice(3)}`)
    await page.evaluate(`(() => {
      const data = new DataTransfer()
      data.setData('text/plain', ${pasted})
      const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
      document.activeElement.dispatchEvent(paste)
    })()`)
    await expect.poll(() => codeField.inputValue()).toBe(second)
    await page.getByRole('button', { name: 'Valider' }).click()

    // Home and the menu.
    await expectHeading(page, 'Bonjour, Alice Martin')
    for (const item of [
      'Mon compte',
      'Mes facteurs d’authentification',
      'Changer mon adresse de connexion',
      'Se déconnecter',
    ]) {
      await page
        .getByRole('button', { name: item })
        .or(page.getByRole('link', { name: item }))
        .first()
        .waitFor()
    }
    await expectAccessible(page, 'home')
    await screenshot(page, 'fr-04-home')

    await page.getByRole('button', { name: 'Mon compte' }).click()
    await expectHeading(page, 'Mon compte')
    await page.getByText(ALICE).first().waitFor()
    await expectAccessible(page, 'account')
    await screenshot(page, 'fr-05-account')
    await page.keyboard.press('Escape')
    await expectHeading(page, 'Bonjour, Alice Martin')

    // « Mes facteurs d’authentification » → « Ajouter une application ».
    await page.getByRole('button', { name: 'Mes facteurs d’authentification' }).click()
    await expectHeading(page, 'Mes facteurs d’authentification')
    await page.getByRole('heading', { name: 'Paramètres de connexion' }).waitFor()
    await expectAccessible(page, 'factors')
    await screenshot(page, 'fr-06-factors')
    await page.getByRole('button', { name: 'Ajouter une application' }).click()
    await expectHeading(page, 'Ajouter une application')
    await page.getByRole('img', { name: 'QR code à scanner' }).waitFor()
    await page.getByText('Ouvrez l’application et scannez le QR ou entrez la clé.').waitFor()
    const secret = await secretOnScreen(page)
    await expectAccessible(page, 'add an app')
    await screenshot(page, 'fr-07-add-app')
    await page.getByLabel('Code unique').fill(await appCode(secret))
    await page.getByLabel('Nom de l’appareil').fill('Téléphone du bureau')
    await page.getByRole('button', { name: 'Ajouter l’application' }).click()
    await expectHeading(page, 'Application enregistrée')
    await expectAccessible(page, 'app added')
    await screenshot(page, 'fr-08-app-added')
    await smtp.find(ALICE, 'Application d’authentification ajoutée')

    // Sign out, sign in with the app's code.
    await page.getByRole('button', { name: 'Retour à mes facteurs d’authentification' }).click()
    await page.getByText('Téléphone du bureau').first().waitFor()
    await page.getByRole('button', { name: 'Retour à l’accueil' }).click()
    await signOut(page)
    await expectHeading(page, 'Connexion')
    expect(await page.getByLabel('Adresse de connexion', { exact: true }).inputValue()).toBe('')
    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await page.getByText('affiché par votre application d’authentification').waitFor()
    expect(await page.getByRole('button', { name: 'Renvoyer un code' }).count()).toBe(0) // no e-mailed code offered
    await expectAccessible(page, 'code (app)')
    await screenshot(page, 'fr-09-code-app')
    const appNow = await appCode(secret)
    await enterCode(page, appNow)
    await expectHeading(page, 'Bonjour, Alice Martin')
    await signOut(page)

    // The same code again is refused.
    await signIn(page, ALICE)
    await expectHeading(page, 'Saisissez votre code')
    await enterCode(page, appNow)
    await page.getByRole('alert').filter({ hasText: 'Ce code a déjà été utilisé' }).waitFor()
    await screenshot(page, 'fr-10-code-replayed')

    // Wrong codes until the lockout, with a live countdown.
    const wrong = appNow === '000000' ? '111111' : '000000'
    for (let i = 0; i < 10; i++) {
      await enterCode(page, wrong)
      const locked = page.getByRole('alert').filter({ hasText: 'Votre compte est bloqué' })
      if (await locked.isVisible().catch(() => false)) break
      await page
        .getByRole('alert')
        .filter({ hasText: /Ce code n’est pas le bon|bloqué/ })
        .waitFor()
      if (await locked.isVisible()) break
    }
    const lockout = page.getByRole('alert').filter({ hasText: 'Votre compte est bloqué' })
    await lockout.waitFor()
    const before = await lockout.innerText()
    expect(before).toMatch(/Réessayez dans \d+\u00a0s/)
    await expect
      .poll(async () => (await lockout.innerText()) !== before, { timeout: 5_000 })
      .toBe(true)
    await expectAccessible(page, 'lockout')
    await screenshot(page, 'fr-11-lockout')

    // The next clerk sees nothing of Alice.
    await page.getByRole('button', { name: 'Retour' }).click()
    await expectHeading(page, 'Connexion')
    expect(await page.getByLabel('Adresse de connexion', { exact: true }).inputValue()).toBe('')
    await signIn(page, BOB)
    await expectHeading(page, 'Saisissez votre code')
    await enterCode(page, smtp.lastCode(BOB))
    await expectHeading(page, 'Bonjour, Bernard Petit')
    await page.getByRole('button', { name: 'Mes facteurs d’authentification' }).click()
    await expectHeading(page, 'Mes facteurs d’authentification')
    const text = await page.locator('body').innerText()
    expect(text).not.toMatch(/alice|Alice|a•••|Téléphone du bureau/)
    const html = await page.content()
    expect(html).not.toContain(secret)
    expect(html).not.toContain('alice.martin')
  })

  it('locks an idle terminal: warning with a countdown, then sign-out', async () => {
    kiosk = await startKiosk({ idleLockSeconds: 5 })
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, ALICE, 'Alice Martin')
    await page.reload()
    await signIn(page, ALICE)
    await enterCode(
      page,
      await (async () => {
        await expectHeading(page, 'Saisissez votre code')
        return smtp.lastCode(ALICE)
      })(),
    )
    await expectHeading(page, 'Bonjour, Alice Martin')
    const warning = page.getByRole('alertdialog', { name: 'Toujours là\u202f?' })
    await warning.waitFor({ timeout: 15_000 })
    await page.getByText(/la session sera fermée dans \d+\u00a0s/).waitFor()
    await expectAccessible(page, 'idle warning')
    await screenshot(page, 'fr-12-idle-warning')
    // « Je suis toujours là » keeps the session…
    await page.getByRole('button', { name: 'Je suis toujours là' }).click()
    await warning.waitFor({ state: 'hidden' })
    await expectHeading(page, 'Bonjour, Alice Martin')
    // …and without it, 30 s later, the clerk is signed out.
    await warning.waitFor({ timeout: 15_000 })
    await page
      .getByText('La session a été fermée après une période sans activité.')
      .waitFor({ timeout: 45_000 })
    await expectHeading(page, 'Connexion')
    expect(await page.locator('body').innerText()).not.toContain('Alice')
    await screenshot(page, 'fr-13-idle-signed-out')
    // the engine's session is gone too: a reload shows the sign-in screen
    await page.reload()
    await expectHeading(page, 'Connexion')
  })

  it("first start: IT's account and its app, on an empty store", async () => {
    kiosk = await startKiosk()
    const { page } = kiosk
    await expectHeading(page, 'Première mise en service')
    await expectAccessible(page, 'first start')
    await screenshot(page, 'fr-00-first-start')
    await page.getByLabel('Adresse de connexion', { exact: true }).fill('informatique@mairie.fr')
    await page.getByLabel('Nom et prénom').fill('Service informatique')
    await page.getByLabel('Mot de passe', { exact: true }).fill('motdepasse123')
    await page.getByLabel('Confirmation du mot de passe').fill('motdepasse123')
    await page.getByRole('button', { name: 'Créer le compte' }).click()
    await page.getByRole('alert').filter({ hasText: 'trop courant' }).waitFor()
    await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD)
    await page.getByLabel('Confirmation du mot de passe').fill(PASSWORD)
    await page.getByRole('button', { name: 'Créer le compte' }).click()
    await page.getByRole('img', { name: 'QR code à scanner' }).waitFor()
    const secret = await secretOnScreen(page)
    await page.getByLabel('Code unique').fill(await appCode(secret))
    await page.getByRole('button', { name: 'Ajouter l’application' }).click()
    // The same confirmation as a clerk's first app, with IT's 10 recovery codes.
    await expectHeading(page, 'Application enregistrée')
    const codes = await page.locator('.recovery__code').allTextContents()
    expect(codes).toHaveLength(10)
    for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/)
    await expectAccessible(page, 'first start: app added')
    await screenshot(page, 'fr-00-first-start-codes')
    await page.getByRole('button', { name: 'Continuer', exact: true }).click()
    await expectHeading(page, 'Bonjour, Service informatique')
    await signOut(page)
    await page.reload()
    await expectHeading(page, 'Connexion') // never again
  })
})

describe('kiosk in Chromium (English)', () => {
  let kiosk: Kiosk | undefined
  afterEach(async () => {
    await kiosk?.close()
    kiosk = undefined
  })

  it('every screen reads in English and passes axe', async () => {
    kiosk = await startKiosk({ locale: 'en' })
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, ALICE, 'Alice Martin')
    await page.reload()
    await page.getByRole('heading', { level: 1 }).waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('en')
    await expectAccessible(page, 'sign-in (en)')
    await screenshot(page, 'en-01-sign-in')
    await page.getByRole('textbox').first().fill(ALICE)
    await page.locator('input[type=password]').fill(PASSWORD)
    await page.locator('input[type=password]').press('Enter')
    await page.getByRole('heading', { level: 1 }).filter({ hasText: /code/i }).waitFor()
    await expectAccessible(page, 'code (en)')
    await screenshot(page, 'en-02-code')
    await page.getByRole('textbox').first().fill(smtp.lastCode(ALICE))
    await page.getByRole('textbox').first().press('Enter')
    await page.getByRole('heading', { level: 1, name: /Alice Martin/ }).waitFor()
    await expectAccessible(page, 'home (en)')
    await screenshot(page, 'en-03-home')
    await page.locator('main').getByRole('button', { name: 'My authentication factors' }).click()
    await page.getByRole('heading', { level: 2 }).first().waitFor()
    await expectAccessible(page, 'factors (en)')
    await screenshot(page, 'en-04-factors')
    await page.getByRole('button', { name: /add an app/i }).click()
    await page.getByRole('img').first().waitFor()
    await expectAccessible(page, 'add app (en)')
    await screenshot(page, 'en-05-add-app')
    expect(await page.locator('body').innerText()).not.toMatch(/Ajouter|Saisissez|Connexion/)
  })
})
