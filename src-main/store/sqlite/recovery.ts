import type { SqlExecutor } from './sqlite'
import type { RecoveryCodesTxRepo } from '../types'

export function sqliteRecoveryCodes(db: SqlExecutor): RecoveryCodesTxRepo {
  return {
    async replaceAll(userId, macs, now) {
      await db.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId])
      for (const mac of macs) {
        await db.run(
          'INSERT INTO recovery_codes (user_id, code_mac, created_at) VALUES (?, ?, ?)',
          [userId, Buffer.from(mac), now],
        )
      }
    },
    async unused(userId) {
      const rows = await db.all<{ id: number; code_mac: Buffer }>(
        'SELECT id, code_mac FROM recovery_codes WHERE user_id = ? AND used_at IS NULL ORDER BY id',
        [userId],
      )
      return rows.map((r) => ({ id: r.id, mac: new Uint8Array(r.code_mac) }))
    },
    async countUnused(userId) {
      const row = await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL',
        [userId],
      )
      return row?.n ?? 0
    },
    async consume(id, now) {
      const r = await db.run(
        'UPDATE recovery_codes SET used_at = ? WHERE id = ? AND used_at IS NULL',
        [now, id],
      )
      return r.changes === 1
    },
    async removeAll(userId) {
      return (await db.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId])).changes
    },
  }
}
