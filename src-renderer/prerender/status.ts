// The kiosk's state that the sign-in screen is pre-rendered for, at build time
// (prerender/render.ts): signed out, in French, under the default issuer (or,
// served by the hosts, the configured one: src-main/shell/first-screen.ts). The
// page takes the pre-rendered markup over (hydration) only when getStatus says
// the same (app.ts); otherwise it renders afresh.

import type { Status } from '../../src-main/contract/methods'

export const PRERENDERED_STATUS: Status = {
  firstStart: false,
  issuer: 'Guichet',
  locale: 'fr',
  idleLockSeconds: 120,
  emailCodeTtlSeconds: 600,
  // the sign-in screen says nothing of who asks for a key's PIN: not compared below
  keyPinEntry: 'kiosk',
  session: null,
  pending: null,
}

/**
 * True when the first screen for `status` is the pre-rendered one, to the
 * character; `issuer`: the issuer the pre-rendered markup shows (`#app`'s
 * `data-prerendered`).
 */
export function showsPrerendered(
  status: Status,
  issuer: string = PRERENDERED_STATUS.issuer,
): boolean {
  return (
    !status.firstStart &&
    status.session === null &&
    status.pending === null &&
    status.locale === PRERENDERED_STATUS.locale &&
    status.issuer === issuer &&
    // the side panel and the code screens say these delays in words
    status.idleLockSeconds === PRERENDERED_STATUS.idleLockSeconds &&
    status.emailCodeTtlSeconds === PRERENDERED_STATUS.emailCodeTtlSeconds
  )
}
