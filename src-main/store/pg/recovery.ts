import type { RecoveryCodesTxRepo } from '../types'
import type { PgExecutor } from './database'

export function pgRecoveryCodes(db: PgExecutor): RecoveryCodesTxRepo {
  return {
    async replaceAll(userId, macs, now) {
      await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId])
      if (macs.length === 0) return
      // One statement for the set: the MACs as one array parameter.
      await db.query(
        `INSERT INTO recovery_codes (user_id, code_mac, created_at)
         SELECT $1, mac, $3 FROM unnest($2::bytea[]) WITH ORDINALITY AS m(mac, n) ORDER BY n`,
        [userId, macs.map((m) => Buffer.from(m)), now],
      )
    },
    async unused(userId) {
      const r = await db.query<{ id: number; code_mac: Buffer }>(
        'SELECT id, code_mac FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY id',
        [userId],
      )
      return r.rows.map((row) => ({ id: row.id, mac: new Uint8Array(row.code_mac) }))
    },
    async countUnused(userId) {
      const r = await db.query<{ n: number }>(
        'SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL',
        [userId],
      )
      return r.rows[0]?.n ?? 0
    },
    async consume(id, now) {
      const r = await db.query(
        'UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL',
        [id, now],
      )
      return r.rowCount === 1
    },
    async removeAll(userId) {
      return (await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId])).rowCount
    },
  }
}
