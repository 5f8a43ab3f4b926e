// A real SMTP server on loopback for tests: every accepted message is parsed
// back with mailparser. Faults can be switched on: refuse recipients, drop the
// connection mid-DATA, answer slowly.

import type { AddressInfo } from 'node:net'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  to: string
  from: string
  subject: string
  text: string
  parsed: ParsedMail
  /** performance.now() when the server accepted the message (its 250 after DATA goes out). */
  acceptedAt: number
}

export type SmtpFault = 'none' | 'refuse-recipient' | 'drop-in-data' | 'slow'

export interface TestSmtp {
  url: string
  port: number
  mails: ReceivedMail[]
  fault: SmtpFault
  /** Resolves with the next mail to `to` (or any), waiting up to `timeoutMs`. */
  next(to?: string, timeoutMs?: number): Promise<ReceivedMail>
  /** The latest mail to `to` whose subject contains `subject`, waiting for it if none came yet. */
  find(to: string, subject: string, timeoutMs?: number): Promise<ReceivedMail>
  /** The 6-digit code in the last mail to `to`. */
  lastCode(to: string): string
  close(): Promise<void>
}

export async function startSmtp(options: { slowMs?: number } = {}): Promise<TestSmtp> {
  const mails: ReceivedMail[] = []
  const waiters: { to?: string; resolve: (m: ReceivedMail) => void }[] = []
  const state: { fault: SmtpFault } = { fault: 'none' }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // close() waits this long for clients still connected (a pooled mailer, a
    // killed kiosk's half-open socket) before cutting them: tests end promptly.
    closeTimeout: 1_000,
    onRcptTo(address, _session, callback) {
      if (state.fault === 'refuse-recipient') {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 })
        return callback(error)
      }
      callback()
    },
    onData(stream, session, callback) {
      if (state.fault === 'drop-in-data') {
        stream.once(
          'data',
          () =>
            session &&
            (
              server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }
            ).connections.forEach((c) => c._socket.destroy()),
        )
        stream.resume()
        return
      }
      if (state.fault === 'slow') {
        stream.resume()
        stream.on('end', () => setTimeout(() => callback(), options.slowMs ?? 60_000))
        return
      }
      simpleParser(stream).then(
        (parsed) => {
          const to = (session.envelope.rcptTo[0]?.address ?? '').toLowerCase()
          const mail: ReceivedMail = {
            to,
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            parsed,
            acceptedAt: performance.now(),
          }
          mails.push(mail)
          for (const w of [...waiters]) {
            if (!w.to || w.to === to) {
              waiters.splice(waiters.indexOf(w), 1)
              w.resolve(mail)
            }
          }
          callback()
        },
        (error: Error) => callback(error),
      )
    },
  })
  // A client that goes away mid-mail (a killed kiosk, a dropped connection) is
  // that connection's end, not the test's.
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    get fault() {
      return state.fault
    },
    set fault(f: SmtpFault) {
      state.fault = f
    },
    next(to, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no mail to ${to ?? 'anyone'} within ${timeoutMs} ms`)),
          timeoutMs,
        )
        waiters.push({ to: to?.toLowerCase(), resolve: (m) => (clearTimeout(timer), resolve(m)) })
      })
    },
    async find(to, subject, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const hit = [...mails]
          .reverse()
          .find((m) => m.to === to.toLowerCase() && m.subject.includes(subject))
        if (hit) return hit
        if (Date.now() > deadline)
          throw new Error(`no mail "${subject}" to ${to} within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 20))
      }
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
