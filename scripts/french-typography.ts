/**
 * French typography for the message files: `npm run fix:typography`.
 *
 * Rewrites, in every French string of the files below:
 * - a narrow no-break space (U+202F) before ; : ! ? and », and after «;
 * - a no-break space (U+00A0) between a number and its unit (« 6 chiffres »,
 *   « {min} min {sec} s », « {hours} h {minutes} »);
 * - the typographic apostrophe ’ for the straight one.
 *
 * Which strings are French: every string of src-renderer/i18n/fr.ts (but the
 * import paths and quoted property names), and in src-main/mail/templates.ts the
 * strings under a `fr` key. Idempotent: run it again after a merge brings new
 * strings; test/unit/french-typography.test.ts fails until it has been run.
 */

import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as prettier from 'prettier'
import ts from 'typescript'

const ROOT = join(import.meta.dirname, '..')

export const FRENCH_FILES: readonly { path: string; scope: 'all' | 'fr-key' }[] = [
  { path: 'src-renderer/i18n/fr.ts', scope: 'all' },
  { path: 'src-main/mail/templates.ts', scope: 'fr-key' },
]

const NNBSP = '\u202f'
const NBSP = '\u00a0'
/** Placeholders that stand for a number followed by its unit. */
const NUMBER_PLACEHOLDER = String.raw`\{(?:min|sec|hours|minutes|count|n|wait)\}`

/** One French text, typeset. Applying it twice changes nothing more. */
export function typesetFrench(text: string): string {
  return (
    text
      .replace(/'/g, '’')
      // A space of any kind before ; : ! ? » becomes a narrow no-break space.
      // (At the start of a template piece, the text before is a ${substitution}.)
      .replace(/(^|\S)[ \u00a0\u202f]*([;!?»])/gu, `$1${NNBSP}$2`)
      // A colon too, when it is punctuation (not « 10:30 » or a URL).
      .replace(/(^|\S)[ \u00a0\u202f]*:(?=\s|$)/gu, `$1${NNBSP}:`)
      .replace(/«[ \u00a0\u202f]*/g, `«${NNBSP}`)
      // A number and its unit stay together.
      .replace(new RegExp(String.raw`(\d|${NUMBER_PLACEHOLDER}) (?=\p{L})`, 'gu'), `$1${NBSP}`)
      .replace(
        new RegExp(String.raw`${NBSP}(h|min) (?=${NUMBER_PLACEHOLDER})`, 'gu'),
        `${NBSP}$1${NBSP}`,
      )
  )
}

function isPropertyName(node: ts.Node): boolean {
  const parent = node.parent
  return (
    parent !== undefined &&
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent)) &&
    parent.name === node
  )
}

function underFrKey(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isPropertyAssignment(n) && n.name.getText() === 'fr') return true
  }
  return false
}

function inImportOrType(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n) || ts.isTypeNode(n)) return true
  }
  return false
}

function quote(value: string): string {
  const q = value.includes("'") && !value.includes('"') ? '"' : "'"
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(new RegExp(q, 'g'), `\\${q}`)
  return `${q}${body}${q}`
}

/**
 * Template text as source: ESLint (no-irregular-whitespace) wants the no-break
 * spaces of template literals written as escapes; plain strings keep them as is.
 */
function templateRaw(cooked: string): string {
  return cooked
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${')
    .replace(/\n/g, '\\n')
    .replace(/\u00a0/g, '\\u00a0')
    .replace(/\u202f/g, '\\u202f')
}

interface Edit {
  start: number
  end: number
  text: string
}

/** The file's source with every French string typeset, formatted by Prettier. */
export async function typesetFile(path: string, scope: 'all' | 'fr-key'): Promise<string> {
  const source = await readFile(path, 'utf8')
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true)
  const edits: Edit[] = []
  const visit = (node: ts.Node): void => {
    const french =
      !inImportOrType(node) && !isPropertyName(node) && (scope === 'all' || underFrKey(node))
    if (french && ts.isStringLiteral(node)) {
      const next = typesetFrench(node.text)
      if (next !== node.text) {
        edits.push({ start: node.getStart(file), end: node.getEnd(), text: quote(next) })
      }
    } else if (
      french &&
      (ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node))
    ) {
      const raw = node.rawText ?? ''
      const next = templateRaw(typesetFrench(node.text))
      if (next !== raw) {
        // `…${ / }…${ / }…` / `…`: the raw text sits after one delimiter character.
        const start = node.getStart(file) + 1
        edits.push({ start, end: start + raw.length, text: next })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  let out = source
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  }
  const options = (await prettier.resolveConfig(path)) ?? {}
  return prettier.format(out, { ...options, filepath: path })
}

async function main(): Promise<void> {
  for (const { path, scope } of FRENCH_FILES) {
    const full = join(ROOT, path)
    const before = await readFile(full, 'utf8')
    const after = await typesetFile(full, scope)
    if (after !== before) {
      await writeFile(full, after)
      console.log(`typeset ${path}`)
    } else {
      console.log(`unchanged ${path}`)
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
