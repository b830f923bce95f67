import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForCheckpoint } from '../../../infra/event-store/checkpoints.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { READ_MODEL_REGISTRY, READ_MODELS, type ReadModel } from '../../../projections/read-models.ts'
import { rebuildReadModel } from '../../../projections/rebuild.ts'
import { replayReadModels } from '../../../projections/replay/replay.ts'
import { auth, startAdminApp } from '../../gateways/admin/admin-app.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { makeAdminHistory } from './admin-history.ts'

// `aiaas audit replay`'s comparison on real PostgreSQL: a varied history made through the admin
// API (admin-history.ts) replays into the scratch schema equal to every live table, and a live
// row altered, added or removed in SQL, or a projection that forgets an event, is named by table
// and primary key. The scratch schema never outlives the replay.
const TABLES = READ_MODEL_REGISTRY.flatMap((model) => model.tables)
let db: Database
let dispose: () => Promise<void>
let platform: Awaited<ReturnType<typeof startAdminApp>>
let ids: Awaited<ReturnType<typeof makeAdminHistory>>

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('replay')())
  // Each command waits for its projection up to 60 s, not the API's 5: a long transaction of
  // another test file on the shared server can hold the gap-free projector back (ADR 0002).
  // Hence the setup's bound of 300 s for its ~40 writes.
  platform = await startAdminApp(db, {
    beforeProjection: async (position) => {
      await waitForCheckpoint(db, READ_MODELS, position, 60_000)
    },
  })
  ids = await makeAdminHistory(async (method, path, body) => {
    const response = await platform.app.inject({
      method,
      url: `/admin/v1${path}`,
      headers: auth,
      ...(body === undefined ? {} : { payload: body }),
    })
    return { status: response.statusCode, body: response.body === '' ? null : response.json() }
  })
}, 300_000)
afterAll(async () => {
  await platform?.close()
  await dispose?.()
})

