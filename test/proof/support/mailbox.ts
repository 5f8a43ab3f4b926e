// A loopback SMTP server for hosts that get killed mid-session. Like
// test/support/smtp.ts, but it listens for the server's 'error' event:
// smtp-server re-emits every connection error there, so a client killed in
// the middle of a session (ECONNRESET) would otherwise be an uncaught
// exception in the test process.

import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Mail {
  to: string
  subject: string
  text: string
}

export interface Mailbox {
  url: string
  mails: Mail[]
  /** Sessions that ended in a connection error (a killed client). */
  readonly droppedSessions: number
  /** The 6-digit code in the last mail to `to`. */
  lastCode(to: string): string
  close(): Promise<void>
}

export async function startMailbox(): Promise<Mailbox> {
  const mails: Mail[] = []
  let dropped = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // close() waits this long for clients still connected (a pooled mailer, a
    // killed kiosk's half-open socket) before cutting them: tests end promptly.
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          mails.push({
            to: (session.envelope.rcptTo[0]?.address ?? '').toLowerCase(),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          })
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  server.on('error', () => (dropped += 1))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get droppedSessions() {
      return dropped
    },
    lastCode(to) {
      const mail = [...mails].reverse().find((m) => m.to === to.toLowerCase())
      const code = mail?.text.match(/\b(\d{6})\b/)?.[1]
      if (!code) throw new Error(`no code mailed to ${to}`)
      return code
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
