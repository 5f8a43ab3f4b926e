import type { AppRecord, AppsRepo } from '../types'
import type { PgExecutor } from './database'

interface Row {
  user_id: number
  secret_enc: Buffer
  device_name: string
  created_at: number
  last_step: number
}

export function pgApps(db: PgExecutor): AppsRepo {
  return {
    async get(userId) {
      const r = (await db.query<Row>('SELECT * FROM totp_apps WHERE user_id = $1', [userId]))
        .rows[0]
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
      await db.query(
        `INSERT INTO totp_apps (user_id, secret_enc, device_name, created_at, last_step)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc,
           device_name = EXCLUDED.device_name, created_at = EXCLUDED.created_at,
           last_step = EXCLUDED.last_step`,
        [app.userId, Buffer.from(app.secretEnc), app.deviceName, app.createdAt, app.lastStep],
      )
    },
    async remove(userId) {
      return (await db.query('DELETE FROM totp_apps WHERE user_id = $1', [userId])).rowCount === 1
    },
    async markStepUsed(userId, step) {
      // Conditional update: when two terminals race with the same code, the second
      // waits for the first's row lock, then finds last_step no longer below the step.
      const r = await db.query(
        'UPDATE totp_apps SET last_step = $2 WHERE user_id = $1 AND last_step < $2',
        [userId, step],
      )
      return r.rowCount === 1
    },
  }
}
