import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createModel,
  deleteModel,
  type ModelBody,
  type ModelCommandDeps,
  updateModel,
} from '../../../commands/models/model-commands.ts'
import { ABANDONED_CLAIM_MS } from '../../../commands/users/create-user.ts'
import { AppError } from '../../../domain/errors.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { loadMigrations, migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { sqlModelNames } from '../../../projections/models/model-names.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { testContext } from '../../support/read-models.ts'

// Model names and aliases are one namespace across models: the model commands claim every name
// a model will hold (model_name_reservations) before they append, and give back what it no longer
// holds. On PGlite; the concurrent case runs on PostgreSQL (tests/gateways/admin/models-names.int).
const context = testContext
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

let clock = new Date('2026-11-26T10:00:00Z')
async function platform(wrap: (store: EventStore) => EventStore = (store) => store) {
  const db = await createPgliteDatabase(undefined)
  closers.push(() => db.close())
  await migrate(db)
  clock = new Date('2026-11-26T10:00:00Z')
  const deps: ModelCommandDeps = {
    commands: { store: wrap(createEventStore(db)), now: () => clock, newId: v7 },
    secrets: createSecretBox(db, undefined),
    allowedAddresses: [],
    names: sqlModelNames(db),
  }
  return { db, deps }
}

const body = (name: string, aliases: string[] = [], url = 'https://api.example.com/v1'): ModelBody => ({
  name,
  aliases,
  input_price_per_million_usd: '1',
  output_price_per_million_usd: '2',
  max_output_tokens: 1024,
  backends: [{ url, provider: 'openai-compatible', weight: 1, priority: 0, timeout_ms: 30_000, headers: {} }],
})

const claims = async (db: Database) =>
  (await db.query('SELECT name, model FROM model_name_reservations ORDER BY name COLLATE "C"')).rows
const streams = async (db: Database) =>
  (await db.query(`SELECT DISTINCT stream COLLATE "C" AS stream FROM events ORDER BY 1`)).rows.map(
    (r) => r.stream,
  )

