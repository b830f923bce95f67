import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForCheckpoint } from '../../../infra/event-store/checkpoints.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { READ_MODEL_REGISTRY, READ_MODELS } from '../../../projections/read-models.ts'
import { makeAdminHistory } from '../../projections/replay/admin-history.ts'
import { runAiaas } from '../../support/processes.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../../support/separate-platform.ts'
import { json } from '../../support/walkthrough.ts'

// `aiaas audit replay` as CI runs it on the e2e data: `aiaas identity` and `aiaas projector` as
// separate processes on a fresh database, a varied history made through the admin API, then the
// replay as a process of its own while the projector keeps running: exit 0, no difference; a
// read-model row altered in SQL: exit 1, naming the table, the row and the column.
let platform: SeparatePlatform
let db: Database

// The setup's bound, 300 s: ~40 writes, each waiting for its projection, which a long
// transaction anywhere on the shared server holds back (ADR 0002).
beforeAll(async () => {
  platform = await startSeparatePlatform({ name: 'replay', commands: ['projector', 'identity'] })
  db = createPostgresDatabase(platform.databaseUrl, { max: 2 })
  const admin = platform.url('identity')
  await makeAdminHistory(async (method, path, body) => {
    const response = await fetch(`${admin}/admin/v1${path}`, {
      method,
      // A body-less request carries no content-type: an empty JSON body is refused.
      ...(body === undefined
        ? { headers: { authorization: `Bearer ${platform.adminToken}` } }
        : { headers: json(platform.adminToken), body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text === '' ? null : JSON.parse(text) }
  })
  const { rows } = await db.query<{ head: string }>('SELECT max(global_position)::text AS head FROM events')
  // 60 s: a generous bound for the projector on a shared, loaded server.
  expect(await waitForCheckpoint(db, READ_MODELS, BigInt(rows[0]?.head ?? '0'), 60_000)).toBe(true)
}, 300_000)
afterAll(async () => {
  await db?.close()
  await platform?.stop()
})

const replay = (...args: string[]) =>
  runAiaas(['audit', 'replay', ...args], { AIAAS_DATABASE_URL: platform.databaseUrl })

describe('aiaas audit replay', () => {
  it('exits 0 on the data the admin API made, every table compared; 1 naming a tampered row', async () => {
    const clean = await replay()
    expect(clean.output).toContain('no difference: every read model equals its replay')
    for (const table of READ_MODEL_REGISTRY.flatMap((model) => model.tables))
      expect(clean.output).toMatch(
        new RegExp(`^${table}: [1-9]\\d* live rows, [1-9]\\d* replayed, no difference$`, 'm'),
      )
    expect(clean.code).toBe(0)

    await db.query(`UPDATE rm_models SET max_output_tokens = 1 WHERE name = 'alpha'`)
    const tampered = await replay()
    expect(tampered.output).toContain(
      'rm_models: 1 live rows, 1 replayed: 1 changed, 0 only in live, 0 only in replay\n' +
        '  changed name=alpha: max_output_tokens live 1, replay 8192\n',
    )
    const tables = READ_MODEL_REGISTRY.flatMap((model) => model.tables).length
    expect(tampered.output).toContain(`differences in 1 of ${tables} tables`)
    expect(tampered.code).toBe(1)
    const { rows } = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'aiaas_replay_%'`)
    expect(rows).toEqual([])
  })

  it('exits 2 on an argument it does not take', async () => {
    const wrong = await replay('rm_models')
    expect(wrong.code).toBe(2)
    expect(wrong.output).toContain('usage: aiaas audit replay')
  })
})
