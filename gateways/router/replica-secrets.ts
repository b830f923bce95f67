import { isAppError } from '../../domain/errors.ts'
import { findDataKey, type WrappedDataKey } from '../../infra/crypto/data-keys.ts'
import type { Sql } from '../../infra/ports/database.ts'

/**
 * Finds a data key in the read models and keeps its wrapped form in the router's local copy; while
 * PostgreSQL does not answer, takes it from the copy, so a router started during an outage can
 * still open the provider keys of the models it knows. Only wrapped keys are ever copied.
 */
export function dataKeysWithCopy(
  db: Sql,
  copy: { dataKey(id: string): WrappedDataKey | null; keepDataKey(row: WrappedDataKey): Promise<void> },
) {
  return async (id: string): Promise<WrappedDataKey | null> => {
    try {
      const row = await findDataKey(db, id)
      if (row) await copy.keepDataKey(row)
      return row
    } catch (error) {
      if (!isAppError(error) || error.code !== 'DATABASE_UNAVAILABLE') throw error
      const copied = copy.dataKey(id)
      if (!copied) throw error
      return copied
    }
  }
}
