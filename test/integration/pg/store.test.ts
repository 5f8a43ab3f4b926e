// The PostgreSQL store itself: schema, migrations, and the rules that must hold
// across terminals (two pools on one database are two terminals).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SQLITE_MIGRATIONS } from '../../../src-main/store/sqlite/migrations'
import { PgDatabase } from '../../../src-main/store/pg/database'
import { PG_MIGRATIONS } from '../../../src-main/store/pg/migrations'
import { migratePg, openPgStore, type PgStore } from '../../../src-main/store/pg/open'
import type { ThrottlePolicy } from '../../../src-main/store/types'
import { checkKeyStepRead } from '../../support/key-step-read'
import { createTestDatabase, type TestDatabase } from '../../support/pg'

const POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseWaitMs: 30_000,
  maxWaitMs: 900_000,
  forgetAfterMs: 86_400_000,
}

const user = (email: string) => ({
  email,
  name: 'A',
  passwordHash: 'h',
  mustChangePassword: false,
  now: 1,
})

async function fresh(label: string): Promise<{ db: TestDatabase; open(): Promise<PgStore> }> {
  const db = await createTestDatabase(label)
  return { db, open: () => openPgStore({ url: db.url, password: db.password }) }
}

describe('PostgreSQL store', () => {
  let db: TestDatabase
  let a: PgStore
  let b: PgStore
  beforeAll(async () => {
    db = await createTestDatabase('store')
    a = await openPgStore({ url: db.url, password: db.password })
    b = await openPgStore({ url: db.url, password: db.password })
  })
  afterAll(async () => {
    await a.close()
    await b.close()
    await db.drop()
  })

  it('has the same numbered migrations as SQLite, applied once, by a role that is no superuser', async () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(
      SQLITE_MIGRATIONS.map((m) => [m.version, m.name]),
    )
    const versions = await a.pg.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    )
    expect(versions.rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }])
    const tables = await a.pg.query<{ t: string }>(
      "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    expect(tables.rows.map((r) => r.t)).toEqual([
      'address_codes',
      'audit',
      'email_codes',
      'recovery_codes',
      'schema_migrations',
      'security_keys',
      'settings',
      'throttle',
      'totp_apps',
      'users',
    ])
    const role = await a.pg.query<{
      rolsuper: boolean
      rolcreatedb: boolean
      rolcreaterole: boolean
    }>('SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user')
    expect(role.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false })
    expect(a.location).toBe(db.url)
    expect(a.location).not.toContain(db.password)
  })

  it('keeps addresses unique whatever their case, and reads times as numbers', async () => {
    const id = await a.users.insert({ ...user('alice@mairie.fr'), now: 1_790_000_000_123 })
    expect(id).toBeTypeOf('number')
    expect(await b.users.insert(user('ALICE@mairie.fr'))).toBeUndefined()
    const found = await b.users.byEmail('Alice@Mairie.FR')
    expect(found).toMatchObject({ id, email: 'alice@mairie.fr', createdAt: 1_790_000_000_123 })
    expect(await a.users.count()).toBe(1)
  })

  it('a taken address answers false inside a transaction, which still commits the rest', async () => {
    const x = (await a.users.insert(user('x@mairie.fr')))!
    await a.users.insert(user('y@mairie.fr'))
    const result = await a.transaction(async (tx) => {
      await tx.audit.append({ at: 5, terminalId: 'poste-1', event: 'probe', outcome: 'ok' })
      return tx.users.setEmail(x, 'Y@mairie.fr', 6)
    })
    expect(result).toBe(false)
    expect((await a.audit.list()).some((e) => e.event === 'probe')).toBe(true)
    expect((await a.users.byId(x))?.email).toBe('x@mairie.fr')
  })

  it('a TOTP step is accepted once when two terminals race, 200 times', async () => {
    const id = (await a.users.insert(user('totp@mairie.fr')))!
    await a.apps.put({
      userId: id,
      secretEnc: new Uint8Array([1, 2, 3]),
      deviceName: 'tel',
      createdAt: 1,
      lastStep: -1,
    })
    for (let step = 1; step <= 200; step++) {
      const won = await Promise.all([a.apps.markStepUsed(id, step), b.apps.markStepUsed(id, step)])
      expect(won.filter(Boolean)).toHaveLength(1)
    }
    expect((await b.apps.get(id))?.lastStep).toBe(200)
    expect(await a.apps.markStepUsed(id, 150)).toBe(false)
  })

  it('an e-mailed code, a recovery code and an address code are consumed once', async () => {
    const id = (await a.users.insert(user('codes@mairie.fr')))!
    for (let i = 0; i < 50; i++) {
      const codeId = await a.transaction((tx) =>
        tx.codes.insertReplacing({
          userId: id,
          attemptId: `t${i}`,
          mac: new Uint8Array(32).fill(i),
          sentAt: i,
          expiresAt: i + 600_000,
        }),
      )
      const used = await Promise.all([
        a.codes.consume(codeId, i + 1),
        b.codes.consume(codeId, i + 1),
      ])
      expect(used.filter(Boolean)).toHaveLength(1)
    }
    await a.transaction((tx) =>
      tx.recovery.replaceAll(id, [new Uint8Array([1]), new Uint8Array([2])], 1),
    )
    const [first] = await b.recovery.unused(id)
    expect(first?.mac).toEqual(new Uint8Array([1]))
    const used = await Promise.all([
      a.recovery.consume(first!.id, 2),
      b.recovery.consume(first!.id, 2),
    ])
    expect(used.filter(Boolean)).toHaveLength(1)
    expect(await a.recovery.countUnused(id)).toBe(1)
    const addressId = await a.transaction((tx) =>
      tx.addressCodes.insertReplacing({
        userId: id,
        newEmail: 'new@mairie.fr',
        mac: new Uint8Array(32),
        sentAt: 1,
        expiresAt: 2,
      }),
    )
    const changed = await Promise.all([
      a.addressCodes.consume(addressId, 3),
      b.addressCodes.consume(addressId, 3),
    ])
    expect(changed.filter(Boolean)).toHaveLength(1)
    await expect(
      a.pg.query("UPDATE email_codes SET state = 'active' WHERE user_id = $1 AND state = 'used'", [
        id,
      ]),
    ).rejects.toThrow(/check constraint/)
  })

  it('reads an account, its keys and its throttle in one statement, as the three separate reads do', async () => {
    await checkKeyStepRead(a, 'pg')
  })

  it('counts failures atomically: 2 terminals × 20 at once make 40', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).throttle.recordFailure('burst@mairie.fr', 1000, POLICY),
      ),
    )
    const t = await a.throttle.get('burst@mairie.fr')
    expect(t?.failures).toBe(40)
    expect(t?.lockedUntil).toBe(1000 + POLICY.maxWaitMs)
  })

  it('follows the same throttle schedule as SQLite', async () => {
    const waits: number[] = []
    for (let i = 0; i < 8; i++) {
      const t = await a.throttle.recordFailure('schedule@mairie.fr', 10_000, POLICY)
      waits.push(t.lockedUntil && t.lockedUntil - 10_000)
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 30_000, 60_000, 120_000])
    // a quiet day forgets
    const later = await b.throttle.recordFailure('schedule@mairie.fr', 10_000 + 86_400_001, POLICY)
    expect(later.failures).toBe(1)
  })

  it('two voiding codes sent at once leave exactly one active', async () => {
    const id = (await a.users.insert(user('twice@mairie.fr')))!
    for (let i = 0; i < 20; i++) {
      await Promise.all(
        [a, b].map((s, j) =>
          s.transaction((tx) =>
            tx.codes.insertReplacing({
              userId: id,
              attemptId: `r${i}-${j}`,
              mac: new Uint8Array(32),
              sentAt: i,
              expiresAt: i + 1,
            }),
          ),
        ),
      )
      const active = await a.pg.query<{ n: number }>(
        "SELECT count(*) AS n FROM email_codes WHERE user_id = $1 AND state = 'active'",
        [id],
      )
      expect(active.rows[0]?.n).toBe(1)
    }
  })
})

