import type { SqlExecutor } from './sqlite'
import type { NewUser, UserRecord, UsersRepo } from '../types'

export interface UserRow {
  id: number
  email: string
  name: string
  password_hash: string
  must_change_password: number
  password_expires_at: number | null
  disabled: number
  created_at: number
  updated_at: number
}

export function userFromRow(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    mustChangePassword: row.must_change_password === 1,
    passwordExpiresAt: row.password_expires_at,
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
          `INSERT INTO users (email, name, password_hash, must_change_password, password_expires_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          [
            user.email,
            user.name,
            user.passwordHash,
            user.mustChangePassword ? 1 : 0,
            user.passwordExpiresAt ?? null,
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
      const row = await db.get<UserRow>('SELECT * FROM users WHERE email = ?', [email])
      return row && userFromRow(row)
    },
    async byId(id) {
      const row = await db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id])
      return row && userFromRow(row)
    },
    async list() {
      return (await db.all<UserRow>('SELECT * FROM users ORDER BY email')).map(userFromRow)
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
    async setPassword(id, change) {
      const r = await db.run(
        `UPDATE users SET password_hash = ?, must_change_password = ?, password_expires_at = ?, updated_at = ?
         WHERE id = ?`,
        [change.passwordHash, change.mustChange ? 1 : 0, change.expiresAt, change.now, id],
      )
      return r.changes === 1
    },
    async setEmail(id, email, now) {
      try {
        const r = await db.run('UPDATE users SET email = ?, updated_at = ? WHERE id = ?', [
          email,
          now,
          id,
        ])
        return r.changes === 1
      } catch (error) {
        if (/UNIQUE constraint failed: users\.email/.test(String(error))) return false
        throw error
      }
    },
  }
}
