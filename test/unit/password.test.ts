import { describe, expect, it } from 'vitest'
import { parseOptions } from '@node-rs/argon2'
import { checkNewPassword, hashPassword, verifyPassword } from '../../src-main/engine/password'

const ctx = { email: 'alice.martin@mairie.fr', name: 'Alice Martin', issuer: 'Guichet' }

describe('passwords', () => {
  it('hashes with argon2id m=64 MiB t=3 p=1, parameters stored with the hash', async () => {
    const phc = await hashPassword('Lune-verte-escalier-42')
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=65536,t=3,p=1\$/)
    const o = parseOptions(phc)
    expect([o.memoryCost, o.timeCost, o.parallelism]).toEqual([65536, 3, 1])
    expect(await verifyPassword(phc, 'Lune-verte-escalier-42')).toBe(true)
    expect(await verifyPassword(phc, 'Lune-verte-escalier-43')).toBe(false)
    expect(await verifyPassword('not a hash', 'x')).toBe(false)
  })

  it('compares Unicode after NFKC', async () => {
    const composed = 'Café-crème-du-matin-7' // é as one code point
    const decomposed = 'Cafe\u0301-cre\u0300me-du-matin-7'
    const phc = await hashPassword(composed)
    expect(await verifyPassword(phc, decomposed)).toBe(true)
  })

  it.each([
    ['short', 'Tr0p-court', 'too-short'],
    ['long', 'x'.repeat(257), 'too-long'],
    ['common', 'motdepasse123', 'too-common'],
    ['common english', 'password1234', 'too-common'],
    ['keyboard walk', 'azertyuiop123', 'too-common'],
    ['the address', 'alice.martin@mairie.fr!', 'contains-email'],
    ['the local part', 'xx-Alice.Martin-2026', 'contains-email'],
    ['the product', 'Mon-Guichet-Rouge-99', 'contains-product'],
  ])('refuses a %s password', async (_label, password, reason) => {
    expect(await checkNewPassword(password, ctx)).toBe(reason)
  })

  it('accepts long passphrases in any script, with no composition rules', async () => {
    expect(await checkNewPassword('lune verte sur l’escalier du marché', ctx)).toBeUndefined()
    expect(await checkNewPassword('Зелёная луна на лестнице', ctx)).toBeUndefined()
    expect(await checkNewPassword('é'.repeat(12), ctx)).toBe('too-common')
    expect(await checkNewPassword('y'.repeat(256), ctx)).toBe('too-common')
  })
})
