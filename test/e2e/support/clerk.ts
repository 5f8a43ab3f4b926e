// What a clerk does at the kiosk, written with the names a screen reader hears.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { totpCodeAt, totpStepAt } from '../../../src-main/engine/totp'
import { ROOT } from './kiosk'

export const PASSWORD = 'Lune-verte-escalier-42'

/** `npm run admin -- --config configPath user add --email … --name … <how>`; its output. */
function adminUserAdd(
  configPath: string,
  email: string,
  name: string,
  how: '--password-stdin' | '--temp-password',
  stdin?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [
        join(ROOT, 'src-main', 'cli', 'admin.ts'),
        ...['--config', configPath, 'user', 'add', '--email', email, '--name', name, how],
      ],
      (error, stdout, stderr) =>
        error ? reject(new Error(`${stderr}${stdout}`)) : resolve(stdout),
    )
    child.stdin?.end(stdin)
  })
}

/** Adds an account with the admin command, as IT does. */
export async function adminAddUser(
  configPath: string,
  email: string,
  name: string,
  password = PASSWORD,
): Promise<void> {
  await adminUserAdd(configPath, email, name, '--password-stdin', `${password}\n`)
}

/** Adds an account with a temporary password (`--temp-password`), as IT does; returns it. */
export async function adminTempPassword(
  configPath: string,
  email: string,
  name: string,
): Promise<string> {
  const stdout = await adminUserAdd(configPath, email, name, '--temp-password')
  const password = /\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}\b/.exec(stdout)?.[0]
  if (!password) throw new Error(`no temporary password in: ${stdout}`)
  return password
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Adresse de connexion', { exact: true }).fill(email)
  await page.getByLabel('Mot de passe', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Se connecter', exact: true }).click()
}

export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Code d’authentification').fill(code)
  await page.getByRole('button', { name: 'Valider' }).click()
}

export async function heading(page: Page): Promise<string> {
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim()
}

export async function expectHeading(page: Page, text: string | RegExp): Promise<void> {
  // exact: « Connexion » must not match « Changer mon adresse de connexion »
  await page
    .getByRole('heading', { level: 1, name: text, exact: true })
    .waitFor({ timeout: 30_000 })
}

/** The key shown beside the QR code, read off the screen as a clerk would type it. */
export async function secretOnScreen(page: Page): Promise<string> {
  const text = await page.locator('.enroll__key-groups').innerText()
  const secret = text.replace(/\s+/g, '')
  expect(secret).toMatch(/^[A-Z2-7]{32}$/)
  return secret
}

let lastStepUsed = -1

/**
 * The code an authenticator app shows for `secret`, as a clerk would type it:
 * never from a time step already used (the kiosk refuses those). The kiosk
 * accepts ±1 step of drift, so when this step is used up the next one serves,
 * as from a phone whose clock is a little ahead; a code is never taken from
 * the last seconds of a step.
 */
export async function appCode(secret: string): Promise<string> {
  for (;;) {
    const now = Date.now()
    const current = totpStepAt(now)
    const intoStep = (now / 1000) % 30
    for (const step of [current, current + 1]) {
      if (step > lastStepUsed && (step > current || intoStep < 25)) {
        lastStepUsed = step
        return totpCodeAt(secret, step * 30_000 + 1000)
      }
    }
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** « Se déconnecter », the last entry of the menu under the clerk's name. */
export async function signOut(page: Page, label = 'Se déconnecter'): Promise<void> {
  await page.locator('header button[aria-haspopup="menu"]').click()
  await page.getByRole('menuitem', { name: label, exact: true }).click()
}
