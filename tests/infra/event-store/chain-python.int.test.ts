import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { CHAIN_ROW_COLUMNS } from '../../../infra/event-store/chain-canonical.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Sql } from '../../../infra/ports/database.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../contracts/test-database.ts'
import { makePostgres } from '../postgres/fresh-schema.ts'

// The auditor's script of docs/audit.md (Python, standard library only) recomputes the chain the
// service wrote, from the rows of the events table, and catches an altered row.
const makeDb = makePostgres('chainpy')
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})
const script = new URL('../../../docs/audit/verify_chain.py', import.meta.url).pathname
const hasPython = spawnSync('python3', ['--version']).status === 0

async function rowsAsNdjson(db: Sql): Promise<string> {
  const { rows } = await db.query<{ line: string }>(
    `SELECT row_to_json(r)::text AS line FROM (SELECT ${CHAIN_ROW_COLUMNS}, encode(c.hash, 'hex') AS hash
       FROM events e JOIN event_chain c USING (global_position) ORDER BY e.global_position) r`,
  )
  return rows.map((r) => `${r.line}\n`).join('')
}

describe.runIf(hasPython)('auditor script', () => {
  it('recomputes the chain from the events rows, and names an altered one', async () => {
    const { db, dispose } = await makeDb()
    cleanup.push(dispose)
    const store = createEventStore(db)
    const data = {
      n: 1,
      f: 1.5,
      whole: 2.0,
      big: 1e21,
      huge: 12345678901234567000,
      tiny: 1e-7,
      text: 'é ✓',
      list: [true, null, { z: 1, a: 2 }],
    }
    for (const stream of ['a', 'b', 'c'])
      await store.append(stream, [newEvent('ThingHappened', data), newEvent()], -1)
    // Read by stream, sorted: readAll would wait for the shared server's older transactions.
    const events = (await Promise.all(['a', 'b', 'c'].map((s) => store.readStream(s))))
      .flat()
      .sort((x, y) => (x.global_position < y.global_position ? -1 : 1))
    // Chained in the projection's own transaction, as the subscription would.
    await db.transaction((tx) => eventChainProjection.handle(events, tx))
    const clean = spawnSync('python3', [script], { input: await rowsAsNdjson(db) })
    expect(clean.stdout.toString() + clean.stderr.toString()).toBe('ok 6\n')

    const target = String(events[3]!.global_position)
    await db.query(
      `UPDATE events SET metadata = metadata || '{"actor": "forged"}' WHERE global_position = $1`,
      [target],
    )
    const run = spawnSync('python3', [script], { input: await rowsAsNdjson(db) })
    expect(run.status).toBe(1)
    expect(run.stdout.toString()).toContain(`broken at ${target}`)
  })
})
