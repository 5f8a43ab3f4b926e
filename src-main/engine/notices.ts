/**
 * What leaves by mail: the codes (sign-in, new address) and the notices that
 * tell a clerk of every change to their account — never a code in a notice.
 * They are written in the language the clerk chose at the terminal for this
 * visit (setLanguage), else in the configured `locale`.
 */

import type { Api } from '../contract/dispatch'
import { fail, ok, type Result } from '../contract/errors'
import { MailUnavailableError } from '../mail/mailer'
import { noticeLetter, type Letter, type NoticeKind } from '../mail/templates'
import type { UserRecord } from '../store/types'
import type { EngineContext } from './context'

export type CodeLetter = (
  locale: 'fr' | 'en',
  p: { code: string; sentAt: number; ttlMinutes: number; issuer: string; terminalId: string },
) => Letter

/** The language of this visit's mails: the clerk's choice, else the configuration's. */
export function mailLocale(ctx: EngineContext): 'fr' | 'en' {
  return ctx.terminal.language ?? ctx.config.locale
}

/** The language switch (setLanguage): kept by the terminal until the visit ends. */
export function languageMethods(ctx: EngineContext): Pick<Api, 'setLanguage'> {
  return {
    async setLanguage({ locale }) {
      ctx.terminal.language = locale
      return ok({})
    },
  }
}

/** Tells the clerk of a change; a notice that cannot leave is logged for IT, the change stands. */
export async function sendNotice(
  ctx: EngineContext,
  user: UserRecord,
  kind: NoticeKind,
  to = user.email,
): Promise<void> {
  const { config } = ctx
  const letter = noticeLetter(kind, mailLocale(ctx), {
    at: ctx.clock.now(),
    issuer: config.issuer,
    terminalId: config.terminalId,
  })
  try {
    await ctx.mailer.send({ to, ...letter })
  } catch (error) {
    ctx.log.warn('notice not sent', { kind, userId: user.id, error: (error as Error).message })
  }
}

/**
 * The mail a taken address gets instead of a code (beginAddressChange): a notice
 * to its owner, with no code, in the kiosk's language (the owner is not the
 * person at the terminal).
 */
export function addressClaimedLetter(ctx: EngineContext): CodeLetter {
  return (_locale, p) =>
    noticeLetter('address-claimed', ctx.config.locale, {
      at: p.sentAt,
      issuer: p.issuer,
      terminalId: p.terminalId,
    })
}

/** Mails a code; resolves MAIL_UNAVAILABLE (audited) when the server does not take it. */
export async function mailCode(
  ctx: EngineContext,
  user: UserRecord,
  to: string,
  write: CodeLetter,
  code: string,
  now: number,
): Promise<Result<void>> {
  const { config } = ctx
  const letter = write(mailLocale(ctx), {
    code,
    sentAt: now,
    ttlMinutes: Math.round(config.emailCodeTtlSeconds / 60),
    issuer: config.issuer,
    terminalId: config.terminalId,
  })
  try {
    await ctx.mailer.send({ to, ...letter })
    return ok(undefined)
  } catch (error) {
    if (!(error instanceof MailUnavailableError)) throw error
    ctx.log.warn('code not sent', { userId: user.id, error: error.message })
    await ctx.audit({
      event: 'code-sent',
      outcome: 'fail',
      userId: user.id,
      email: user.email,
      factor: 'email',
      detail: 'MAIL_UNAVAILABLE',
    })
    return fail('MAIL_UNAVAILABLE')
  }
}
