import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../src-main/config'
import { openRuntime, StartupError } from '../../src-main/runtime'
import { SQLITE_MIGRATIONS } from '../../src-main/store/sqlite/migrations'
import { DB_FILE_NAME, migrate, openSqliteStore } from '../../src-main/store/sqlite/open'
import { SqliteDatabase, STATEMENT_CACHE_SIZE } from '../../src-main/store/sqlite/sqlite'
import { tempDir } from '../support/env'
import { checkKeyStepRead } from '../support/key-step-read'

describe('SQLite store', () => {
  let dir: { path: string; remove(): Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.remove())

  it('reads an account, its keys and its throttle in one statement, as the three separate reads do', async () => {
    const store = await openSqliteStore(dir.path)
    try {
      await checkKeyStepRead(store, 'sqlite')
    } finally {
      await store.close()
    }
  })

  it('creates one 0600 file with WAL, foreign keys, STRICT tables and migrations', async () => {
    const store = await openSqliteStore(dir.path)
    const file = join(dir.path, DB_FILE_NAME)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await store.db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' })
    expect(await store.db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 })
    expect(await store.db.get('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' })
    const tables = await store.db.all<{ name: string; strict: number }>(
      "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    expect(tables.map((t) => t.name)).toEqual([
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
    expect(tables.every((t) => t.strict === 1)).toBe(true)
    await expect(
      store.db.run(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('a@b.fr', 'A', 'h', 'yesterday', 1)",
      ),
    ).rejects.toThrow(/cannot store TEXT value in INTEGER column/)
    await expect(
      store.db.run(
        "INSERT INTO totp_apps (user_id, secret_enc, device_name, created_at) VALUES (99, x'00', 'd', 1)",
      ),
    ).rejects.toThrow(/FOREIGN KEY/)
    await store.close()
    // reopening applies nothing twice
    const again = await openSqliteStore(dir.path)
    expect(await again.db.all('SELECT version FROM schema_migrations')).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
    ])
    await again.close()
  })

  it('keeps addresses unique whatever their case', async () => {
    const store = await openSqliteStore(dir.path)
    const u = { name: 'A', passwordHash: 'h', mustChangePassword: false, now: 1 }
    expect(await store.users.insert({ ...u, email: 'alice@mairie.fr' })).toBe(1)
    expect(await store.users.insert({ ...u, email: 'ALICE@mairie.fr' })).toBeUndefined()
    await store.close()
  })

  it('a code is used or not, never both, and consumed once', async () => {
    const store = await openSqliteStore(dir.path)
    const id = (await store.users.insert({
      email: 'a@b.fr',
      name: 'A',
      passwordHash: 'h',
      mustChangePassword: false,
      now: 1,
    }))!
    const codeId = await store.transaction((tx) =>
      tx.codes.insertReplacing({
        userId: id,
        attemptId: 'x',
        mac: new Uint8Array(32),
        sentAt: 1,
        expiresAt: 2,
      }),
    )
    const results = await Promise.all([
      store.codes.consume(codeId, 3),
      store.codes.consume(codeId, 3),
    ])
    expect(results.sort()).toEqual([false, true])
    await expect(
      store.db.run("UPDATE email_codes SET state = 'active' WHERE id = ?", [codeId]),
    ).rejects.toThrow(/CHECK constraint/)
    await store.close()
  })

  it('conditional updates, repository by repository: each changes only what it names, once', async () => {
    const store = await openSqliteStore(dir.path)
    const user = async (email: string) =>
      (await store.users.insert({
        email,
        name: 'A',
        passwordHash: 'h',
        mustChangePassword: false,
        now: 1,
      }))!
    const alice = await user('alice@mairie.fr')
    const bruno = await user('bruno@mairie.fr')
    const code = (userId: number, attemptId: string, sentAt: number) =>
      store.transaction((tx) =>
        tx.codes.insertReplacing({
          userId,
          attemptId,
          mac: new Uint8Array(32),
          sentAt,
          expiresAt: sentAt + 600_000,
        }),
      )
    // e-mailed codes: the oldest sent after `since` is the account's own, and voidAll voids its active one only
    await code(alice, 'a1', 1_000)
    await code(alice, 'a2', 2_000) // replaces a1
    await code(bruno, 'b1', 500)
    expect(await store.codes.oldestSentSince(alice, 900)).toBe(1_000)
    expect(await store.codes.oldestSentSince(alice, 1_000)).toBe(2_000)
    expect(await store.codes.oldestSentSince(alice, 2_000)).toBeUndefined()
    expect(await store.transaction((tx) => tx.codes.voidAll(alice))).toBe(1)
    expect(await store.transaction((tx) => tx.codes.voidAll(alice))).toBe(0)
    expect(await store.db.all('SELECT user_id, state FROM email_codes ORDER BY id')).toEqual([
      { user_id: alice, state: 'voided' },
      { user_id: alice, state: 'voided' },
      { user_id: bruno, state: 'active' },
    ])
    // recovery codes: each consumed once
    await store.transaction((tx) => tx.recovery.replaceAll(alice, [new Uint8Array(32).fill(1)], 1))
    const [recovery] = await store.recovery.unused(alice)
    expect(await store.recovery.consume(recovery!.id, 5)).toBe(true)
    expect(await store.recovery.consume(recovery!.id, 6)).toBe(false)
    expect(await store.recovery.countUnused(alice)).toBe(0)
    // keys: a key registered as not discoverable reads back as such
    const key = {
      userId: alice,
      publicKey: new Uint8Array([1, 2, 3]),
      signCount: 0,
      aaguid: '00000000-0000-0000-0000-000000000000',
      fmt: 'none',
      name: 'Clé',
      createdAt: 1,
      lastUsedAt: null,
    }
    expect(
      await store.keys.insert({ ...key, id: 'k1', credentialID: 'c1', discoverable: false }),
    ).toBe(true)
    expect(
      await store.keys.insert({ ...key, id: 'k2', credentialID: 'c2', discoverable: true }),
    ).toBe(true)
    expect((await store.keys.listByUser(alice)).map((k) => [k.id, k.discoverable])).toEqual([
      ['k1', false],
      ['k2', true],
    ])
    expect((await store.keys.byCredentialID('c1'))?.discoverable).toBe(false)
    await store.close()
  })

  it('refuses a schema newer than it knows', async () => {
    const store = await openSqliteStore(dir.path)
    await store.db.run(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
    )
    await store.close()
    await expect(openSqliteStore(dir.path)).rejects.toThrow(
      /schema version 99, newer than this Guichet knows/,
    )
  })

  it('names the path of a damaged database', async () => {
    const file = join(dir.path, DB_FILE_NAME)
    await writeFile(file, Buffer.alloc(8192, 7))
    const config = parseConfig({ dataDir: dir.path, mail: { outbox: 'out' } })
    const error = await openRuntime(config).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StartupError)
    expect((error as Error).message).toContain(file)
    expect((error as Error).message).toMatch(/damaged or not a Guichet database/)
  })

  it('names a data folder that cannot be written', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: use a path under a regular file instead
      await writeFile(join(dir.path, 'file'), 'x')
      const config = parseConfig({ dataDir: join(dir.path, 'file', 'data') })
      await expect(openRuntime(config)).rejects.toThrow(
        new RegExp(`data folder ${join(dir.path, 'file', 'data')} cannot be created or written`),
      )
      return
    }
    const ro = join(dir.path, 'ro')
    await mkdir(ro)
    await chmod(ro, 0o500)
    const config = parseConfig({ dataDir: join(ro, 'data') })
    await expect(openRuntime(config)).rejects.toThrow(/cannot be created or written/)
  })
})

