// Every screen at 1366×768 and 1920×1080, in French and in English (the kiosk's
// `locale`): a screenshot each (test-results/look-*.png) and the checks of issue
// 15's « Done when » (support/look.ts). Also the menu under the clerk's name,
// from the keyboard (WAI-ARIA APG menu button).

import { afterEach, describe, expect, it } from 'vitest'
import { en } from '../../src-renderer/i18n/en'
import { fr } from '../../src-renderer/i18n/fr'
import { adminAddUser, adminTempPassword, appCode, PASSWORD, secretOnScreen } from './support/clerk'
import { startKiosk, type Kiosk } from './support/kiosk'
import { checkScreen, onScreen } from './support/look'

const IT = { email: 'dsi@mairie-exemple.fr', name: 'Service informatique' }
// A long name: the header must hold it at 1366 px.
const CLERK = { email: 'agnes.martin@mairie-exemple.fr', name: 'Agnès Martin-Lefèvre' }

describe.each(['fr', 'en'] as const)('every screen (%s)', (locale) => {
  const m = locale === 'fr' ? fr : en
  let kiosk: Kiosk | undefined
  afterEach(async () => {
    await kiosk?.close()
    kiosk = undefined
  })

  it('looks finished at both kiosk sizes, signed in or not', async () => {
    kiosk = await startKiosk({ locale, issuer: 'Mairie de Lyon' })
    const { page, smtp, host } = kiosk
    const { h1, check, field, press, menu } = onScreen(page, locale)

    // IT's first start: the account, then its app on the same QR screen.
    await h1(m.firstStart.title)
    expect(await page.title()).toBe(`${m.firstStart.title} – Mairie de Lyon`)
    await check('01-first-start', null)
    await field(m.firstStart.email).fill(IT.email)
    await field(m.firstStart.name).fill(IT.name)
    await field(m.firstStart.password).fill(PASSWORD)
    await field(m.firstStart.confirm).fill(PASSWORD)
    await press(m.firstStart.submit)
    await h1(m.addApp.setupTitle)
    await check('02-setup-app', null)
    const itSecret = await secretOnScreen(page)
    await field(m.addApp.code).fill(await appCode(itSecret))
    await press(m.addApp.submit)
    // IT gets the same confirmation and 10 recovery codes as a clerk's first app.
    await h1(m.appAdded.title)
    await page.getByRole('heading', { name: m.recoveryCodes.title }).waitFor()
    expect(await page.locator('.recovery__code').count()).toBe(10)
    await check('03-after-setup', IT.name)

    // The clerk's menu from the keyboard: Enter opens on the first entry, ↑
    // wraps to « Se déconnecter », Escape closes back on the name.
    const menuButton = page.locator('header button[aria-haspopup="menu"]')
    await menuButton.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedText(page)).toBe(m.home.account)
    await check('04-menu-open', IT.name)
    await page.locator('[role="menuitem"]').first().focus()
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => focusedText(page)).toBe(m.home.signOut)
    await page.keyboard.press('Home')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => focusedText(page)).toBe(m.home.factors)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByRole('menu').count()).toBe(0)
    expect(await menuButton.getAttribute('aria-expanded')).toBe('false')
    expect(await menuButton.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true)

    // Each entry of the menu, from wherever the clerk is.
    await menu(m.home.account)
    await h1(m.account.title)
    await check('05-account', IT.name)
    await press(m.account.changePassword)
    await h1(m.password.changeTitle)
    await check('06-change-password', IT.name)
    await menu(m.home.factors)
    await h1(m.factors.title)
    await check('07-factors', IT.name)
    await page.getByRole('button', { name: m.factors.removeApp, exact: true }).first().click()
    await page.getByRole('alertdialog').waitFor()
    await check('08-confirm-remove-app', IT.name)
    await page.keyboard.press('Escape')
    await press(m.factors.addKey)
    await h1(m.addKey.title)
    await check('09-add-key', IT.name)
    await menu(m.home.changeAddress)
    await h1(m.changeAddress.title)
    await check('10-change-address', IT.name)

    // Signed out: the sign-in screen says so, and names nobody.
    await menu(m.home.signOut)
    await h1(m.signIn.title)
    await check('11-signed-out', null)
    await field(m.signIn.email).fill(CLERK.email)
    await field(m.signIn.password).fill('not the password')
    await press(m.signIn.submit)
    await page.getByRole('alert').waitFor()
    await check('12-sign-in-refused', null)
    // At 1366×768 the refused sign-in fits the screen, « Se connecter avec ma clé
    // de sécurité » in view: no scrolling down to find it.
    expect(
      await page.evaluate<number>('document.documentElement.scrollHeight'),
    ).toBeLessThanOrEqual(768)
    const withKey = await page
      .getByRole('button', { name: m.signIn.withKey, exact: true })
      .boundingBox()
    expect(withKey!.y + withKey!.height).toBeLessThanOrEqual(768)
    await press(m.signIn.withKey)
    await h1(m.passwordless.title)
    await check('13-key-sign-in', null)
    await press(m.common.cancel)
    await h1(m.signIn.title)

    // A clerk added by IT: the e-mailed code, a wrong one, then home.
    await adminAddUser(host.configPath, CLERK.email, CLERK.name)
    await field(m.signIn.email).fill(CLERK.email)
    await field(m.signIn.password).fill(PASSWORD)
    await press(m.signIn.submit)
    await h1(m.code.title)
    await check('14-email-code', null)
    const code = smtp.lastCode(CLERK.email)
    await field(m.code.label).fill(code === '000000' ? '111111' : '000000')
    await press(m.code.submit)
    await page.getByRole('alert').waitFor()
    await check('15-wrong-code', null)
    await field(m.code.label).fill(code)
    await press(m.code.submit)
    await h1(m.home.title.replace('{name}', CLERK.name))
    await check('16-home', CLERK.name)

    // Their app, and the recovery codes that come with it.
    await menu(m.home.factors)
    await h1(m.factors.title)
    await press(m.factors.addApp)
    await h1(m.addApp.title)
    await check('17-add-app', CLERK.name)
    const secret = await secretOnScreen(page)
    await field(m.addApp.code).fill(await appCode(secret))
    await press(m.addApp.submit)
    await h1(m.appAdded.title)
    await page.getByRole('heading', { name: m.recoveryCodes.title }).waitFor()
    await check('18-app-added', CLERK.name)

    // Next sign-in: the app's code, and the recovery code entry.
    await menu(m.home.signOut)
    await h1(m.signIn.title)
    await field(m.signIn.email).fill(CLERK.email)
    await field(m.signIn.password).fill(PASSWORD)
    await press(m.signIn.submit)
    await h1(m.code.title)
    await page.getByText(m.code.hintApp).waitFor()
    await check('19-app-code', null)
    await press(m.code.useRecovery)
    await h1(m.code.recoveryTitle)
    await check('20-recovery-entry', null)
  }, 600_000)

  it('looks finished on the screens of a temporary password, a policy, a lockout and a change', async () => {
    kiosk = await startKiosk({
      locale,
      issuer: 'Mairie de Lyon',
      policy: { emailCode: 'first-sign-in-only' },
    })
    const { page, smtp, host } = kiosk
    const { h1, check, field, press, menu } = onScreen(page, locale)
    await adminAddUser(host.configPath, IT.email, IT.name)
    const temporary = await adminTempPassword(host.configPath, CLERK.email, CLERK.name)
    await page.reload()
    await h1(m.signIn.title)
    // The tab's icon: linked by the page and served to it.
    expect(
      await page.evaluate<string>(
        "fetch(document.querySelector('link[rel=\"icon\"]').href).then((r) => `${r.status} ${r.headers.get('content-type')}`)",
      ),
    ).toMatch(/^200 image\/svg\+xml/)

    // Wrong passwords until the wait (an unknown address is throttled the same way).
    const locked = page
      .getByRole('alert')
      .filter({ hasText: m.errors.ACCOUNT_LOCKED.split('{wait}')[0]!.trim() })
    for (let i = 0; i < 8 && (await locked.count()) === 0; i += 1) {
      await field(m.signIn.email).fill('personne@mairie-exemple.fr')
      await field(m.signIn.password).fill(`pas le mot de passe ${i}`)
      await press(m.signIn.submit)
      // the answer empties the password field
      await expect.poll(() => field(m.signIn.password).inputValue(), { timeout: 30_000 }).toBe('')
    }
    await locked.waitFor()
    await check('21-lockout', null)

    // IT's temporary password: the e-mailed code, then the clerk's own password,
    // never the temporary one again.
    await field(m.signIn.email).fill(CLERK.email)
    await field(m.signIn.password).fill(temporary)
    await press(m.signIn.submit)
    await h1(m.code.title)
    await field(m.code.label).fill(smtp.lastCode(CLERK.email))
    await press(m.code.submit)
    await h1(m.password.chooseTitle)
    expect(await field(m.password.current).count()).toBe(0)
    await check('22-choose-password', CLERK.name)
    await field(m.password.next).fill('Mairie de Lyon, printemps 2026')
    await field(m.password.confirm).fill('Mairie de Lyon, printemps 2026')
    await press(m.password.submit)
    await page.getByRole('alert').filter({ hasText: 'Mairie de Lyon' }).first().waitFor()
    await check('23-password-refused', CLERK.name)
    await field(m.password.next).fill(PASSWORD)
    await field(m.password.confirm).fill(PASSWORD)
    await press(m.password.submit)

    // The policy: an app before home.
    await h1(m.enroll.title)
    await check('24-enroll-required', CLERK.name)
    await press(m.enroll.add)
    await h1(m.addApp.title)
    await field(m.addApp.code).fill(await appCode(await secretOnScreen(page)))
    await press(m.addApp.submit)
    await h1(m.appAdded.title)
    await press(m.appAdded.continue)
    await h1(m.home.title.replace('{name}', CLERK.name))

    // A new address: a malformed one is explained under its field; the code
    // step shows the new address in full, as typed.
    await menu(m.home.changeAddress)
    await h1(m.changeAddress.title)
    await field(m.changeAddress.newEmail).fill('agnes.lefevre@')
    await press(m.changeAddress.send)
    await page.getByText('prenom.nom@mairie.fr').first().waitFor()
    await check('25-address-invalid', CLERK.name)
    const next = 'agnes.lefevre@mairie-exemple.fr'
    await field(m.changeAddress.newEmail).fill(next)
    await press(m.changeAddress.send)
    await field(m.changeAddress.code).waitFor()
    expect(await page.locator('main').innerText()).toContain(next)
    await check('26-address-code', CLERK.name)
    // Its four actions on one line at 1366 px (they used to wrap onto two).
    const actions = await page.locator('main .actions').last().getByRole('button').all()
    expect(actions).toHaveLength(4)
    const tops = await Promise.all(actions.map(async (b) => Math.round((await b.boundingBox())!.y)))
    expect(new Set(tops).size, 'the address code step’s actions on one line').toBe(1)

    // Replacing the app says so, and warns that the current phone stops working.
    await menu(m.home.factors)
    await h1(m.factors.title)
    await press(m.factors.replaceApp)
    await h1(m.addApp.replaceTitle)
    await page.getByText(m.addApp.replaceWarning.split('(')[0]!.trim()).waitFor()
    await check('27-replace-app', CLERK.name)
    // The seed's required-field marker, drawn after « Code unique » only.
    const marker = (label: string) =>
      page.evaluate<string>(
        `getComputedStyle([...document.querySelectorAll('label')].find((l) => l.textContent.trim() === ${JSON.stringify(label)}), '::after').content`,
      )
    expect(await marker(m.addApp.code)).toContain('*')
    expect(await marker(m.addApp.deviceName)).toBe('none')
  }, 600_000)

  it('looks finished when the idle lock warns a signed-in clerk', async () => {
    kiosk = await startKiosk({ locale, idleLockSeconds: 5 })
    const { page, smtp, host } = kiosk
    await adminAddUser(host.configPath, CLERK.email, CLERK.name)
    await page.reload()
    await page.getByLabel(m.signIn.email, { exact: true }).fill(CLERK.email)
    await page.getByLabel(m.signIn.password, { exact: true }).fill(PASSWORD)
    await page.getByRole('button', { name: m.signIn.submit, exact: true }).click()
    await page.getByRole('heading', { level: 1, name: m.code.title, exact: true }).waitFor()
    await page.getByLabel(m.code.label, { exact: true }).fill(smtp.lastCode(CLERK.email))
    await page.getByRole('button', { name: m.code.submit, exact: true }).click()
    await page.getByRole('alertdialog', { name: m.idle.title }).waitFor({ timeout: 30_000 })
    await checkScreen(page, { name: '28-idle-warning', locale, clerk: CLERK.name })
  }, 300_000)
})

function focusedText(page: Kiosk['page']): Promise<string> {
  return page.evaluate('(document.activeElement?.textContent ?? "").trim()')
}
