import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterAll, describe, expect, it } from 'vitest'
import { parseOptions } from '@node-rs/argon2'
import { checkNewPassword, hashPassword, verifyPassword } from '../../src-main/engine/password'
import {
  boundedForEstimate,
  STRENGTH_INPUT_CHARS,
  stopStrengthWorker,
  strengthScore,
} from '../../src-main/engine/strength'

/** Time the calling thread (the event loop) has spent on a CPU, in ns (Linux). */
function loopThreadCpuNs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0])
}

const ctx = { email: 'alice.martin@mairie.fr', name: 'Alice Martin', issuer: 'Guichet' }

describe('the strength worker stopped mid-check (src-main/engine/strength.ts)', () => {
  afterAll(() => stopStrengthWorker())

  it('the check in progress answers with an error naming the worker’s exit, and the next check starts a new worker', async () => {
    const inProgress = strengthScore('Marché-du-jeudi-sous-la-pluie', ['alice'])
    await stopStrengthWorker()
    await expect(inProgress).rejects.toThrow(/^password strength worker exited \(\d+\)$/)
    expect(await strengthScore('Marché-du-jeudi-sous-la-pluie', ['alice'])).toBeGreaterThanOrEqual(
      3,
    )
  })
})

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

  it('refuses the configured issuer name, case and accents aside, not the everyday word « guichet »', async () => {
    const town = { ...ctx, issuer: 'Mairie de Saint-Étienne' }
    expect(await checkNewPassword('Le guichet du marché ouvre à neuf heures', town)).toBeUndefined()
    expect(await checkNewPassword('Le guichet du marché ouvre à neuf heures', ctx)).toBe(
      'contains-product',
    )
    expect(await checkNewPassword('ma MAIRIE DE SAINT-ETIENNE en 2026', town)).toBe(
      'contains-product',
    )
    expect(await checkNewPassword('Orage sur la Mairie de Saint-Étienne !', town)).toBe(
      'contains-product',
    )
  })

  it('refuses the clerk’s own address (whole or local part), accents aside, under any issuer', async () => {
    const town = { email: 'helene.cote@mairie.fr', name: 'Hélène Côté', issuer: 'Mairie de X' }
    expect(await checkNewPassword('Bonjour-HÉLÈNE.CÔTÉ-du-lundi', town)).toBe('contains-email')
    expect(await checkNewPassword('écrire à helene.cote@mairie.fr', town)).toBe('contains-email')
  })

  it('refuses the address’s local part from 3 characters on; a shorter one refuses nothing', async () => {
    const eva = { email: 'eva@mairie.fr', issuer: 'Mairie de X' }
    expect(await checkNewPassword('Eva-lune-verte-escalier', eva)).toBe('contains-email')
    const lu = { email: 'lu@mairie.fr', issuer: 'Mairie de X' }
    expect(await checkNewPassword('lune verte sur l’escalier du marché', lu)).toBeUndefined()
  })

  it('refuses an issuer name from 3 characters on, stray spaces around it aside; a shorter one refuses nothing', async () => {
    const sud = { ...ctx, issuer: 'Sud' }
    expect(await checkNewPassword('Orage sur le Sud ce soir', sud)).toBe('contains-product')
    const lyon = { ...ctx, issuer: '  Mairie de Lyon ' }
    expect(await checkNewPassword('Mairie de Lyon, orage ce soir', lyon)).toBe('contains-product')
    const lu = { ...ctx, issuer: 'Lu' }
    expect(await checkNewPassword('lune verte sur l’escalier du marché', lu)).toBeUndefined()
  })

  it('folds case to lower: a capital ẞ matches the ß of the address', async () => {
    // ẞ (U+1E9E) lowers to ß, while ß uppers to SS: only lower-case folding finds the address
    const weiss = { email: 'anna.weiß@mairie.fr', issuer: 'Mairie de X' }
    expect(await checkNewPassword('ANNA.WEIẞ-lune-verte', weiss)).toBe('contains-email')
  })

  it('refuses the pieces of the address’s local part, reordered, as guessable', async () => {
    // each piece alone is no word; reordered, the local part is not contained either
    const clerk = { email: 'kzorvath.plimbu@mairie.fr', issuer: 'Mairie de X' }
    expect(await checkNewPassword('plimbukzorvath', clerk)).toBe('too-common')
    expect(await checkNewPassword('plimbukzorvath', ctx)).toBeUndefined()
  })

  it('counts a piece of 3 characters of the address as guessable too', async () => {
    // pieces of exactly 3 characters: with them as hints the password scores 2, without them 3
    const clerk = { email: 'kho.nyx@mairie.fr', issuer: 'Mairie de X' }
    expect(await checkNewPassword('kho1nyx21nyx2', clerk)).toBe('too-common')
    expect(await checkNewPassword('kho1nyx21nyx2', ctx)).toBeUndefined()
  })

  it('accepts long passphrases in any script, with no composition rules', async () => {
    expect(await checkNewPassword('lune verte sur l’escalier du marché', ctx)).toBeUndefined()
    expect(await checkNewPassword('Зелёная луна на лестнице', ctx)).toBeUndefined()
    expect(await checkNewPassword('é'.repeat(12), ctx)).toBe('too-common')
    expect(await checkNewPassword('y'.repeat(256), ctx)).toBe('too-common')
  })

  afterAll(() => stopStrengthWorker())

  it('estimates the first 100 characters only (code points), and still allows 256', async () => {
    expect(STRENGTH_INPUT_CHARS).toBe(100)
    expect(boundedForEstimate('é'.repeat(150))).toBe('é'.repeat(100))
    expect(boundedForEstimate('🙂'.repeat(120))).toBe('🙂'.repeat(100))
    // what lies beyond the 100th character is not looked at
    const weakHead = 'a'.repeat(STRENGTH_INPUT_CHARS)
    expect(await checkNewPassword(`${weakHead}lune verte sur l’escalier du marché`, ctx)).toBe(
      'too-common',
    )
    expect(
      await checkNewPassword(`lune verte sur l’escalier du marché ${'a'.repeat(220)}`, ctx),
    ).toBeUndefined()
  })

  // Seconds of estimation in the worker, longer on a loaded machine: the bound is on the loop, not the time.
  it(
    'checks a 256-character password off the main thread: no event-loop block over 20 ms',
    { timeout: 180_000 },
    async () => {
      // zxcvbn took 4.6 s on the main thread for this one (issue 13, finding 7).
      // Two probes watch the loop: monitorEventLoopDelay (wall-clock delay), and
      // the loop thread's own time on the CPU between two turns (Linux schedstat,
      // ns). A block is the loop running something for over 20 ms without turning;
      // on this shared 2-core machine the wall delay also holds the time the OS
      // keeps the thread waiting for a core (30+ ms spikes even when idle), which
      // is no block of ours, so the bound applies to the time on the CPU.
      const password = Array.from({ length: 256 }, (_, i) => 'aZ9!éçpass'[i % 10]).join('')
      await stopStrengthWorker() // from cold: starting the worker is part of it
      const probe = monitorEventLoopDelay({ resolution: 1 })
      probe.enable()
      let ticks = 0
      let longestOnCpuMs = 0
      let lastCpu = loopThreadCpuNs()
      const timer = setInterval(() => {
        const cpu = loopThreadCpuNs()
        longestOnCpuMs = Math.max(longestOnCpuMs, (cpu - lastCpu) / 1e6)
        lastCpu = cpu
        ticks++
      }, 2)
      const verdicts = await Promise.all([
        checkNewPassword(password, ctx),
        checkNewPassword([...password].reverse().join(''), ctx),
      ])
      clearInterval(timer)
      probe.disable()
      console.log(
        `[password] 256 characters checked twice: longest loop delay ${(probe.max / 1e6).toFixed(1)} ms (wall), ` +
          `longest loop stretch on the CPU ${longestOnCpuMs.toFixed(1)} ms, ${ticks} turns`,
      )
      expect(verdicts).toEqual([undefined, undefined])
      expect(ticks, 'the loop kept turning while the worker estimated').toBeGreaterThan(50)
      expect(
        longestOnCpuMs,
        'longest stretch of the loop on the CPU between two turns, ms',
      ).toBeLessThan(20)
    },
  )
})
