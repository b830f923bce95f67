import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import { deleteModel, type ModelCommandDeps, updateModel } from '../../../commands/models/model-commands.ts'
import { seedModels } from '../../../commands/models/seed-models.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { sqlModelNames } from '../../../projections/models/model-names.ts'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})
const context = {
  actor: 'test',
  correlation_id: v7(),
  causation_id: null,
  source: 'test',
  source_ip: null,
  user_agent: null,
}

async function platform() {
  const db = await createPgliteDatabase(undefined)
  await migrate(db)
  closers.push(() => db.close())
  const deps: ModelCommandDeps = {
    commands: { store: createEventStore(db), now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 },
    secrets: createSecretBox(db, undefined),
    allowedAddresses: [],
    names: sqlModelNames(db),
  }
  return { db, deps }
}

const configured = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  backend_url: 'http://127.0.0.1:8000/v1',
  input_usd_per_mtok: 0.5,
  output_usd_per_mtok: 1.5,
  max_output_tokens: 4096,
  ...over,
})
const modelEvents = async (db: Database) =>
  (
    await db.query<{ stream: string; type: string }>(
      `SELECT stream, type FROM events ORDER BY global_position`,
    )
  ).rows

describe('seeding the catalogue from AIAAS_MODELS', () => {
  it('creates each model once, by system:seed, loopback allowed as the operator configured it', async () => {
    const { db, deps } = await platform()
    expect(await seedModels(deps, [configured('a'), configured('b')], v7())).toEqual({
      created: ['a', 'b'],
      skipped: [],
    })
    expect(await seedModels(deps, [configured('a'), configured('b')], v7())).toEqual({
      created: [],
      skipped: [],
    })
    expect(await modelEvents(db)).toEqual([
      { stream: 'model-a', type: 'ModelCreated' },
      { stream: 'model-b', type: 'ModelCreated' },
    ])
    const { rows } = await db.query<{ metadata: { actor: string } }>('SELECT metadata FROM events LIMIT 1')
    expect(rows[0]?.metadata.actor).toBe('system:seed')
  })

  it('never overwrites a model changed or deleted through the admin API', async () => {
    const { db, deps } = await platform()
    await seedModels(deps, [configured('a'), configured('b')], v7())
    await updateModel(deps, 'a', { max_output_tokens: 10 }, context)
    await deleteModel(deps, 'b', context)
    expect(await seedModels(deps, [configured('a'), configured('b')], v7())).toEqual({
      created: [],
      skipped: [],
    })
    expect((await modelEvents(db)).map((e) => e.type)).toEqual([
      'ModelCreated',
      'ModelCreated',
      'ModelUpdated',
      'ModelDeleted',
    ])
  })

  it('skips what the catalogue cannot hold, and a metadata address, saying why', async () => {
    const { db, deps } = await platform()
    const seeded = await seedModels(
      deps,
      [
        configured('socket', { backend_socket_path: '/tmp/x.sock' }),
        configured('upstream', { backend_model: 'other' }),
        configured('tiny', { input_usd_per_mtok: 1e-10 }),
        configured('meta', { backend_url: 'http://169.254.169.254/v1' }),
      ],
      v7(),
    )
    expect(seeded.created).toEqual([])
    expect(seeded.skipped.map((s) => s.name)).toEqual(['socket', 'upstream', 'tiny', 'meta'])
    expect(seeded.skipped[3]?.reason).toMatch(/metadata/)
    expect(await modelEvents(db)).toEqual([])
  })
})
