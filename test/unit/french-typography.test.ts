/**
 * French typography in every French message: the renderer's fr.ts and the mails.
 * A narrow no-break space (U+202F) before ; : ! ? and », after «; the apostrophe ’;
 * counts that follow the plural rules (« valable 1 minute »). When a merge brings
 * strings typed with plain spaces, `npm run fix:typography` fixes them and this
 * file says so.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FRENCH_FILES, typesetFile, typesetFrench } from '../../scripts/french-typography'
import {
  addressCodeLetter,
  noticeLetter,
  signInCodeLetter,
  type Letter,
  type NoticeKind,
} from '../../src-main/mail/templates'
import { fr } from '../../src-renderer/i18n/fr'

const ROOT = join(import.meta.dirname, '..', '..')

/** What is wrong with one French text, in words; empty when nothing is. */
export function typographyFaults(text: string): string[] {
  const faults: string[] = []
  for (const m of text.matchAll(/[ \u00a0]([;:!?»])/gu)) faults.push(`plain space before ${m[1]}`)
  for (const m of text.matchAll(/\p{L}([;!?»])/gu)) faults.push(`no space before ${m[1]}`)
  for (const m of text.matchAll(/\p{L}:(?=\s)/gu)) faults.push(`no space before : in ${m[0]}`)
  if (/«(?!\u202f)/.test(text)) faults.push('no narrow no-break space after «')
  if (text.includes("'")) faults.push('straight apostrophe')
  return faults
}

function leaves(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]]
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) =>
      leaves(child, path ? `${path}.${key}` : key),
    )
  }
  return []
}

const NOTICE_KINDS: NoticeKind[] = [
  'app-added',
  'app-removed',
  'key-added',
  'key-removed',
  'factors-reset',
  'recovery-used',
  'recovery-codes-issued',
  'password-changed',
  'address-changed',
  'account-disabled',
]
const PARAMS = {
  code: '123456',
  sentAt: Date.UTC(2026, 2, 4, 8, 5),
  issuer: 'Mairie de Lyon',
  terminalId: 'accueil-1',
}

function frenchLetters(): [string, Letter][] {
  return [
    ...[1, 10].flatMap((ttlMinutes): [string, Letter][] => [
      [`sign-in code, ${ttlMinutes} min`, signInCodeLetter('fr', { ...PARAMS, ttlMinutes })],
      [`address code, ${ttlMinutes} min`, addressCodeLetter('fr', { ...PARAMS, ttlMinutes })],
    ]),
    ...NOTICE_KINDS.map((kind): [string, Letter] => [
      kind,
      noticeLetter(kind, 'fr', { at: PARAMS.sentAt, ...PARAMS }),
    ]),
  ]
}

describe('the fault finder', () => {
  it('finds each fault it is meant to find', () => {
    expect(typographyFaults('Essais restants : 7.')).toEqual(['plain space before :'])
    expect(typographyFaults('Toujours là ?')).toEqual(['plain space before ?'])
    expect(typographyFaults('Toujours là?')).toEqual(['no space before ?'])
    expect(typographyFaults('Note: rien')).toEqual(['no space before : in e:'])
    expect(typographyFaults('Choisissez « Valider\u202f».')).toEqual([
      'no narrow no-break space after «',
    ])
    expect(typographyFaults("Retour à l'accueil")).toEqual(['straight apostrophe'])
    expect(typographyFaults('Il est 10:30, «\u202fValider\u202f»\u202f; l’accueil\u202f?')).toEqual(
      [],
    )
  })
})

describe('French messages of the screens (src-renderer/i18n/fr.ts)', () => {
  it.each(leaves(fr))('%s', (_path, text) => {
    expect(typographyFaults(text)).toEqual([])
  })

  it('say « la session » rather than the masculine-only « déconnecté »', () => {
    const texts = leaves(fr).map(([, text]) => text)
    expect(texts.filter((text) => /\b(dé)?connecté\b/.test(text))).toEqual([])
  })
})

describe('French mails (src-main/mail/templates.ts)', () => {
  it.each(frenchLetters())('%s', (_name, letter) => {
    expect(typographyFaults(letter.subject)).toEqual([])
    expect(typographyFaults(letter.text)).toEqual([])
  })

  it('say « valable 1 minute » and « valable 10 minutes », the time kept on one line', () => {
    const one = signInCodeLetter('fr', { ...PARAMS, ttlMinutes: 1 }).text
    expect(one).toContain('reste valable 1\u00a0minute, ')
    expect(signInCodeLetter('fr', { ...PARAMS, ttlMinutes: 10 }).text).toContain(
      'reste valable 10\u00a0minutes, ',
    )
    expect(one).toMatch(/envoyé à \d{1,2}\u00a0h\u00a0\d{2} /)
    expect(signInCodeLetter('en', { ...PARAMS, ttlMinutes: 1 }).text).toContain(
      'works for 1\u00a0minute, once',
    )
  })
})

describe('npm run fix:typography (scripts/french-typography.ts)', () => {
  it('typesets a French text once and for all', () => {
    const once = typesetFrench("Essais restants : 7 ; l'accueil ? « Valider » : 6 chiffres")
    expect(once).toBe(
      'Essais restants\u202f: 7\u202f; l’accueil\u202f? «\u202fValider\u202f»\u202f: 6\u00a0chiffres',
    )
    expect(typesetFrench(once)).toBe(once)
    expect(typesetFrench('{hours} h {minutes}')).toBe('{hours}\u00a0h\u00a0{minutes}')
    expect(typesetFrench('Il est 10:30.')).toBe('Il est 10:30.')
  })

  it.each(FRENCH_FILES)('has nothing left to change in $path', async ({ path, scope }) => {
    const full = join(ROOT, path)
    expect(await typesetFile(full, scope)).toBe(await readFile(full, 'utf8'))
  })
})
