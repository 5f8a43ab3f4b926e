// The screens that only time or a failing service shows, at 1366×768 and
// 1920×1080 in French and in English, with the checks of issue 15's « Done
// when » (support/look.ts): an e-mailed code that expired (« Ce code a
// expiré », then « Renvoyer un code »), the step-up « Confirmez votre identité »
// (a sensitive change more than 5 minutes after the last second factor) with an
// e-mailed code and with the app, the mail server down, and the service
// unavailable. The web host runs in this process on a test bed's engine, whose
// clock the test moves with the page's (support/bed-kiosk.ts): the product has
// no clock back door.

import { afterEach, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src-main/engine/totp'
import { en } from '../../src-renderer/i18n/en'
import { fr } from '../../src-renderer/i18n/fr'
import { addUser } from '../support/env'
import { startBedKiosk, type BedKiosk } from './support/bed-kiosk'
import { PASSWORD, secretOnScreen } from './support/clerk'
import { checkScreen, onScreen } from './support/look'

const CLERK = { email: 'agnes.martin@mairie-exemple.fr', name: 'Agnès Martin-Lefèvre' }
const OTHER = { email: 'bruno.leroy@mairie-exemple.fr', name: 'Bruno Leroy' }
/** An e-mailed code lives 10 minutes; a second factor counts for a step-up 5 minutes. */
const CODE_LIFE_MS = 10 * 60_000
const STEP_UP_WINDOW_MS = 5 * 60_000

describe.each(['fr', 'en'] as const)('screens of time and failing services (%s)', (locale) => {
  const m = locale === 'fr' ? fr : en
  let kiosk: BedKiosk | undefined
  afterEach(async () => {
    await kiosk?.close()
    kiosk = undefined
  })

  it('looks finished when a code expires, a change asks for the second factor again, the mail or the service is down', async () => {
    kiosk = await startBedKiosk({ locale, issuer: 'Mairie de Lyon' })
    const { page, bed, advance } = kiosk
    const { h1, check, field, press, menu } = onScreen(page, locale)
    const signIn = async (email: string) => {
      await field(m.signIn.email).fill(email)
      await field(m.signIn.password).fill(PASSWORD)
      await press(m.signIn.submit)
    }
    await addUser(bed.store, CLERK.email, CLERK.name)
    await addUser(bed.store, OTHER.email, OTHER.name)
    await page.reload()
    await h1(m.signIn.title)

    // The e-mailed code expires: said once, and the main action is a new code.
    await signIn(CLERK.email)
    await h1(m.code.title)
    const expired = bed.smtp.lastCode(CLERK.email)
    await advance(CODE_LIFE_MS + 1000)
    const saidExpired = page.locator('.message').filter({ hasText: m.code.expired })
    await saidExpired.first().waitFor()
    expect(await saidExpired.count(), 'the expiry said once on screen').toBe(1)
    expect(
      await page.locator('main .button--primary').innerText(),
      'after expiry the main button sends a new code',
    ).toBe(m.code.resend)
    await check('29-code-expired', null)
    const mails = bed.smtp.mails.length
    await press(m.code.resend)
    await expect.poll(() => bed.smtp.mails.length).toBe(mails + 1)
    const fresh = bed.smtp.lastCode(CLERK.email)
    expect(fresh).not.toBe(expired)
    await page.getByText(m.code.resent.split('{time}')[0]!.trim()).waitFor()
    await check('30-code-resent', null)
    await field(m.code.label).fill(fresh)
    await press(m.code.submit)
    await h1(m.home.title.replace('{name}', CLERK.name))

    // A change of password more than 5 minutes after the code: the step-up,
    // with a code e-mailed for it, naming the change it protects.
    await advance(STEP_UP_WINDOW_MS + 1000)
    await menu(m.home.account)
    await h1(m.account.title)
    await press(m.account.changePassword)
    await h1(m.password.changeTitle)
    const next = 'Place des Terreaux, printemps 2026'
    await field(m.password.current).fill(PASSWORD)
    await field(m.password.next).fill(next)
    await field(m.password.confirm).fill(next)
    const before = bed.smtp.mails.length
    await press(m.password.submit)
    await h1(m.stepUp.title)
    await expect.poll(() => bed.smtp.mails.length).toBe(before + 1)
    await page
      .getByText(m.stepUp.action.replace('{action}', m.stepUp.actions.changePassword))
      .waitFor()
    await page.getByText(m.stepUp.hintEmail.split('(')[0]!.trim()).waitFor()
    await check('31-step-up-email', CLERK.name)
    await field(m.code.label).fill(bed.smtp.lastCode(CLERK.email))
    await press(m.code.submit)
    await page.getByText(m.notices.passwordChanged).waitFor()

    // The app, added in the step-up's window; 5 minutes later, replacing it asks
    // for the app's code (the engine's clock: the page cannot see it).
    await menu(m.home.factors)
    await h1(m.factors.title)
    await press(m.factors.addApp)
    await h1(m.addApp.title)
    const secret = await secretOnScreen(page)
    await field(m.addApp.code).fill(await totpCodeAt(secret, bed.clock.now()))
    await press(m.addApp.submit)
    await h1(m.appAdded.title)
    await advance(STEP_UP_WINDOW_MS + 1000)
    await menu(m.home.factors)
    await h1(m.factors.title)
    await press(m.factors.replaceApp)
    await h1(m.stepUp.title)
    await page.getByText(m.stepUp.hintApp).waitFor()
    await check('32-step-up-app', CLERK.name)
    await field(m.code.label).fill(await totpCodeAt(secret, bed.clock.now()))
    await press(m.code.submit)
    await h1(m.addApp.replaceTitle)

    // The mail server down when another clerk's code is to be sent.
    await menu(m.home.signOut)
    await h1(m.signIn.title)
    await bed.smtp.close()
    await signIn(OTHER.email)
    await page.getByText(m.errors.MAIL_UNAVAILABLE.split(':')[0]!.trim()).first().waitFor()
    await check('33-mail-unavailable', null)

    // The service does not answer (the request fails on its way): « Service
    // indisponible », and « Réessayer » once it answers again. The kiosk's
    // language comes with that answer: without it the page speaks French, the
    // default, whatever the kiosk's `locale`.
    kiosk.allowErrors(/net::ERR_FAILED/)
    await page.route('**/api/getStatus', (route) => route.abort())
    await page.reload()
    await page.getByRole('heading', { level: 1, name: fr.unavailable.title, exact: true }).waitFor()
    await checkScreen(page, {
      name: `34-service-unavailable-${locale}-kiosk`,
      locale: 'fr',
      clerk: null,
    })
    await page.unroute('**/api/getStatus')
    await page.getByRole('button', { name: fr.common.retry, exact: true }).click()
    await h1(m.signIn.title)
  }, 600_000)
})
