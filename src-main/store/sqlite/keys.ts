import type { SqlExecutor } from './sqlite'
import type { KeyRecord, KeysRepo } from '../types'
import { KEY_COLUMNS, prefixed, THROTTLE_COLUMNS, unprefixed, USER_COLUMNS } from '../columns'
import { throttleFromRow, type ThrottleRow } from './throttle'
import { userFromRow, type UserRow } from './users'

interface Row {
  id: string
  user_id: number
  credential_id: string
  public_key: Buffer
  sign_count: number
  aaguid: string
  fmt: string
  discoverable: number
  name: string
  created_at: number
  last_used_at: number | null
}

const toRecord = (r: Row): KeyRecord => ({
  id: r.id,
  userId: r.user_id,
  credentialID: r.credential_id,
  publicKey: new Uint8Array(r.public_key),
  signCount: r.sign_count,
  aaguid: r.aaguid,
  fmt: r.fmt,
  discoverable: r.discoverable === 1,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
})

export function sqliteKeys(db: SqlExecutor): KeysRepo {
  return {
    async listByUser(userId) {
      const rows = await db.all<Row>(
        'SELECT * FROM security_keys WHERE user_id = ? ORDER BY created_at, id',
        [userId],
      )
      return rows.map(toRecord)
    },
    async withAccount(userId, subject) {
      // One row per key (one with no key when there is none), each carrying the
      // account and the throttle row; the base row makes both joins optional.
      const rows = await db.all<Record<string, unknown>>(
        `SELECT ${prefixed('u', USER_COLUMNS)}, ${prefixed('k', KEY_COLUMNS)}, ${prefixed('t', THROTTLE_COLUMNS)}
         FROM (SELECT 1) AS one
         LEFT JOIN users AS u ON u.id = ?1
         LEFT JOIN security_keys AS k ON k.user_id = u.id
         LEFT JOIN throttle AS t ON t.subject = ?2
         ORDER BY k.created_at, k.id`,
        [userId, subject],
      )
      const first = rows[0] ?? {}
      const user = unprefixed<UserRow>(first, 'u', USER_COLUMNS, 'id')
      const throttle = unprefixed<ThrottleRow>(first, 't', THROTTLE_COLUMNS, 'subject')
      return {
        user: user && userFromRow(user),
        keys: rows.flatMap((r) => {
          const key = unprefixed<Row>(r, 'k', KEY_COLUMNS, 'id')
          return key ? [toRecord(key)] : []
        }),
        throttle: throttle && throttleFromRow(throttle),
      }
    },
    async byCredentialID(credentialID) {
      const row = await db.get<Row>('SELECT * FROM security_keys WHERE credential_id = ?', [
        credentialID,
      ])
      return row && toRecord(row)
    },
    async insert(k) {
      const r = await db.run(
        `INSERT INTO security_keys (id, user_id, credential_id, public_key, sign_count, aaguid, fmt, discoverable, name, created_at, last_used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (credential_id) DO NOTHING`,
        [
          k.id,
          k.userId,
          k.credentialID,
          Buffer.from(k.publicKey),
          k.signCount,
          k.aaguid,
          k.fmt,
          k.discoverable ? 1 : 0,
          k.name,
          k.createdAt,
          k.lastUsedAt,
        ],
      )
      return r.changes === 1
    },
    async remove(userId, id) {
      return (
        (await db.run('DELETE FROM security_keys WHERE user_id = ? AND id = ?', [userId, id]))
          .changes === 1
      )
    },
    async removeAll(userId) {
      return (await db.run('DELETE FROM security_keys WHERE user_id = ?', [userId])).changes
    },
    async advanceCounter(credentialID, signCount, now) {
      const r = await db.run(
        `UPDATE security_keys SET sign_count = ?2, last_used_at = ?3
         WHERE credential_id = ?1 AND (sign_count < ?2 OR (sign_count = 0 AND ?2 = 0))`,
        [credentialID, signCount, now],
      )
      return r.changes === 1
    },
  }
}
