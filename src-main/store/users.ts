import type { SqlExecutor } from './sqlite'
import type { NewUser, UserRecord, UsersRepo } from './types'

interface Row {
  id: number
  email: string
  name: string
  password_hash: string
  must_change_password: number
  disabled: number
  created_at: number
  updated_at: number
}

function toRecord(row: Row): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    mustChangePassword: row.must_change_password === 1,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function sqliteUsers(db: SqlExecutor): UsersRepo {
  return {
    async insert(user: NewUser): Promise<number | undefined> {
      try {
        const r = await db.run(
          `INSERT INTO users (email, name, password_hash, must_change_password, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [
            user.email,
            user.name,
            user.passwordHash,
            user.mustChangePassword ? 1 : 0,
            user.now,
            user.now,
          ],
        )
        return r.lastID
      } catch (error) {
        if (/SQLITE_CONSTRAINT.*UNIQUE|UNIQUE constraint failed: users\.email/.test(String(error)))
          return undefined
        throw error
      }
    },
    async byEmail(email) {
      const row = await db.get<Row>('SELECT * FROM users WHERE email = ?', [email])
      return row && toRecord(row)
    },
    async byId(id) {
      const row = await db.get<Row>('SELECT * FROM users WHERE id = ?', [id])
      return row && toRecord(row)
    },
    async list() {
      return (await db.all<Row>('SELECT * FROM users ORDER BY email')).map(toRecord)
    },
    async count() {
      return (await db.get<{ n: number }>('SELECT count(*) AS n FROM users'))?.n ?? 0
    },
    async setDisabled(id, disabled, now) {
      const r = await db.run('UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?', [
        disabled ? 1 : 0,
        now,
        id,
      ])
      return r.changes === 1
    },
    async setPassword(id, passwordHash, mustChange, now) {
      const r = await db.run(
        'UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?',
        [passwordHash, mustChange ? 1 : 0, now, id],
      )
      return r.changes === 1
    },
  }
}
