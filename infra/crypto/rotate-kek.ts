import { AppError } from '../../domain/errors.ts'
import type { Sql } from '../ports/database.ts'
import { dataKeysNotWrappedBy, replaceWrapping, unwrapDataKey, wrapDataKey } from './data-keys.ts'
import type { Keyring } from './keyring.ts'

export interface Rotation {
  /** Data keys now wrapped by the active KEK. */
  rewrapped: number
  /** Data keys another rotation re-wrapped first (skipped here). */
  skipped: number
}

const PAGE = 200

/**
 * Re-wraps every data key with the keyring's active KEK (`aiaas secrets rotate-kek`). Each row is
 * replaced only if still wrapped by the KEK it was read with, so two rotations at once or a
 * rotation racing a new secret never lose a key. Idempotent: a second run re-wraps nothing.
 */
export async function rotateKek(db: Sql, keyring: Keyring): Promise<Rotation> {
  const result: Rotation = { rewrapped: 0, skipped: 0 }
  let after: string | null = null
  for (;;) {
    const page = await dataKeysNotWrappedBy(db, keyring.active.id, after, PAGE)
    for (const row of page) {
      const kek = keyring.find(row.kek_id)
      if (!kek) {
        throw new AppError('SECRET_UNREADABLE', `key-encryption key ${row.kek_id} is not in AIAAS_KEK`, {
          data_key_id: row.data_key_id,
        })
      }
      const dataKey = unwrapDataKey(kek, row)
      const replaced = await replaceWrapping(
        db,
        wrapDataKey(keyring.active, row.data_key_id, dataKey),
        kek.id,
      )
      dataKey.fill(0)
      if (replaced) result.rewrapped++
      else result.skipped++
    }
    const last = page.at(-1)
    if (!last || page.length < PAGE) return result
    after = last.data_key_id
  }
}
