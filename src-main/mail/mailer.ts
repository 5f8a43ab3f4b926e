/**
 * Outgoing mail through nodemailer: a pooled SMTP transport from `mail.url`,
 * or `.eml` files in an outbox folder (a terminal with no mail server yet, or
 * a demo). A send either reaches the server's acceptance or fails with
 * MailUnavailableError: the engine then counts nothing as sent.
 */

import { randomBytes } from 'node:crypto'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import type SMTPPool from 'nodemailer/lib/smtp-pool'
import type { Config } from '../config'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

export interface Mailer {
  send(message: MailMessage): Promise<void>
  close(): void
}

export class MailUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MailUnavailableError'
  }
}

/** The sender: `mail.from` with the issuer as its name; without `mail.from`, no-reply@guichet.invalid. */
export function fromAddress(config: Config): { name: string; address: string } {
  const configured = 'url' in config.mail ? config.mail.from : undefined
  return { name: config.issuer, address: configured ?? 'no-reply@guichet.invalid' }
}

export function createSmtpMailer(config: Config & { mail: { url: string } }): Mailer {
  const timeoutMs = ('timeoutSeconds' in config.mail ? config.mail.timeoutSeconds : 10) * 1000
  const transport = nodemailer.createTransport({
    url: config.mail.url,
    pool: true,
    maxConnections: 2,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  } satisfies SMTPPool.Options & { url: string })
  const from = fromAddress(config)
  return {
    async send(message) {
      try {
        await transport.sendMail({ from, ...message })
      } catch (error) {
        throw new MailUnavailableError(`mail not accepted: ${(error as Error).message}`, {
          cause: error,
        })
      }
    },
    close: () => transport.close(),
  }
}

/** Writes each message as an `.eml` file (0600) in `dir`. */
export function createOutboxMailer(config: Config, dir: string): Mailer {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  })
  const from = fromAddress(config)
  return {
    async send(message) {
      try {
        const info = await transport.sendMail({ from, ...message })
        await mkdir(dir, { recursive: true, mode: 0o700 })
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`
        const file = join(dir, name)
        await writeFile(file, info.message as Buffer, { mode: 0o600 })
        await chmod(file, 0o600)
      } catch (error) {
        throw new MailUnavailableError(`outbox not writable: ${(error as Error).message}`, {
          cause: error,
        })
      }
    },
    close: () => transport.close(),
  }
}

export function createMailer(config: Config): Mailer {
  const mail = config.mail
  if ('url' in mail) return createSmtpMailer({ ...config, mail })
  return createOutboxMailer(config, mail.outbox)
}
