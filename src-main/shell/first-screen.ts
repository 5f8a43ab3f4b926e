/**
 * The pre-rendered sign-in screen under the configured issuer. The renderer's
 * build writes index.html with the sign-in screen rendered for the default
 * issuer, and ISSUER_PAGE: the same page rendered with ISSUER_SLOT in place of
 * the issuer (vite.renderer.config.ts, guichet-prerender-first-screen, checks
 * that the issuer only ever shows as text or attribute text). The hosts (the
 * web host and Electron's app:// handler) serve index.html when it was rendered
 * for the configured issuer, else ISSUER_PAGE with the issuer put in, escaped.
 * `#app`'s `data-prerendered` names the issuer the markup shows: the page takes
 * the markup over only when getStatus says that same issuer (app.ts).
 *
 * No Node module here: the renderer's build and tests use it too; the hosts
 * read the files with read-first-screen.ts.
 */

/** Beside index.html in the built renderer. */
export const ISSUER_PAGE = 'index.issuer.html'

/**
 * Stands for the issuer in ISSUER_PAGE: characters that HTML escaping leaves
 * as they are, and that no message or markup contains.
 */
export const ISSUER_SLOT = 'GUICHET-ISSUER-SLOT-7f3c9a'

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text for HTML content and double-quoted attribute values (what Vue's server renderer escapes, the same way). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

/** ISSUER_PAGE with `issuer` in every slot (a function replacer: `$&` in a name stays as it is). */
export function fillIssuer(template: string, issuer: string): string {
  const escaped = escapeHtml(issuer)
  return template.replaceAll(ISSUER_SLOT, () => escaped)
}

/**
 * The page to serve for `issuer`: index.html when its pre-rendered screen
 * already shows that issuer (or when the build has no ISSUER_PAGE), else
 * ISSUER_PAGE filled in.
 */
export function pageForIssuer(
  indexHtml: string,
  template: string | undefined,
  issuer: string | undefined,
): string {
  if (issuer === undefined || template === undefined) return indexHtml
  if (indexHtml.includes(`data-prerendered="${escapeHtml(issuer)}"`)) return indexHtml
  return fillIssuer(template, issuer)
}
