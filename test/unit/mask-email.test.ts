// How an address is shown where the next person at the terminal may read it
// (the code was sent to …, the audit log's details): the first character of the
// local part, then •••, then the domain whole.

import { describe, expect, it } from 'vitest'
import { maskEmail } from '../../src-main/engine/session'

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('alice.martin@mairie.fr')).toBe('a•••@mairie.fr')
  })

  it('takes the first character whole, even outside the BMP', () => {
    expect(maskEmail('élodie@mairie.fr')).toBe('é•••@mairie.fr')
    expect(maskEmail('𝒜lice@mairie.fr')).toBe('𝒜•••@mairie.fr')
  })

  it('splits at the last @ (a quoted local part may hold one)', () => {
    expect(maskEmail('"a@b"@mairie.fr')).toBe('"•••@mairie.fr')
  })

  it('shows no character of an empty local part', () => {
    expect(maskEmail('@mairie.fr')).toBe('•••@mairie.fr')
  })
})
