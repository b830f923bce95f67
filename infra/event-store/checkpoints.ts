import { type EventEmitter, once } from 'node:events'
import type { Sql } from '../ports/database.ts'
import { parsePosition } from '../sql/bigint.ts'

// Checkpoints of the subscriptions (table subscription_checkpoints, migration 0005). Positions
// are global positions: bigints past 2^53, read as text and written as decimal strings.

/** The subscription's position in the global log; 0 before its first batch. */
export async function readCheckpoint(db: Sql, name: string): Promise<bigint> {
  const { rows } = await db.query<{ position: string }>(
    'SELECT position::text AS position FROM subscription_checkpoints WHERE name = $1',
    [name],
  )
  const row = rows[0]
  return row === undefined ? 0n : parsePosition(row.position)
}

/**
 * Locks the subscription's checkpoint row until the transaction ends (creating it at 0) and
 * returns its position. Two instances of one subscription thus take batches one at a time, and
 * the second sees where the first left off.
 */
export async function lockCheckpoint(tx: Sql, name: string): Promise<bigint> {
  const { rows } = await tx.query<{ position: string }>(
    `INSERT INTO subscription_checkpoints AS c (name, position) VALUES ($1, 0)
     ON CONFLICT (name) DO UPDATE SET updated_at = c.updated_at
     RETURNING c.position::text AS position`,
    [name],
  )
  const row = rows[0]
  return row === undefined ? 0n : parsePosition(row.position)
}

export async function saveCheckpoint(tx: Sql, name: string, position: bigint): Promise<void> {
  await tx.query('UPDATE subscription_checkpoints SET position = $2, updated_at = now() WHERE name = $1', [
    name,
    String(position),
  ])
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Waits `ms`, or less when `nudges` emits 'nudge' (its listener is removed either way). */
async function pause(ms: number, nudges: EventEmitter | undefined): Promise<void> {
  if (!nudges) return sleep(ms)
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), ms)
  try {
    await once(nudges, 'nudge', { signal: ac.signal })
  } catch {
    // Aborted: the time is up.
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Polls until the subscription has processed `position` (true) or timeoutMs passed (false): every
 * 20 ms, and at once whenever `nudges` emits 'nudge' (e.g. on the projector's NOTIFY).
 */
export async function waitForCheckpoint(
  db: Sql,
  name: string,
  position: bigint,
  timeoutMs: number,
  nudges?: EventEmitter,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if ((await readCheckpoint(db, name)) >= position) return true
    const left = deadline - Date.now()
    if (left <= 0) return false
    await pause(Math.min(20, left), nudges)
  }
}

/** The position of the log's last event; 0 when the log is empty. */
export async function readHeadPosition(db: Sql): Promise<bigint> {
  const { rows } = await db.query<{ position: string | null }>(
    'SELECT max(global_position)::text AS position FROM events',
  )
  const head = rows[0]?.position
  return head === null || head === undefined ? 0n : parsePosition(head)
}
