// The key's own PIN and several passkeys, in a real browser: the web host talks to
// `npm run virtual-key` over UDP (the real client stack: CTAPHID, CTAP2, PIN/UV auth
// protocols). (a) A key without a PIN is given one at the kiosk (« Choisir un code
// PIN pour cette clé », CTAP 2.1 §6.5.5.5 setPIN), registered with it as a passkey,
// and signs its clerk in without a password; the PIN is then changed (§6.5.5.6). (b)
// A CTAP 2.0 key (`--ctap20`) holding passkeys of two accounts of this kiosk leads
// to « Choisissez votre compte » after its PIN (authenticatorGetNextAssertion, §6.3).

import { afterEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { en } from '../../src-renderer/i18n/en'
import { fr } from '../../src-renderer/i18n/fr'
import { adminAddUser, PASSWORD, signOut } from './support/clerk'
import {
  startKiosk,
  startVirtualKeyProcess,
  type Kiosk,
  type VirtualKeyProcess,
} from './support/kiosk'
import { checkScreen } from './support/look'

const ALICE = { email: 'alice.martin@mairie.fr', name: 'Alice Martin' }
const BRUNO = { email: 'bruno.leroy@mairie.fr', name: 'Bruno Leroy' }

// One journey per language and case; each screen is checked at both kiosk sizes
// (support/look.ts resizes and checks again, no journey is replayed).
describe.each(['fr', 'en'] as const)(
  'the key’s PIN and several passkeys in Chromium (%s)',
  (locale) => {
    const m = locale === 'fr' ? fr : en
    let kiosk: Kiosk | undefined
    let key: VirtualKeyProcess | undefined
    afterEach(async () => {
      await kiosk?.close()
      await key?.stop()
      kiosk = undefined
      key = undefined
    })

    /** The clerk's words on this kiosk's page. */
    function clerk(page: Page) {
      const h1 = (text: string) =>
        page
          .getByRole('heading', { level: 1, name: text, exact: true })
          .waitFor({ timeout: 30_000 })
      const field = (label: string) => page.getByLabel(label, { exact: true })
      const press = (name: string) => page.getByRole('button', { name, exact: true }).click()
      const home = (name: string) => h1(m.home.title.replace('{name}', name))
      return {
        h1,
        field,
        press,
        home,
        check: (name: string, who: string | null) =>
          checkScreen(page, { name, locale, clerk: who }),
        async signInWithCode(kiosk: Kiosk, who: { email: string; name: string }) {
          await field(m.signIn.email).fill(who.email)
          await field(m.signIn.password).fill(PASSWORD)
          await press(m.signIn.submit)
          await h1(m.code.title)
          await field(m.code.label).fill(kiosk.smtp.lastCode(who.email))
          await press(m.code.submit)
          await home(who.name)
        },
        async toAddKey() {
          await press(m.home.factors)
          await press(m.factors.addKey)
          await h1(m.addKey.title)
        },
        async passwordless(pin: string) {
          await press(m.signIn.withKey)
          await h1(m.passwordless.title)
          await field(m.key.pin).fill(pin)
          await press(m.key.submit)
        },
        async backHomeAndSignOut() {
          await press(m.keyAdded.backFactors)
          await press(m.common.backHome)
          await signOut(page, m.home.signOut)
          await h1(m.signIn.title)
        },
      }
    }

    it('gives a key without a PIN one (§6.5.5.5), registers it as a passkey, signs in without a password, then changes the PIN (§6.5.5.6)', async () => {
      key = await startVirtualKeyProcess([]) // a fresh key: no PIN
      kiosk = await startKiosk({
        locale,
        issuer: 'Mairie de Lyon',
        fido: { transport: 'udp', udp: `127.0.0.1:${key.port}`, udpLocalPort: 0 },
      })
      const { page, host } = kiosk
      const c = clerk(page)
      await adminAddUser(host.configPath, ALICE.email, ALICE.name)
      await page.reload()
      await c.signInWithCode(kiosk, ALICE)

      await c.toAddKey()
      await c.field(m.addKey.name).fill('Clé neuve')
      await c.press(m.addKey.submit)
      // the key was read: it has no PIN, so choosing one is offered
      await page.getByRole('heading', { level: 2, name: m.keyPinSetup.title }).waitFor()
      await c.field(m.keyPinSetup.newPin).fill('8642')
      await c.field(m.keyPinSetup.confirm).fill('8643')
      await c.press(m.keyPinSetup.submit)
      // the mismatch, under the confirmation field
      const confirm = c.field(m.keyPinSetup.confirm)
      await expect.poll(() => confirm.getAttribute('aria-invalid')).toBe('true')
      expect(await page.locator('.field__error').allInnerTexts()).toEqual([m.keyPinSetup.mismatch])
      await c.check('41-key-pin-setup-mismatch', ALICE.name)
      await c.field(m.keyPinSetup.newPin).fill('8642')
      await confirm.fill('8642')
      await c.press(m.keyPinSetup.submit)
      await c.h1(m.keyAdded.title)
      await page.getByText(m.keyAdded.passwordless.split(':')[0]!.trim()).waitFor()
      await c.check('42-key-added-new-pin', ALICE.name)

      // « Changer le code PIN de ma clé »: a wrong current PIN first, with the attempts left
      await c.press(m.keyAdded.backFactors)
      await c.h1(m.factors.title)
      await c.press(m.factors.changeKeyPin)
      await c.h1(m.changeKeyPin.title)
      const fillChange = async (current: string, next: string): Promise<void> => {
        await c.field(m.changeKeyPin.current).fill(current)
        await c.field(m.keyPinSetup.newPin).fill(next)
        await c.field(m.keyPinSetup.confirm).fill(next)
        await c.press(m.changeKeyPin.submit)
      }
      await fillChange('0000', '97531')
      await page.locator('.field__error').first().waitFor()
      const wrong = await page.locator('.field__error').first().innerText()
      expect(wrong).toContain(m.errorsKey.changeKeyPin.FIDO_PIN_INVALID)
      expect(wrong).toContain(m.errorExtra.attemptsLeft.replace('{attemptsLeft}', '7'))
      await c.check('43-change-key-pin-wrong', ALICE.name)
      await fillChange('8642', '97531')
      await page.getByText(m.changeKeyPin.done).waitFor()
      await c.check('44-key-pin-changed', ALICE.name)
      await c.backHomeAndSignOut()

      // without a password: the old PIN is refused, the new one signs in
      await c.passwordless('8642')
      await page.getByRole('alert').first().waitFor()
      expect(await page.getByRole('alert').first().innerText()).toMatch(/PIN/)
      await c.field(m.key.pin).fill('97531')
      await c.press(m.key.submit)
      await c.home(ALICE.name)
    }, 300_000)

    it('« Choisissez votre compte » after the PIN when a CTAP 2.0 key holds passkeys of two accounts of this kiosk', async () => {
      const PIN = '2580'
      key = await startVirtualKeyProcess(['--ctap20', '--pin', PIN])
      kiosk = await startKiosk({
        locale,
        issuer: 'Mairie de Lyon',
        fido: { transport: 'udp', udp: `127.0.0.1:${key.port}`, udpLocalPort: 0 },
      })
      const { page, host } = kiosk
      const c = clerk(page)
      await adminAddUser(host.configPath, ALICE.email, ALICE.name)
      await adminAddUser(host.configPath, BRUNO.email, BRUNO.name)
      await page.reload()
      for (const who of [ALICE, BRUNO]) {
        await c.signInWithCode(kiosk, who)
        await c.toAddKey()
        await c.field(m.addKey.name).fill('Clé partagée')
        await c.field(m.addKey.pin).fill(PIN)
        await c.press(m.addKey.submit)
        await c.h1(m.keyAdded.title)
        await c.backHomeAndSignOut()
      }

      await c.passwordless(PIN)
      const chooser = page.getByRole('group', { name: m.passwordless.choose })
      await chooser.waitFor()
      await c.check('45-choose-account', null)
      const names = (await chooser.getByRole('button').allInnerTexts()).map((s) => s.trim())
      // both accounts, newest passkey first, masked addresses; and « Annuler »
      expect(names).toEqual([
        expect.stringMatching(/^Bruno Leroy\s+b•••@mairie\.fr$/),
        expect.stringMatching(/^Alice Martin\s+a•••@mairie\.fr$/),
        m.common.cancel,
      ])
      await chooser.getByRole('button', { name: /Alice Martin/ }).click()
      await c.home(ALICE.name)
    }, 300_000)
  },
)
