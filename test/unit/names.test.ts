// Names (user, app and key names, the admin command's --name) refuse control,
// bidi and zero-width characters: one validator, shared by the contract and
// the admin command, and the admin command never prints such a character raw.

import { describe, expect, it } from 'vitest'
import { printable } from '../../src-main/cli/admin-messages'
import { DeviceName, DisplayName, isSafeName, methods } from '../../src-main/contract/methods'

const UNSAFE = [
  ['RIGHT-TO-LEFT OVERRIDE', '\u202E'],
  ['LEFT-TO-RIGHT EMBEDDING', '\u202A'],
  ['FIRST STRONG ISOLATE', '\u2068'],
  ['POP DIRECTIONAL ISOLATE', '\u2069'],
  ['RIGHT-TO-LEFT MARK', '\u200F'],
  ['ARABIC LETTER MARK', '\u061C'],
  ['ZERO WIDTH SPACE', '\u200B'],
  ['ZERO WIDTH NON-JOINER', '\u200C'],
  ['ZERO WIDTH JOINER', '\u200D'],
  ['WORD JOINER', '\u2060'],
  ['BYTE ORDER MARK', '\uFEFF'],
  ['SOFT HYPHEN', '\u00AD'],
  ['TAG LATIN SMALL LETTER A', '\u{E0061}'],
  ['BELL', '\u0007'],
  ['DELETE', '\u007F'],
  ['NEXT LINE', '\u0085'],
  ['LINE SEPARATOR', '\u2028'],
  ['PARAGRAPH SEPARATOR', '\u2029'],
]

describe('names', () => {
  it.each(UNSAFE)('refuse %s in every name schema', (_label, c) => {
    const name = `Alice ${c}Martin`
    expect(isSafeName(name)).toBe(false)
    expect(DisplayName.safeParse(name).success).toBe(false)
    expect(DeviceName.safeParse(name).success).toBe(false)
    expect(methods.registerKey.input.safeParse({ name }).success).toBe(false)
    expect(
      methods.confirmAppEnrollment.input.safeParse({ code: '123456', deviceName: name }).success,
    ).toBe(false)
    expect(
      methods.beginSetup.input.safeParse({ email: 'a@mairie.fr', name, password: 'x' }).success,
    ).toBe(false)
  })

  it('accept names in any script, with accents, apostrophes and emoji', () => {
    for (const name of [
      'Agnès Le Bihan-Éloi',
      'Chloé d’Arvor',
      'محمد علي',
      'Σοφία',
      'Clé du bureau 🔑',
      'Téléphone de Zoë',
    ]) {
      expect(isSafeName(name), name).toBe(true)
      expect(DisplayName.safeParse(name).success, name).toBe(true)
      expect(DeviceName.safeParse(name).success, name).toBe(true)
    }
  })

  it('the admin command prints a stored name with its unsafe characters as code points', () => {
    expect(printable('Alice \u202Enitram\u200B')).toBe('Alice \\u{202E}nitram\\u{200B}')
    expect(printable('Agnès Le Bihan')).toBe('Agnès Le Bihan')
  })
})
