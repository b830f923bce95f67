import type { Sql } from '../../infra/ports/database.ts'

// The admin_idempotency_keys table (infra/migrations/0100, 0101): claim a key, record how its
// request ended, read what another request recorded. Times are the database's (now()), so every
// replica agrees on leases and expiry.

export interface StoredResponse {
  status: number
  headers: Record<string, string>
  /** The JSON body as sent, without its secrets when hasSecret. */
  body: string
  hasSecret: boolean
}

export type KeyRow =
  | { state: 'running' | 'failed'; requestHash: string }
  | { state: 'done'; requestHash: string; response: StoredResponse }

export interface Claim {
  actor: string
  key: string
  requestHash: string
  leaseSeconds: number
  ttlSeconds: number
  /** The application's clock now: a new key's started_at, the clock its request runs by. */
  now: Date
}

// Taken when the key is new or expired, or when the same request finds it failed or its lease
// run out (the process that held it died). started_at survives a retake, so ids stay the same.
const claimSql = `
  INSERT INTO admin_idempotency_keys AS k
    (actor, idempotency_key, request_hash, state, started_at, locked_until, expires_at)
  VALUES ($1, $2, $3, 'running', $6, now() + make_interval(secs => $4), now() + make_interval(secs => $5))
  ON CONFLICT (actor, idempotency_key) DO UPDATE SET
    request_hash = EXCLUDED.request_hash,
    state = 'running',
    started_at = CASE WHEN k.expires_at <= now() THEN EXCLUDED.started_at ELSE k.started_at END,
    expires_at = CASE WHEN k.expires_at <= now() THEN EXCLUDED.expires_at ELSE k.expires_at END,
    locked_until = EXCLUDED.locked_until,
    response_status = NULL, response_headers = NULL, response_body = NULL, has_secret = false
  WHERE k.expires_at <= now()
     OR (k.request_hash = EXCLUDED.request_hash
         AND (k.state = 'failed' OR (k.state = 'running' AND k.locked_until <= now())))
  RETURNING started_at`

/** The time the key was first used when this request now holds it; null when another does. */
export async function claimKey(db: Sql, claim: Claim): Promise<Date | null> {
  const { rows } = await db.query<{ started_at: Date }>(claimSql, [
    claim.actor,
    claim.key,
    claim.requestHash,
    claim.leaseSeconds,
    claim.ttlSeconds,
    claim.now,
  ])
  return rows[0]?.started_at ?? null
}

type Row = {
  state: 'running' | 'failed' | 'done'
  request_hash: string
  response_status: number | null
  response_headers: Record<string, string> | null
  response_body: string | null
  has_secret: boolean
}

export async function readKey(db: Sql, actor: string, key: string): Promise<KeyRow | null> {
  const { rows } = await db.query<Row>(
    `SELECT state, request_hash, response_status, response_headers, response_body, has_secret
       FROM admin_idempotency_keys WHERE actor = $1 AND idempotency_key = $2 AND expires_at > now()`,
    [actor, key],
  )
  const row = rows[0]
  if (!row) return null
  if (row.state !== 'done') return { state: row.state, requestHash: row.request_hash }
  const response = {
    status: row.response_status ?? 200,
    headers: row.response_headers ?? {},
    body: row.response_body ?? '',
    hasSecret: row.has_secret,
  }
  return { state: 'done', requestHash: row.request_hash, response }
}

export async function recordResponse(db: Sql, actor: string, key: string, response: StoredResponse) {
  await db.query(
    `UPDATE admin_idempotency_keys
        SET state = 'done', response_status = $3, response_headers = $4, response_body = $5, has_secret = $6
      WHERE actor = $1 AND idempotency_key = $2`,
    [actor, key, response.status, JSON.stringify(response.headers), response.body, response.hasSecret],
  )
}

/** The request failed (5xx or no answer): its outcome is unknown, a retry runs it again as it was. */
export async function recordFailure(db: Sql, actor: string, key: string) {
  await db.query(
    `UPDATE admin_idempotency_keys SET state = 'failed' WHERE actor = $1 AND idempotency_key = $2`,
    [actor, key],
  )
}

/** The request was refused (4xx: nothing was written): the key is free for any request again. */
export async function forgetKey(db: Sql, actor: string, key: string) {
  await db.query('DELETE FROM admin_idempotency_keys WHERE actor = $1 AND idempotency_key = $2', [actor, key])
}

/** Deletes up to `limit` expired keys, oldest first (run now and then, not per request). */
export async function purgeExpired(db: Sql, limit = 500): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM admin_idempotency_keys WHERE (actor, idempotency_key) IN (
       SELECT actor, idempotency_key FROM admin_idempotency_keys
        WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)`,
    [limit],
  )
  return rowCount
}