describe('model names and aliases: one namespace across models', () => {
  it('refuses a model whose alias is another model’s alias or name, and records nothing for it', async () => {
    const { db, deps } = await platform()
    await createModel(deps, body('alpha', ['fast']), context)
    await expect(createModel(deps, body('beta', ['fast']), context)).rejects.toMatchObject({
      code: 'MODEL_NAME_TAKEN',
      details: { name: 'fast', model: 'alpha' },
    })
    await expect(createModel(deps, body('gamma', ['quick', 'alpha']), context)).rejects.toMatchObject({
      code: 'MODEL_NAME_TAKEN',
      details: { name: 'alpha', model: 'alpha' },
    })
    await expect(createModel(deps, body('fast'), context)).rejects.toMatchObject({
      code: 'MODEL_NAME_TAKEN',
      details: { name: 'fast', model: 'alpha' },
    })
    expect(await streams(db)).toEqual(['model-alpha'])
    // gamma's claim of `quick`, made before `alpha` was refused, was given back.
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'alpha' },
      { name: 'fast', model: 'alpha' },
    ])
  })

  it('a PATCH may keep its own aliases, not take another model’s; a dropped alias is free again', async () => {
    const { db, deps } = await platform()
    await createModel(deps, body('alpha', ['fast', 'cheap']), context)
    await createModel(deps, body('beta'), context)
    await updateModel(deps, 'alpha', { aliases: ['fast', 'cheap'], max_output_tokens: 2048 }, context)
    await expect(updateModel(deps, 'beta', { aliases: ['cheap'] }, context)).rejects.toMatchObject({
      code: 'MODEL_NAME_TAKEN',
      details: { name: 'cheap', model: 'alpha' },
    })
    await updateModel(deps, 'alpha', { aliases: ['fast'] }, context)
    const beta = await updateModel(deps, 'beta', { aliases: ['cheap'] }, context)
    expect(beta.model?.aliases).toEqual(['cheap'])
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'alpha' },
      { name: 'beta', model: 'beta' },
      { name: 'cheap', model: 'beta' },
      { name: 'fast', model: 'alpha' },
    ])
  })

  it('deleting a model frees its name and aliases', async () => {
    const { db, deps } = await platform()
    await createModel(deps, body('alpha', ['fast']), context)
    await deleteModel(deps, 'alpha', context)
    expect(await claims(db)).toEqual([])
    await createModel(deps, body('fast', ['alpha']), context)
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'fast' },
      { name: 'fast', model: 'fast' },
    ])
  })

  it('a write the domain refuses gives its new claims back, and keeps the ones its model holds', async () => {
    const { db, deps } = await platform()
    await createModel(deps, body('alpha', ['fast']), context)
    await expect(
      createModel(deps, body('beta', ['quick'], 'ftp://api.example.com'), context),
    ).rejects.toMatchObject({ code: 'BACKEND_URL_INVALID' })
    await expect(createModel(deps, body('alpha', ['fast', 'quick']), context)).rejects.toMatchObject({
      code: 'MODEL_ALREADY_EXISTS',
    })
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'alpha' },
      { name: 'fast', model: 'alpha' },
    ])
  })

  it('an append whose reply was lost but which committed keeps its claims', async () => {
    let failNext = false
    const { db, deps } = await platform((store) => ({
      ...store,
      append: async (...args) => {
        const result = await store.append(...args)
        if (failNext) throw new AppError('DATABASE_UNAVAILABLE', 'reply lost in the test')
        return result
      },
    }))
    failNext = true
    await expect(createModel(deps, body('alpha', ['fast']), context)).rejects.toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
    })
    expect(await streams(db)).toEqual(['model-alpha'])
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'alpha' },
      { name: 'fast', model: 'alpha' },
    ])
  })

  it('a claim its holder never used is taken over once abandoned, not before', async () => {
    const { db, deps } = await platform()
    // A create that died between its claim and its append.
    await deps.names.claim('fast', 'ghost', clock)
    await expect(createModel(deps, body('alpha', ['fast']), context)).rejects.toMatchObject({
      code: 'MODEL_NAME_TAKEN',
      details: { name: 'fast', model: 'ghost' },
    })
    clock = new Date(clock.getTime() + ABANDONED_CLAIM_MS)
    await createModel(deps, body('alpha', ['fast']), context)
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'alpha' },
      { name: 'fast', model: 'alpha' },
    ])
    // A claim its holder uses is never abandoned, however old.
    clock = new Date(clock.getTime() + 10 * ABANDONED_CLAIM_MS)
    await expect(createModel(deps, body('beta', ['fast']), context)).rejects.toMatchObject({
      code: 'MODEL_NAME_TAKEN',
    })
  })

  it('migration 0171 gives the models of before 0170 their names from the log, the first stream keeping a shared one', async () => {
    const db = await createPgliteDatabase(undefined)
    closers.push(() => db.close())
    await migrate(
      db,
      loadMigrations().filter((migration) => migration.id < '0170'),
    )
    const store = createEventStore(db)
    const definition = (name: string, aliases: string[]) => ({ ...body(name, aliases), backends: [] })
    const at = '2026-01-01T00:00:00Z'
    await store.append(
      'model-alpha',
      [newEvent('ModelCreated', { ...definition('alpha', ['fast']), created_at: at })],
      -1,
    )
    await store.append(
      'model-beta',
      [newEvent('ModelCreated', { ...definition('beta', []), created_at: at })],
      -1,
    )
    await store.append(
      'model-beta',
      [newEvent('ModelUpdated', { ...definition('beta', ['fast', 'b']), updated_at: at })],
      0,
    )
    await store.append(
      'model-gone',
      [newEvent('ModelCreated', { ...definition('gone', ['g']), created_at: at })],
      -1,
    )
    await store.append('model-gone', [newEvent('ModelDeleted', { name: 'gone', deleted_at: at })], 0)
    await migrate(db)
    expect(await claims(db)).toEqual([
      { name: 'alpha', model: 'alpha' },
      { name: 'b', model: 'beta' },
      { name: 'beta', model: 'beta' },
      { name: 'fast', model: 'alpha' },
    ])
  })
})
