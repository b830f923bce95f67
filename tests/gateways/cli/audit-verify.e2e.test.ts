import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { databaseUrl, freshSchema } from '../../infra/postgres/fresh-schema.ts'
import { CLI } from '../../support/processes.ts'

// `aiaas audit verify` as an auditor runs it, on real PostgreSQL: exit 0 on an intact chain,
// exit 1 naming the position of a row altered in SQL.
let db: Database
let schema: string
let drop: () => Promise<void>

beforeAll(async () => {
  ;({ schema, drop } = await freshSchema('auditcli'))
  db = createPostgresDatabase(databaseUrl(), { schema })
  await migrate(db)
})
afterAll(async () => {
  await db?.close()
  await drop?.()
})

async function aiaas(args: string[]) {
  const url = `${databaseUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, AIAAS_LOG_LEVEL: 'warn', AIAAS_DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (d: Buffer) => {
      output += d.toString()
    })
  const [code] = await once(child, 'exit')
  return { code, output }
}

describe('aiaas audit verify', () => {
  it('exits 0 on an intact chain and 1 with the first broken position after an UPDATE', async () => {
    const store = createEventStore(db)
    for (const stream of ['a', 'b', 'c']) await store.append(stream, [newEvent(), newEvent()], -1)
    // Read by stream, sorted: readAll would wait for the shared server's older transactions.
    const events = (await Promise.all(['a', 'b', 'c'].map((s) => store.readStream(s))))
      .flat()
      .sort((x, y) => (x.global_position < y.global_position ? -1 : 1))
    // Chained in the projection's own transaction, as the subscription would.
    await db.transaction((tx) => eventChainProjection.handle(events, tx))

    expect(await aiaas(['audit', 'verify'])).toEqual({ code: 0, output: 'chain intact: 6 events checked\n' })

    const target = String(events[2]!.global_position)
    await db.query(`UPDATE events SET data = '{"forged": true}' WHERE global_position = $1`, [target])
    const broken = await aiaas(['audit', 'verify'])
    expect(broken.code).toBe(1)
    expect(broken.output).toContain(`chain broken at position ${target}`)
    expect(broken.output).toContain('2 events verified before it')
  })
})