describe('kept prepared statements', () => {
  let dir: { path: string; remove(): Promise<void> }
  let db: SqliteDatabase
  beforeEach(async () => {
    dir = await tempDir()
    db = await SqliteDatabase.open(join(dir.path, DB_FILE_NAME))
    await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT')
  })
  afterEach(async () => {
    await db.close()
    await dir.remove()
  })

  it('prepares a statement once and binds it afresh at each use', async () => {
    const insert = 'INSERT INTO t (id, v) VALUES (?, ?)'
    const before = db.keptStatements
    for (let i = 1; i <= 5; i += 1) expect((await db.run(insert, [i, `v${i}`])).lastID).toBe(i)
    expect(db.keptStatements).toBe(before + 1)
    expect(await db.get('SELECT v FROM t WHERE id = ?', [4])).toEqual({ v: 'v4' })
    expect(await db.get('SELECT v FROM t WHERE id = ?', [9])).toBeUndefined()
    expect(await db.get('SELECT v FROM t WHERE id = ?', [2])).toEqual({ v: 'v2' })
    const update = await db.run('UPDATE t SET v = ? WHERE id > ?', ['x', 3])
    expect(update.changes).toBe(2)
    expect(db.keptStatements).toBe(before + 3)
  })

  it('leaves no read open: another connection’s write is seen, and this one can still write', async () => {
    await db.run('INSERT INTO t (id, v) VALUES (1, ?)', ['old'])
    // a read whose statement stopped at its first row would keep this connection's snapshot
    expect(await db.get('SELECT v FROM t WHERE id > ?', [0])).toEqual({ v: 'old' })
    const other = await SqliteDatabase.open(join(dir.path, DB_FILE_NAME))
    try {
      await other.run('UPDATE t SET v = ? WHERE id = 1', ['new'])
      expect(await db.all('SELECT v FROM t')).toEqual([{ v: 'new' }])
      await db.transaction((tx) => tx.run('UPDATE t SET v = ? WHERE id = 1', ['mine']))
      expect(await other.all('SELECT v FROM t')).toEqual([{ v: 'mine' }])
    } finally {
      await other.close()
    }
  })

  it('keeps at most STATEMENT_CACHE_SIZE, and a statement that does not prepare is not kept', async () => {
    for (let i = 0; i < STATEMENT_CACHE_SIZE + 20; i += 1)
      expect(await db.get(`SELECT ${i} AS n FROM t WHERE id = ?`, [0])).toBeUndefined()
    expect(db.keptStatements).toBe(STATEMENT_CACHE_SIZE)
    await expect(db.all('SELECT nope FROM t')).rejects.toThrow(/no such column: nope/)
    await expect(db.all('SELECT nope FROM t')).rejects.toThrow(/no such column: nope/)
    expect(db.keptStatements).toBe(STATEMENT_CACHE_SIZE)
    expect(await db.get('SELECT 1 AS n FROM t WHERE id = ?', [0])).toBeUndefined()
  })

  it('a statement asked for during a transaction runs after it, not inside it', async () => {
    let inside: () => void = () => undefined
    const started = new Promise<void>((resolve) => (inside = resolve))
    const failing = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'in the transaction'])
      inside()
      await new Promise((resolve) => setTimeout(resolve, 50))
      throw new Error('rolled back')
    })
    await started
    // asked for while the transaction is open: a ROLLBACK must not take it away
    const outside = db.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'outside'])
    await expect(failing).rejects.toThrow('rolled back')
    await outside
    expect(await db.all('SELECT id, v FROM t')).toEqual([{ id: 2, v: 'outside' }])
  })

  it('statements and transactions asked for together: no statement ends up inside a transaction', async () => {
    const calls: Promise<unknown>[] = []
    for (let i = 1; i <= 10; i += 1) {
      calls.push(db.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'outside']))
      calls.push(
        db
          .transaction(async (tx) => {
            await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [100 + i, 'inside'])
            await tx.get('SELECT count(*) AS n FROM t')
            throw new Error('rolled back')
          })
          .catch((error: Error) => error.message),
      )
      calls.push(db.get('SELECT v FROM t WHERE id = ?', [i]))
    }
    const results = await Promise.all(calls)
    expect(results.filter((r) => r === 'rolled back')).toHaveLength(10)
    const rows = await db.all<{ id: number; v: string }>('SELECT id, v FROM t ORDER BY id')
    expect(rows).toEqual(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, v: 'outside' })))
  })

  it('a failed statement in a transaction rolls it back, and the kept statements go on working', async () => {
    await db.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a'])
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'b'])
        await tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'dup'])
      }),
    ).rejects.toThrow(/UNIQUE/)
    expect(await db.all('SELECT id, v FROM t')).toEqual([{ id: 1, v: 'a' }])
    await db.transaction((tx) => tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [2, 'b']))
    expect(await db.all('SELECT id FROM t')).toEqual([{ id: 1 }, { id: 2 }])
  })
})

