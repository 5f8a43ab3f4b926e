// What every screen must look like, checked in Chromium at the two kiosk sizes:
// French typography in the visible text, no control cut off or overlapping, an
// icon on every message, the header naming the signed-in clerk, axe 0
// serious/critical, and a screenshot.

import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { expectAccessible, screenshot } from './kiosk'

export const VIEWPORTS = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
] as const

/** What is wrong with a visible French text: a plain space before ; : ! ? », after «, a '. */
export function frenchTypographyFaults(text: string): string[] {
  const faults: string[] = []
  for (const line of text.split('\n')) {
    for (const m of line.matchAll(/[ \u00a0]([;:!?»])/gu)) {
      faults.push(`plain space before ${m[1]} in « ${line} »`)
    }
    for (const m of line.matchAll(/\p{L}([;!?»])/gu)) {
      faults.push(`no space before ${m[1]} in « ${line} »`)
    }
    if (/«(?!\u202f)/.test(line)) faults.push(`no narrow no-break space after « in « ${line} »`)
    if (line.includes("'")) faults.push(`straight apostrophe in « ${line} »`)
  }
  return faults
}

interface Box {
  what: string
  left: number
  top: number
  right: number
  bottom: number
  clipped: string | null
  overflowing: boolean
}

/**
 * Every visible control, in page coordinates, with what would hide part of it.
 * Run in the page (a string: this project's Node types have no DOM).
 */
const CONTROL_BOXES = `(() => {
  const selector = 'button, input, select, textarea, a[href], [role="menuitem"]'
  const overlay = document.querySelector('.modal, [role="menu"]')
  const o = overlay ? overlay.getBoundingClientRect() : null
  const boxes = []
  for (const el of document.querySelectorAll(selector)) {
    const rect = el.getBoundingClientRect()
    if (rect.width === 0 || rect.height === 0) continue
    if (getComputedStyle(el).visibility === 'hidden' || el.closest('.sr-only')) continue
    // Under an open dialog or menu, only the overlay's own controls count.
    if (overlay && !overlay.contains(el)) {
      if (overlay.classList.contains('modal')) continue
      if (rect.left < o.right && rect.right > o.left && rect.top < o.bottom && rect.bottom > o.top) continue
    }
    let clipped = null
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a)
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue
      const r = a.getBoundingClientRect()
      if (rect.left < r.left - 1 || rect.right > r.right + 1 || rect.top < r.top - 1 || rect.bottom > r.bottom + 1) {
        clipped = String(a.className || a.tagName)
        break
      }
    }
    const label = (el.getAttribute('aria-label') || el.innerText || el.name || el.id || '').trim()
    boxes.push({
      what: el.tagName.toLowerCase() + ' « ' + label.replace(/\\s+/g, ' ') + ' »',
      left: rect.left + scrollX,
      top: rect.top + scrollY,
      right: rect.right + scrollX,
      bottom: rect.bottom + scrollY,
      clipped,
      // A label wider than its button is cut off (inputs scroll their text).
      overflowing: el.tagName === 'BUTTON' && el.scrollWidth > el.clientWidth + 1,
    })
  }
  return {
    boxes,
    width: innerWidth,
    height: Math.max(document.documentElement.scrollHeight, innerHeight),
  }
})()`

function controlBoxes(page: Page): Promise<{ boxes: Box[]; width: number; height: number }> {
  return page.evaluate<{ boxes: Box[]; width: number; height: number }>(CONTROL_BOXES)
}

/** What is cut off or overlapping among the visible controls. */
export async function layoutFaults(page: Page): Promise<string[]> {
  const { boxes, width, height } = await controlBoxes(page)
  const faults: string[] = []
  for (const b of boxes) {
    if (b.left < -0.5 || b.right > width + 0.5) faults.push(`${b.what} outside the width`)
    if (b.top < -0.5 || b.bottom > height + 0.5) faults.push(`${b.what} outside the page`)
    if (b.clipped) faults.push(`${b.what} clipped by ${b.clipped}`)
    if (b.overflowing) faults.push(`${b.what} wider than its button`)
  }
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const a = boxes[i]!
      const b = boxes[j]!
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left)
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)
      if (w > 1 && h > 1) faults.push(`${a.what} overlaps ${b.what}`)
    }
  }
  return faults
}

/**
 * Every visible message (error, warning, information, success) with no icon
 * beside its text: its kind must not rest on colour alone.
 */
const MESSAGES_WITHOUT_ICON = `(() => [...document.querySelectorAll('.message')]
  .filter((el) => el.getClientRects().length > 0 && !el.closest('.sr-only') && !el.classList.contains('sr-only'))
  .filter((el) => getComputedStyle(el, '::before').backgroundImage === 'none')
  .map((el) => 'no icon on « ' + el.innerText.trim().slice(0, 60) + ' »'))()`

export function iconFaults(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(MESSAGES_WITHOUT_ICON)
}

/** The name shown at top right, or null when nobody is signed in. */
export async function headerClerk(page: Page): Promise<string | null> {
  const name = page.locator('header .user-menu__name')
  return (await name.count()) === 0 ? null : (await name.innerText()).trim()
}

export interface ScreenCheck {
  /** File name part: `look-<locale>-<name>-<width>.png` in test-results/. */
  name: string
  locale: 'fr' | 'en'
  /** The signed-in clerk's name, null before sign-in. */
  clerk: string | null
}

/**
 * The screen as it is now, at 1366×768 and 1920×1080: a screenshot of each,
 * and every check of the issue (« Done when »). Leaves the page at 1366×768.
 */
export async function checkScreen(page: Page, check: ScreenCheck): Promise<void> {
  // The pointer off every control, so the screenshots show buttons at rest, not hovered.
  await page.mouse.move(0, 0)
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport)
    await page.evaluate(
      'document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(null))))',
    )
    const where = `${check.name} (${check.locale}, ${viewport.width}×${viewport.height})`
    await screenshot(page, `look-${check.locale}-${check.name}-${viewport.width}`)
    expect(await layoutFaults(page), `layout of ${where}`).toEqual([])
    expect(await iconFaults(page), `message icons of ${where}`).toEqual([])
    const text = await page.locator('body').innerText()
    const typography = check.locale === 'fr' ? frenchTypographyFaults(text) : []
    expect(typography, `French typography of ${where}`).toEqual([])
    expect(await headerClerk(page), `the clerk named in the header of ${where}`).toBe(check.clerk)
    expect(
      await page.evaluate<boolean>(
        "[...document.fonts].some((f) => f.family.includes('Inter') && f.status === 'loaded')",
      ),
      `the bundled font on ${where}`,
    ).toBe(true)
  }
  await expectAccessible(page, `${check.name} (${check.locale})`)
  await page.setViewportSize(VIEWPORTS[0])
}

/**
 * What a clerk does on the kiosk's screens, by the names a screen reader hears,
 * and the check of the screen as it is (checkScreen in `locale`).
 */
export function onScreen(page: Page, locale: 'fr' | 'en') {
  return {
    h1: (text: string) =>
      page.getByRole('heading', { level: 1, name: text, exact: true }).waitFor(),
    check: (name: string, clerk: string | null) => checkScreen(page, { name, locale, clerk }),
    field: (label: string) => page.getByLabel(label, { exact: true }),
    press: (name: string) => page.getByRole('button', { name, exact: true }).click(),
    /** An entry of the signed-in clerk's menu, top right. */
    async menu(entry: string) {
      await page.locator('header button[aria-haspopup="menu"]').click()
      await page.getByRole('menuitem', { name: entry, exact: true }).click()
    },
  }
}
