import type { SqlExecutor } from './sqlite'
import type { AppRecord, AppsRepo } from '../types'

interface Row {
  user_id: number
  secret_enc: Buffer
  device_name: string
  created_at: number
  last_step: number
}

export function sqliteApps(db: SqlExecutor): AppsRepo {
  return {
    async get(userId) {
      const r = await db.get<Row>('SELECT * FROM totp_apps WHERE user_id = ?', [userId])
      return (
        r && {
          userId: r.user_id,
          secretEnc: new Uint8Array(r.secret_enc),
          deviceName: r.device_name,
          createdAt: r.created_at,
          lastStep: r.last_step,
        }
      )
    },
    async put(app: AppRecord) {
      await db.run(
        `INSERT INTO totp_apps (user_id, secret_enc, device_name, created_at, last_step)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET secret_enc = excluded.secret_enc,
           device_name = excluded.device_name, created_at = excluded.created_at,
           last_step = excluded.last_step`,
        [app.userId, Buffer.from(app.secretEnc), app.deviceName, app.createdAt, app.lastStep],
      )
    },
    async remove(userId) {
      return (await db.run('DELETE FROM totp_apps WHERE user_id = ?', [userId])).changes === 1
    },
    async markStepUsed(userId, step) {
      const r = await db.run(
        'UPDATE totp_apps SET last_step = ? WHERE user_id = ? AND last_step < ?',
        [step, userId, step],
      )
      return r.changes === 1
    },
  }
}