describe('migrations', () => {
  it('brings a version-1 store with data to the current version without loss', async () => {
    const dir = await tempDir()
    try {
      const db = await SqliteDatabase.open(join(dir.path, DB_FILE_NAME))
      await migrate(db, SQLITE_MIGRATIONS.slice(0, 1))
      await db.run(
        "INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('a@b.fr', 'A', 'h', 1, 1)",
      )
      await db.run(
        "INSERT INTO totp_apps (user_id, secret_enc, device_name, created_at) VALUES (1, x'01', 'tel', 1)",
      )
      await db.close()
      const store = await openSqliteStore(dir.path)
      expect(await store.db.all('SELECT version FROM schema_migrations')).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
        { version: 4 },
      ])
      expect((await store.users.byEmail('a@b.fr'))?.name).toBe('A')
      expect((await store.apps.get(1))?.deviceName).toBe('tel')
      expect(await store.keys.listByUser(1)).toEqual([])
      await store.close()
    } finally {
      await dir.remove()
    }
  })
})

describe('the data key', () => {
  it('a terminal whose data key differs from the store’s refuses to start, with a sentence', async () => {
    const dir = await tempDir()
    try {
      const config = parseConfig({ dataDir: dir.path, mail: { outbox: 'out' } })
      const first = await openRuntime(config)
      await first.close()
      const otherKey = { getDataKey: async () => new Uint8Array(32).fill(7) }
      const error = await openRuntime(config, { keyProvider: otherKey }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StartupError)
      expect((error as Error).message).toMatch(
        /data key does not open the secrets of the account store .*: every terminal sharing a store must use the same data key/,
      )
      // the right key still opens it
      const again = await openRuntime(config)
      await again.close()
    } finally {
      await dir.remove()
    }
  })
})
