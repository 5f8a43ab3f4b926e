// Seeding the bench's stores. Hashing 100,000 passwords would take ~90 min of
// argon2, so one PHC string (the same password at the same parameters) is
// inserted for every row, by SQLite itself in one statement. The few accounts
// that sign in with an app enroll it through the engine's own API (sign in by
// e-mailed code, begin, confirm), as a clerk would.

import type { Engine } from '../../src-main/engine/engine'
import { totpCodeAt } from '../../src-main/engine/totp'
import type { SqliteDatabase } from '../../src-main/store/sqlite/sqlite'
import type { Store } from '../../src-main/store/types'
import { PASSWORD, value, type TestBed } from '../../test/support/env'

export const DOMAIN = 'mairie.fr'

export function agentEmail(n: number): string {
  return `agent${n}@${DOMAIN}`
}

/** The store's own connection (openSqliteStore returns it beside the repositories). */
export function dbOf(store: Store): SqliteDatabase {
  const db = (store as Store & { db?: SqliteDatabase }).db
  if (!db) throw new Error('the store has no SQLite connection')
  return db
}

/**
 * Inserts accounts agent{from}…agent{to}@mairie.fr, all with `passwordHash`,
 * in one INSERT … SELECT over a recursive sequence (one transaction).
 */
export async function insertAccounts(
  store: Store,
  from: number,
  to: number,
  passwordHash: string,
  now: number,
): Promise<void> {
  await dbOf(store).transaction(async (tx) => {
    await tx.run(
      `INSERT INTO users (email, name, password_hash, must_change_password, created_at, updated_at)
       WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)
       SELECT 'agent' || n || '@${DOMAIN}', 'Agent ' || n, ?3, 0, ?4, ?4 FROM seq`,
      [from, to, passwordHash, now],
    )
  })
}

/** `count` account numbers spread evenly over 1…total (not all at one end of the index). */
export function spread(total: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) =>
    Math.min(total, Math.max(1, Math.round(((i + 0.5) * total) / count))),
  )
}

export interface AppAccount {
  email: string
  userId: number
  /** The base32 secret the clerk's app holds. */
  secret: string
}

/** The secret in an otpauth:// URI. */
export function secretOfUri(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret')
  if (!secret) throw new Error(`no secret in ${uri}`)
  return secret
}

/**
 * Enrolls an authenticator app for `email` through the engine: password, the
 * e-mailed code from the bed's SMTP server, beginAppEnrollment, then the
 * app's code for the new secret. Leaves the terminal signed out.
 */
export async function enrollApp(bed: TestBed, engine: Engine, email: string): Promise<AppAccount> {
  value(await engine.signIn({ email, password: PASSWORD }))
  const mail = await bed.smtp.find(email, 'code')
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1]
  if (!code) throw new Error(`no code mailed to ${email}`)
  value(await engine.verifyCode({ code }))
  const view = value(await engine.beginAppEnrollment({}))
  const secret = secretOfUri(view.uri)
  bed.clock.advance(30_000) // the next step, as an app shows it
  value(
    await engine.confirmAppEnrollment({
      code: await totpCodeAt(secret, bed.clock.t),
      deviceName: 'Téléphone',
    }),
  )
  value(await engine.signOut({}))
  const user = await bed.store.users.byEmail(email)
  if (!user) throw new Error(`${email} vanished`)
  return { email, userId: user.id, secret }
}
