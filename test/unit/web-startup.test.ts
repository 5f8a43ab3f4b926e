/**
 * What `npm run web` says at start (src-main/host/startup.ts): the kiosk's
 * address, where the data and the mail go, the sender, and the admin command
 * that reaches the same data.
 */

import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src-main/config'
import { startupLines } from '../../src-main/host/startup'

const URL_ = 'http://127.0.0.1:4780/'

describe('npm run web at start', () => {
  it('without configuration: the data folder, the outbox, and the admin command without --config', () => {
    const config = parseConfig({ dataDir: '/srv/guichet/.guichet/data' })
    expect(startupLines(config, { url: URL_, configPath: undefined })).toEqual([
      'Guichet web host on http://127.0.0.1:4780/',
      '  data: /srv/guichet/.guichet/data/guichet.sqlite (SQLite) and the data key, in /srv/guichet/.guichet/data',
      '  mail: not sent (no mail server configured), written as .eml files to /srv/guichet/.guichet/data/outbox',
      "  IT's admin command on the same data: npm run admin -- user list",
    ])
  })

  it('with a mail server: its address without the password, and the sender', () => {
    const config = parseConfig({
      dataDir: '/var/lib/guichet',
      issuer: 'Mairie de Lyon',
      mail: { url: 'smtps://guichet:s3cret@mail.mairie.fr:465', from: 'guichet@mairie.fr' },
    })
    const lines = startupLines(config, { url: URL_, configPath: 'guichet.json' })
    expect(lines[2]).toBe(
      '  mail: sent through smtps://guichet@mail.mairie.fr:465 from "Mairie de Lyon" <guichet@mairie.fr>',
    )
    expect(lines.join('\n')).not.toContain('s3cret')
    expect(lines[3]).toBe(
      "  IT's admin command on the same data: npm run admin -- --config guichet.json user list",
    )
  })

  it('warns that the default sender (no mail.from) is one most servers refuse', () => {
    const config = parseConfig({ dataDir: '/d', mail: { url: 'smtp://mail.mairie.fr:25' } })
    expect(startupLines(config, { url: URL_, configPath: 'g.json' })[2]).toBe(
      '  mail: sent through smtp://mail.mairie.fr:25 from "Guichet" <no-reply@guichet.invalid> (no "mail.from" in the configuration: most mail servers refuse this address; set one of your domain)',
    )
  })

  it('with PostgreSQL: the store named without password, and the local data folder', () => {
    const config = parseConfig({
      dataDir: '/var/lib/guichet',
      store: { url: 'postgres://guichet@db.mairie.local:5432/guichet?sslmode=verify-full' },
    })
    expect(startupLines(config, { url: URL_, configPath: 'g.json' })[1]).toBe(
      '  data: the PostgreSQL store postgres://guichet@db.mairie.local:5432/guichet (data key and outbox in /var/lib/guichet)',
    )
  })
})
