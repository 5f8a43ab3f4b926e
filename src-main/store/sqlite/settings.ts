import type { SqlExecutor } from './sqlite'
import type { SettingsRepo } from '../types'

export function sqliteSettings(db: SqlExecutor): SettingsRepo {
  const get = async (name: string): Promise<Uint8Array | undefined> => {
    const row = await db.get<{ value: Buffer }>('SELECT value FROM settings WHERE name = ?', [name])
    return row && new Uint8Array(row.value)
  }
  return {
    get,
    async putIfAbsent(name, value) {
      await db.run(
        'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
        [name, Buffer.from(value)],
      )
      return (await get(name)) ?? value
    },
  }
}
