/**
 * What `npm run web` says at start: where the kiosk is, where its data and
 * its mail go, and how IT's admin command reaches the same data.
 */

import { join } from 'node:path'
import type { Config } from '../config'
import { fromAddress } from '../mail/mailer'
import { DB_FILE_NAME } from '../store/sqlite/open'
import { describeUrl } from '../store/pg/database'

export interface StartupFacts {
  /** The kiosk's address, once the host listens. */
  url: string
  /** The configuration file given (--config or GUICHET_CONFIG); undefined: the defaults. */
  configPath: string | undefined
}

export function startupLines(config: Config, facts: StartupFacts): string[] {
  const data = config.store
    ? `data: the PostgreSQL store ${describeUrl(config.store.url)} (data key and outbox in ${config.dataDir})`
    : `data: ${join(config.dataDir, DB_FILE_NAME)} (SQLite) and the data key, in ${config.dataDir}`
  let mail: string
  if ('outbox' in config.mail) {
    mail = `mail: not sent (no mail server configured), written as .eml files to ${config.mail.outbox}`
  } else {
    const from = fromAddress(config)
    mail = `mail: sent through ${describeUrl(config.mail.url)} from "${from.name}" <${from.address}>`
    if (!config.mail.from)
      mail +=
        ' (no "mail.from" in the configuration: most mail servers refuse this address; set one of your domain)'
  }
  const admin = facts.configPath
    ? `npm run admin -- --config ${facts.configPath} user list`
    : 'npm run admin -- user list'
  return [
    `Guichet web host on ${facts.url}`,
    `  ${data}`,
    `  ${mail}`,
    `  IT's admin command on the same data: ${admin}`,
  ]
}
