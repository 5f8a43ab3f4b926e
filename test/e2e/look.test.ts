// The checks that every screen goes through (support/look.ts) find what they
// are meant to find: each on a page made to break it, and none on a page that
// is right. Without this, a check that never fires would let any screen pass.

import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './support/kiosk'
import { frenchTypographyFaults, headerClerk, iconFaults, layoutFaults } from './support/look'

describe('French typography of the visible text', () => {
  it('finds a plain space or none before ; : ! ? », none after «, and a straight apostrophe', () => {
    expect(frenchTypographyFaults('Essais restants : 7.')).toHaveLength(1)
    expect(frenchTypographyFaults('Essais restants\u00a0: 7.')).toHaveLength(1)
    expect(frenchTypographyFaults('Toujours là ?')).toHaveLength(1)
    expect(frenchTypographyFaults('Toujours là?')).toHaveLength(1)
    expect(frenchTypographyFaults('Attention ; lisez')).toHaveLength(1)
    expect(frenchTypographyFaults('Attention!')).toHaveLength(1)
    expect(frenchTypographyFaults('« Mes facteurs\u202f»')).toHaveLength(1)
    expect(frenchTypographyFaults('\u202fMes facteurs »')).toHaveLength(1)
    expect(frenchTypographyFaults("Ajouter l'application")).toHaveLength(1)
  })

  it('accepts U+202F before ; : ! ? » and after «, and ’', () => {
    expect(
      frenchTypographyFaults(
        'Essais restants\u202f: 7. Toujours là\u202f? Attention\u202f! Lisez\u202f;\n' +
          '«\u202fMes facteurs\u202f» – Ajouter l’application',
      ),
    ).toEqual([])
  })
})

describe('controls cut off or overlapping, and the clerk in the header', () => {
  let browser: Browser
  let page: Page
  beforeAll(async () => {
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 800, height: 600 } })
  })
  afterAll(async () => {
    await browser.close()
  })

  const show = (body: string): Promise<void> =>
    page.setContent(`<!doctype html><html lang="fr"><body style="margin:0">${body}</body></html>`)

  it('finds nothing on controls side by side, each whole', async () => {
    await show(
      '<header><span class="user-menu__name">Agnès Martin</span></header>' +
        '<button style="position:absolute;left:10px;top:10px;width:120px">Valider</button>' +
        '<button style="position:absolute;left:140px;top:10px;width:120px">Annuler</button>',
    )
    expect(await layoutFaults(page)).toEqual([])
    expect(await headerClerk(page)).toBe('Agnès Martin')
  })

  it('finds two controls that overlap', async () => {
    await show(
      '<button style="position:absolute;left:10px;top:10px;width:120px">Valider</button>' +
        '<a href="#" style="position:absolute;left:100px;top:12px;width:120px">Annuler</a>',
    )
    expect(await layoutFaults(page)).toEqual([expect.stringContaining('overlaps')])
  })

  it('finds a label wider than its button', async () => {
    await show(
      '<button style="width:60px;white-space:nowrap;overflow:hidden">Créer le compte maintenant</button>',
    )
    expect(await layoutFaults(page)).toEqual([expect.stringContaining('wider than its button')])
  })

  it('finds a control clipped by its container', async () => {
    await show(
      '<div class="card" style="width:100px;height:40px;overflow:hidden">' +
        '<button style="margin-top:30px;width:80px">Valider</button></div>',
    )
    expect(await layoutFaults(page)).toEqual([expect.stringContaining('clipped by card')])
  })

  it('finds a control outside the page width', async () => {
    await show('<button style="position:absolute;left:760px;width:120px">Valider</button>')
    expect(await layoutFaults(page)).toEqual([expect.stringContaining('outside the width')])
  })

  it('finds a message whose kind rests on colour alone (no icon)', async () => {
    await show(
      '<style>.message--error::before { content: ""; background-image: url("data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27/%3E"); }</style>' +
        '<p class="message message--error">Avec icône</p>' +
        '<p class="message message--warning">Sans icône</p>' +
        '<p class="message message--warning sr-only">Pour les lecteurs d’écran</p>',
    )
    expect(await iconFaults(page)).toEqual(['no icon on « Sans icône »'])
  })

  it('names nobody when the header has no clerk', async () => {
    await show('<header><h1>Guichet</h1></header>')
    expect(await headerClerk(page)).toBeNull()
  })
})
