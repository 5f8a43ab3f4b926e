// The page the hosts serve under the configured issuer (src-main/shell/first-screen.ts):
// index.html when it already shows that issuer, else the build's slotted page
// with the issuer put in, escaped as Vue's server renderer escapes text.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  escapeHtml,
  fillIssuer,
  ISSUER_PAGE,
  ISSUER_SLOT,
  pageForIssuer,
} from '../../../src-main/shell/first-screen'
import { readFirstPage } from '../../../src-main/shell/read-first-screen'

const INDEX =
  '<title>Guichet</title><div id="app" data-prerendered="Guichet"><span>Guichet</span></div>'
const TEMPLATE = `<title>Guichet</title><div id="app" data-prerendered="${ISSUER_SLOT}"><span>${ISSUER_SLOT}</span><span>Guichet</span><p>${ISSUER_SLOT} · Guichet</p></div>`

describe('the first page under the configured issuer', () => {
  it('escapes &, <, >, " and \' as Vue’s server renderer does, and nothing else', () => {
    expect(escapeHtml(`Mairie « d’Yvré » & <Cie> "x" l'y`)).toBe(
      'Mairie « d’Yvré » &amp; &lt;Cie&gt; &quot;x&quot; l&#39;y',
    )
  })

  it('puts the issuer in every slot, text and attribute alike, with $ patterns kept as typed', () => {
    expect(fillIssuer(TEMPLATE, 'Mairie de Lyon $& $1 $$')).toBe(
      '<title>Guichet</title><div id="app" data-prerendered="Mairie de Lyon $&amp; $1 $$"><span>Mairie de Lyon $&amp; $1 $$</span><span>Guichet</span><p>Mairie de Lyon $&amp; $1 $$ · Guichet</p></div>',
    )
    expect(fillIssuer(TEMPLATE, '"><script>alert(1)</script>')).not.toContain('<script>')
  })

  it('serves index.html for the issuer it was rendered for, the filled template for another', () => {
    expect(pageForIssuer(INDEX, TEMPLATE, 'Guichet')).toBe(INDEX)
    expect(pageForIssuer(INDEX, TEMPLATE, 'Mairie de Lyon')).toBe(
      fillIssuer(TEMPLATE, 'Mairie de Lyon'),
    )
    expect(pageForIssuer(INDEX, TEMPLATE, 'Mairie de Lyon')).toContain(
      'data-prerendered="Mairie de Lyon"',
    )
    // no issuer given, or a build without the template: index.html as it is
    expect(pageForIssuer(INDEX, TEMPLATE, undefined)).toBe(INDEX)
    expect(pageForIssuer(INDEX, undefined, 'Mairie de Lyon')).toBe(INDEX)
  })

  describe('read from the built renderer', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'guichet-first-screen-'))
      await writeFile(join(dir, 'index.html'), INDEX)
    })
    afterAll(() => rm(dir, { recursive: true, force: true }))

    it('without the template (an older build): index.html, whatever the issuer', async () => {
      expect(await readFirstPage(dir, 'Mairie de Lyon')).toBe(INDEX)
    })

    it('with it: the page for the issuer', async () => {
      await writeFile(join(dir, ISSUER_PAGE), TEMPLATE)
      expect(await readFirstPage(dir, 'Mairie de Lyon')).toBe(
        fillIssuer(TEMPLATE, 'Mairie de Lyon'),
      )
      expect(await readFirstPage(dir, 'Guichet')).toBe(INDEX)
      expect(await readFirstPage(dir, undefined)).toBe(INDEX)
    })
  })
})