describe('PostgreSQL migrations', () => {
  it('two terminals starting on an empty database migrate it once', async () => {
    const { db, open } = await fresh('together')
    try {
      const stores = await Promise.all([open(), open(), open()])
      const versions = await stores[0]!.pg.query('SELECT version FROM schema_migrations')
      expect(versions.rowCount).toBe(4)
      for (const s of stores) await s.close()
    } finally {
      await db.drop()
    }
  })

  it('brings a version-1 store with data to the current version without loss', async () => {
    const { db, open } = await fresh('v1')
    try {
      const raw = new PgDatabase({ url: db.url, password: db.password })
      await migratePg(raw, PG_MIGRATIONS.slice(0, 1))
      await raw.query(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('a@b.fr', 'A', 'h', 1, 1)",
      )
      await raw.query(
        "INSERT INTO totp_apps (user_id, secret_enc, device_name, created_at) VALUES (1, '\\x01', 'tel', 1)",
      )
      await raw.close()
      const store = await open()
      expect((await store.users.byEmail('a@b.fr'))?.passwordExpiresAt).toBeNull()
      expect((await store.apps.get(1))?.secretEnc).toEqual(new Uint8Array([1]))
      expect(await store.keys.listByUser(1)).toEqual([])
      await store.close()
    } finally {
      await db.drop()
    }
  })

  it('refuses a schema newer than it knows', async () => {
    const { db, open } = await fresh('newer')
    try {
      const store = await open()
      await store.pg.query(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
      )
      await store.close()
      await expect(open()).rejects.toThrow(
        /schema version 99, newer than this Guichet knows \(4\): update Guichet on this terminal/,
      )
    } finally {
      await db.drop()
    }
  })
})