const scratchSchemas = async () =>
  (await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'aiaas_replay_%'`)).rows

const tableOf = (report: Awaited<ReturnType<typeof replayReadModels>>, table: string) => {
  const diff = report.tables.find((candidate) => candidate.table === table)
  if (!diff) throw new Error(`no ${table} in the report`)
  return diff
}

describe('replayReadModels', () => {
  it('replays the whole history equal to every live table, and leaves no scratch schema', async () => {
    const report = await replayReadModels(db)
    expect(report.tables.map((diff) => diff.table)).toEqual(TABLES)
    for (const diff of report.tables) {
      expect(diff.live_rows, diff.table).toBeGreaterThan(0)
      expect(diff, diff.table).toMatchObject({
        replayed_rows: diff.live_rows,
        counts: { changed: 0, only_in_live: 0, only_in_replay: 0 },
        rows: [],
      })
    }
    expect(report.ok).toBe(true)
    // Every event of the log, once per read model it feeds.
    const { rows } = await db.query<{ type: string }>('SELECT type FROM events')
    const fed = rows.flatMap((row) => READ_MODEL_REGISTRY.filter((model) => model.types.has(row.type)))
    expect(fed.length).toBeGreaterThan(30)
    expect(report.events).toBe(fed.length)
    expect(await scratchSchemas()).toEqual([])
  })

  it('names the row and the columns of a live row altered in SQL, to the microsecond', async () => {
    await db.query('UPDATE rm_api_keys SET rpm_limit = 7 WHERE api_key_id = $1', [ids.key])
    await db.query(
      `UPDATE rm_organizations SET created_at = created_at + interval '1 microsecond'
                     WHERE organization_id = $1`,
      [ids.acme],
    )
    try {
      const report = await replayReadModels(db)
      expect(report.ok).toBe(false)
      expect(tableOf(report, 'rm_api_keys')).toMatchObject({
        counts: { changed: 1, only_in_live: 0, only_in_replay: 0 },
        rows: [
          {
            kind: 'changed',
            key: { api_key_id: ids.key },
            columns: [{ column: 'rpm_limit', live: '7', replay: 'null' }],
          },
        ],
      })
      const organizations = tableOf(report, 'rm_organizations')
      expect(organizations.rows).toEqual([
        expect.objectContaining({ kind: 'changed', key: { organization_id: ids.acme } }),
      ])
      expect(organizations.rows[0]?.columns.map((column) => column.column)).toEqual(['created_at'])
      expect(tableOf(report, 'rm_users').counts).toEqual({ changed: 0, only_in_live: 0, only_in_replay: 0 })
    } finally {
      await db.query('UPDATE rm_api_keys SET rpm_limit = NULL WHERE api_key_id = $1', [ids.key])
      await db.query(
        `UPDATE rm_organizations SET created_at = created_at - interval '1 microsecond'
                       WHERE organization_id = $1`,
        [ids.acme],
      )
    }
    expect((await replayReadModels(db)).ok).toBe(true)
  })

  it('names a row only in live and a row only in the replay; counts every row past the sample', async () => {
    await db.query(
      `INSERT INTO rm_memberships (organization_id, user_id, roles, position)
       SELECT $1, user_id, roles, position FROM rm_memberships WHERE organization_id = $2 AND user_id = $3`,
      [ids.globex, ids.acme, ids.ada],
    )
    await db.query('DELETE FROM rm_budgets WHERE budget_id = $1', [ids.budget])
    await db.query('UPDATE rm_users SET display_name = display_name || $1', ['!'])
    const report = await replayReadModels(db, { sample: 1 })
    expect(report.ok).toBe(false)
    expect(tableOf(report, 'rm_memberships').rows).toEqual([
      expect.objectContaining({
        kind: 'only_in_live',
        key: { organization_id: ids.globex, user_id: ids.ada },
      }),
    ])
    expect(tableOf(report, 'rm_budgets').rows).toEqual([
      expect.objectContaining({ kind: 'only_in_replay', key: { budget_id: ids.budget } }),
    ])
    expect(tableOf(report, 'rm_budgets').rows[0]?.row).toContain('"limit_micros": 30000000')
    const users = tableOf(report, 'rm_users')
    expect(users.counts.changed).toBe(users.live_rows)
    expect(users.rows).toHaveLength(1)
    // Repaired from the log (`aiaas projections rebuild all`): the next replay agrees again.
    await rebuildReadModel(db, 'all')
    expect((await replayReadModels(db)).ok).toBe(true)
  })

  it('names what a projection that forgets an event leaves out', async () => {
    const forgetful: ReadModel[] = READ_MODEL_REGISTRY.map((model) =>
      model.name !== 'users'
        ? model
        : {
            ...model,
            project: (recorded, tx) =>
              recorded.type === 'MembershipRemoved' ? Promise.resolve() : model.project(recorded, tx),
          },
    )
    const report = await replayReadModels(db, { models: forgetful })
    expect(report.ok).toBe(false)
    expect(tableOf(report, 'rm_memberships').rows).toEqual([
      expect.objectContaining({
        kind: 'only_in_replay',
        key: { organization_id: ids.acme, user_id: expect.any(String) },
      }),
    ])
  })

  it('compares the live rows of its own snapshot: a write committed while it replays is not seen', async () => {
    let written = false
    const writing: ReadModel[] = READ_MODEL_REGISTRY.map((model) => ({
      ...model,
      project: async (recorded, tx) => {
        if (!written) {
          written = true
          // Another session, committed before the replay compares (the pool's own connection).
          await db.query(`UPDATE rm_users SET display_name = 'written meanwhile' WHERE user_id = $1`, [
            ids.ada,
          ])
        }
        return model.project(recorded, tx)
      },
    }))
    try {
      expect((await replayReadModels(db, { models: writing })).ok).toBe(true)
      const after = await replayReadModels(db)
      expect(tableOf(after, 'rm_users').rows).toEqual([
        expect.objectContaining({ kind: 'changed', key: { user_id: ids.ada } }),
      ])
    } finally {
      await rebuildReadModel(db, 'users')
    }
  })

  it('never changes a live table, even through a projection writing a table its read model does not list', async () => {
    const live = () => db.query('SELECT user_id, display_name FROM rm_users ORDER BY user_id')
    const before = await live()
    // Only `models` is replayed, so rm_users has no scratch copy: the write reaches the live table
    // through the search_path, inside the replay's transaction.
    const models: ReadModel[] = READ_MODEL_REGISTRY.filter((model) => model.name === 'models').map(
      (model) => ({
        ...model,
        project: async (recorded, tx) => {
          await tx.query(`UPDATE rm_users SET display_name = 'written by a replay'`)
          return model.project(recorded, tx)
        },
      }),
    )
    expect((await replayReadModels(db, { models })).ok).toBe(true)
    expect((await live()).rows).toEqual(before.rows)
    expect(await scratchSchemas()).toEqual([])
  })

  it('drops the scratch schema when the replay fails, and leaves the live tables as they were', async () => {
    const before = await db.query('SELECT count(*)::int AS n FROM rm_organizations')
    const failing: ReadModel[] = READ_MODEL_REGISTRY.map((model) =>
      model.name !== 'models'
        ? model
        : { ...model, project: () => Promise.reject(new Error('projection failed')) },
    )
    await expect(replayReadModels(db, { models: failing })).rejects.toThrow('projection failed')
    expect(await scratchSchemas()).toEqual([])
    expect((await db.query('SELECT count(*)::int AS n FROM rm_organizations')).rows).toEqual(before.rows)
  })
})
