import type { NewUser, UserRecord, UsersRepo } from '../types'
import type { PgExecutor } from './database'
import { EMAIL_KEY } from './migrations'

export interface UserRow {
  id: number
  email: string
  name: string
  password_hash: string
  must_change_password: boolean
  password_expires_at: number | null
  disabled: boolean
  created_at: number
  updated_at: number
}

export const userFromRow = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  passwordHash: row.password_hash,
  mustChangePassword: row.must_change_password,
  passwordExpiresAt: row.password_expires_at,
  disabled: row.disabled,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export function pgUsers(db: PgExecutor): UsersRepo {
  return {
    async insert(user: NewUser) {
      // The only unique key a new row can break is the address (the id is generated).
      const r = await db.query<{ id: number }>(
        `INSERT INTO users (email, name, password_hash, must_change_password, password_expires_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id`,
        [
          user.email,
          user.name,
          user.passwordHash,
          user.mustChangePassword,
          user.passwordExpiresAt ?? null,
          user.now,
        ],
      )
      return r.rows[0]?.id
    },
    async byEmail(email) {
      const r = await db.query<UserRow>(
        `SELECT * FROM users WHERE ${EMAIL_KEY} = lower($1 COLLATE "C")`,
        [email],
      )
      return r.rows[0] && userFromRow(r.rows[0])
    },
    async byId(id) {
      const r = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id])
      return r.rows[0] && userFromRow(r.rows[0])
    },
    async list() {
      const r = await db.query<UserRow>(`SELECT * FROM users ORDER BY ${EMAIL_KEY}, id`)
      return r.rows.map(userFromRow)
    },
    async count() {
      const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM users')
      return r.rows[0]?.n ?? 0
    },
    async setDisabled(id, disabled, now) {
      const r = await db.query('UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1', [
        id,
        disabled,
        now,
      ])
      return r.rowCount === 1
    },
    async setPassword(id, change) {
      const r = await db.query(
        `UPDATE users SET password_hash = $2, must_change_password = $3, password_expires_at = $4, updated_at = $5
         WHERE id = $1`,
        [id, change.passwordHash, change.mustChange, change.expiresAt, change.now],
      )
      return r.rowCount === 1
    },
    async setEmail(id, email, now) {
      // Under a savepoint: an address taken by another account answers false and
      // leaves the caller's transaction usable, as SQLite does.
      const r = await db.unlessUnique(
        'UPDATE users SET email = $2, updated_at = $3 WHERE id = $1',
        [id, email, now],
      )
      return r?.rowCount === 1
    },
  }
}
