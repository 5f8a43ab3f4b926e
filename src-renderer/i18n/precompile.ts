// Build time only (vite.renderer.config.ts, and the tests): a catalogue of
// messages compiled to the AST that vue-i18n's runtime renders without its
// message compiler. Never imported by the page.

import { baseCompile } from '@intlify/message-compiler'

/** A catalogue of messages: nested objects whose leaves are vue-i18n message strings. */
export interface Catalogue {
  [key: string]: string | Catalogue
}

/** The same tree, every message replaced by its AST; throws on a message that does not compile. */
export function compileCatalogue(tree: Catalogue, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(tree)) {
    const at = path ? `${path}.${key}` : key
    if (typeof value === 'string') {
      out[key] = baseCompile(value, {
        jit: true,
        location: false,
        minify: true,
        onError: (error) => {
          throw new Error(`${at}: ${error.message}`)
        },
      }).ast
    } else if (typeof value === 'object' && value !== null) {
      out[key] = compileCatalogue(value, at)
    } else {
      throw new Error(`${at}: a message is a string`)
    }
  }
  return out
}
