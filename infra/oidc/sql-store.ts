import type { Sql } from '../ports/database.ts'
import { alreadyConsumed, entryIndexes, type OidcStore, type Payload } from './adapter.ts'

// oidc-provider's models in the SQL database (table oidc_entries, migrations 0240-0244): what
// `aiaas dev` uses on its PGlite, so a restart keeps sessions and refresh tokens. PostgreSQL runs
// the same SQL. Expiry is decided with this process's clock (injectable for tests).
//
// Expired rows are never returned (every read filters on expires_at) and are deleted by an
// amortized sweep: each upsert deletes up to SWEEP_BATCH expired rows, oldest first. Every upsert
// adds at most one row that will expire, so the expired backlog cannot outgrow the inserts: the
// table stays bounded by the live entries plus one batch, without a timer. SKIP LOCKED keeps two
// replicas' sweeps from waiting on each other.

export interface SqlStoreOptions {
  /** Epoch milliseconds; injectable so tests move time instead of sleeping. */
  now?: () => number
  /** Expired rows deleted per upsert at most. Default 100. */
  sweepBatch?: number
}

const UPSERT = `
INSERT INTO oidc_entries (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, NULL)
ON CONFLICT (model, id) DO UPDATE SET
  payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
  user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at, consumed_at = NULL`

const SWEEP = `
DELETE FROM oidc_entries WHERE (model, id) IN (
  SELECT model, id FROM oidc_entries WHERE expires_at <= $1
   ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)`

// consumed is epoch seconds, as oidc-provider writes it; float8 so both drivers return a number.
const SELECT = `SELECT payload, floor(extract(epoch FROM consumed_at))::float8 AS consumed FROM oidc_entries`

type EntryRow = { payload: Payload | string; consumed: number | null }

function toPayload(row: EntryRow | undefined): Payload | undefined {
  if (!row) return undefined
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Payload) : row.payload
  return row.consumed === null ? payload : { ...payload, consumed: row.consumed }
}

export function sqlStore(db: Sql, options: SqlStoreOptions = {}): OidcStore {
  const now = options.now ?? Date.now
  const sweepBatch = options.sweepBatch ?? 100
  const at = (ms: number) => new Date(ms).toISOString()
  const one = async (where: string, params: unknown[]) => {
    const { rows } = await db.query<EntryRow>(`${SELECT} WHERE ${where} AND expires_at > $1 LIMIT 1`, [
      at(now()),
      ...params,
    ])
    return toPayload(rows[0])
  }
  return (model: string) => ({
    async upsert(id, payload, expiresIn) {
      const { grantId, uid, userCode } = entryIndexes(model, payload)
      const expiresAt = at(now() + expiresIn * 1000)
      const params = [
        model,
        id,
        JSON.stringify(payload),
        grantId ?? null,
        uid ?? null,
        userCode ?? null,
        expiresAt,
      ]
      await db.query(UPSERT, params)
      await db.query(SWEEP, [at(now()), sweepBatch])
    },
    find: (id) => one('model = $2 AND id = $3', [model, id]),
    findByUid: (uid) => one('model = $2 AND uid = $3', [model, uid]),
    findByUserCode: (userCode) => one('model = $2 AND user_code = $3', [model, userCode]),
    async consume(id) {
      // A second UPDATE waits for the first's row lock, then finds consumed_at set: 0 rows.
      const params = [at(now()), model, id]
      const { rowCount } = await db.query(
        'UPDATE oidc_entries SET consumed_at = $1 WHERE model = $2 AND id = $3 AND expires_at > $1 AND consumed_at IS NULL',
        params,
      )
      if (rowCount === 1) return
      const { rows } = await db.query(
        'SELECT 1 FROM oidc_entries WHERE model = $2 AND id = $3 AND expires_at > $1 AND consumed_at IS NOT NULL',
        params,
      )
      if (rows.length > 0) throw alreadyConsumed(model)
    },
    async destroy(id) {
      await db.query('DELETE FROM oidc_entries WHERE model = $1 AND id = $2', [model, id])
    },
    async revokeByGrantId(grantId) {
      await db.query('DELETE FROM oidc_entries WHERE grant_id = $1', [grantId])
    },
  })
}
