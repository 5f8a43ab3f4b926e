import type { SettingsRepo } from '../types'
import type { PgExecutor } from './database'

export function pgSettings(db: PgExecutor): SettingsRepo {
  const get = async (name: string): Promise<Uint8Array | undefined> => {
    const r = await db.query<{ value: Buffer }>('SELECT value FROM settings WHERE name = $1', [
      name,
    ])
    const row = r.rows[0]
    return row && new Uint8Array(row.value)
  }
  return {
    get,
    async putIfAbsent(name, value) {
      await db.query(
        'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
        [name, Buffer.from(value)],
      )
      return (await get(name)) ?? value
    },
  }
}
