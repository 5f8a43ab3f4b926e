// Mounting the whole kiosk on a fake Bridge, and finding things the way a person
// with a screen reader does: a field by its <label>, a button by its name.

import {
  enableAutoUnmount,
  flushPromises,
  mount,
  type DOMWrapper,
  type VueWrapper,
} from '@vue/test-utils'
import { afterEach, expect, vi } from 'vitest'
import { createGuichetI18n, type Locale } from '../../../src-renderer/i18n'
import { en } from '../../../src-renderer/i18n/en'
import { fr, type MessageSchema } from '../../../src-renderer/i18n/fr'
import { BRIDGE } from '../../../src-renderer/injection'
import Root from '../../../src-renderer/Root.vue'
import { preloadScreens } from '../../../src-renderer/screens/lazy'
import { FakeBridge } from './fakeBridge'

// Every mounted kiosk goes after its test: no listener or timer of one test survives.
enableAutoUnmount(afterEach)

export const LOCALES: Locale[] = ['fr', 'en']

/**
 * A kiosk test's start: the clock, the countdowns and the idle lock on fake
 * timers at `at`, and a fake bridge in `locale` that locks after
 * `idleLockSeconds` without input. `afterEach(releaseKiosk)` undoes it.
 */
export function kioskAt(at: Date, locale: Locale, idleLockSeconds = 3600): FakeBridge {
  vi.useFakeTimers({
    toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
  })
  vi.setSystemTime(at)
  const bridge = new FakeBridge()
  bridge.locale = locale
  bridge.idleLockSeconds = idleLockSeconds
  return bridge
}

/** After a kiosk test: real timers again and an empty page. */
export function releaseKiosk(): void {
  vi.useRealTimers()
  document.body.innerHTML = ''
}

/** Both catalogues, as written (the page loads English on demand). */
export const messages: Record<Locale, MessageSchema> = { fr, en }

export function m(locale: Locale): MessageSchema {
  return messages[locale]
}

/**
 * The kiosk as main.ts mounts it, with every screen and both languages at hand
 * (in the page they are loaded once the first screen is up), so that each screen
 * shows as soon as the store asks for it.
 */
export async function mountKiosk(bridge: FakeBridge): Promise<VueWrapper> {
  await preloadScreens()
  const wrapper = mount(Root, {
    attachTo: document.body,
    global: {
      plugins: [createGuichetI18n('fr', { en })],
      provide: { [BRIDGE as symbol]: bridge },
    },
  })
  await settle()
  return wrapper
}

/** Lets every pending answer of the fake Bridge reach the screen. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await flushPromises()
}

/** The text as shown: HTML white space collapsed, no-break spaces (U+00A0, U+202F) kept. */
function text(element: Element): string {
  return (element.textContent ?? '').replace(/[ \t\n\f\r]+/g, ' ').trim()
}

/** The input whose <label for> has exactly this text. */
export function field(wrapper: VueWrapper, label: string): DOMWrapper<HTMLInputElement> {
  const labels = wrapper.findAll('label').filter((candidate) => text(candidate.element) === label)
  expect(labels, `one label « ${label} »`).toHaveLength(1)
  const id = labels[0]!.attributes('for')
  expect(id, `label « ${label} » has a for`).toBeTruthy()
  const input = wrapper.find<HTMLInputElement>(`[id="${id}"]`)
  expect(input.exists(), `input for « ${label} »`).toBe(true)
  expect(input.element.tagName).toBe('INPUT')
  return input
}

/**
 * The error shown under the field labelled `label` (null: none), checked to be
 * part of the field's description and to mark it invalid.
 */
export function errorUnder(wrapper: VueWrapper, label: string): string | null {
  const input = field(wrapper, label)
  const under = input.element.parentElement!.querySelector('.field__error')
  if (!under) return null
  expect(input.attributes('aria-describedby')?.split(' ')).toContain(under.id)
  expect(input.attributes('aria-invalid')).toBe('true')
  return text(under as HTMLElement)
}

export function findButton(
  wrapper: VueWrapper,
  name: string,
): DOMWrapper<HTMLButtonElement> | null {
  const found = wrapper
    .findAll<HTMLButtonElement>('button')
    .filter((candidate) => text(candidate.element) === name)
  return found[0] ?? null
}

export function button(wrapper: VueWrapper, name: string): DOMWrapper<HTMLButtonElement> {
  const found = findButton(wrapper, name)
  expect(found, `button « ${name} »`).not.toBeNull()
  return found!
}

export function heading(wrapper: VueWrapper): string {
  const h1 = wrapper.findAll('h1')
  expect(h1).toHaveLength(1)
  return text(h1[0]!.element)
}

export function alerts(wrapper: VueWrapper): string[] {
  return wrapper.findAll('[role="alert"]').map((alert) => text(alert.element))
}

export function statuses(wrapper: VueWrapper): string[] {
  return wrapper.findAll('[role="status"]').map((status) => text(status.element))
}

export function pageText(wrapper: VueWrapper): string {
  return text(wrapper.element)
}

/** Fills a field as a person types (the input event the screens listen to). */
export async function type(input: DOMWrapper<HTMLInputElement>, value: string): Promise<void> {
  await input.setValue(value)
}

export async function press(
  target: Element | Window,
  key: string,
  init: KeyboardEventInit = {},
): Promise<void> {
  target.dispatchEvent(
    new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }),
  )
  await settle()
}

/** Interpolates a message the way the tests expect to read it on screen. */
export function fill(message: string, params: Record<string, string | number>): string {
  return message.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name]))
}

/** Signs a clerk in with an e-mailed code and lands on home. */
export async function signInByEmail(
  wrapper: VueWrapper,
  locale: Locale,
  email: string,
  password: string,
  code = '123456',
): Promise<void> {
  await type(field(wrapper, m(locale).signIn.email), email)
  await type(field(wrapper, m(locale).signIn.password), password)
  await button(wrapper, m(locale).signIn.submit).trigger('click')
  await settle()
  await type(field(wrapper, m(locale).code.label), code)
  await button(wrapper, m(locale).code.submit).trigger('click')
  await settle()
}
