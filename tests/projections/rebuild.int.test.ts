import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueApiKey } from '../../commands/api-keys/issue-api-key.ts'
import { revokeApiKey } from '../../commands/api-keys/revoke-api-key.ts'
import { rotateApiKey } from '../../commands/api-keys/rotate-api-key.ts'
import { changeBudget, createBudget } from '../../commands/budgets/budget-commands.ts'
import { createModel, deleteModel, updateModel } from '../../commands/models/model-commands.ts'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { suspendOrganization } from '../../commands/organizations/lifecycle.ts'
import { setMonthlyBudget } from '../../commands/organizations/set-monthly-budget.ts'
import { updateOrganization } from '../../commands/organizations/update-organization.ts'
import { createUser } from '../../commands/users/create-user.ts'
import { removeMembership, setMembership } from '../../commands/users/memberships.ts'
import { newKeyringText, parseKeyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import {
  type Subscription,
  startSubscription,
  waitForCheckpoint,
} from '../../infra/event-store/subscription.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { sqlModelNames } from '../../projections/models/model-names.ts'
import { findOrganization } from '../../projections/organizations/organizations.ts'
import { READ_MODEL_REGISTRY, READ_MODELS, readModelsProjection } from '../../projections/read-models.ts'
import { rebuildReadModel } from '../../projections/rebuild.ts'
import { sqlEmailReservations } from '../../projections/users/email-reservations.ts'
import { gate } from '../infra/contracts/test-database.ts'
import { databaseUrl, freshSchema } from '../infra/postgres/fresh-schema.ts'
import { testContext } from '../support/read-models.ts'

// `aiaas projections rebuild` on real PostgreSQL while the projector runs: state built through
// the commands, the read model tampered with or emptied, rebuilt, and compared row for row,
// column for column with what the projector had written. The command-side tables
// (email_reservations, the idempotency keys, the sealed data keys) are never touched.
const context = testContext
let db: Database
let store: EventStore
let projector: Subscription
let drop: () => Promise<void>

beforeAll(async () => {
  const fresh = await freshSchema('rebuild')
  drop = fresh.drop
  db = createPostgresDatabase(databaseUrl(), { schema: fresh.schema })
  await migrate(db)
  store = createEventStore(db)
  projector = startSubscription(db, store, readModelsProjection, { idleMs: 20 })
})
afterAll(async () => {
  await projector?.stop()
  await db?.close()
  await drop?.()
})

const READ_MODEL_TABLES = READ_MODEL_REGISTRY.flatMap((model) => model.tables)
const COMMAND_TABLES = [
  'email_reservations',
  'model_name_reservations',
  'admin_idempotency_keys',
  'secret_data_keys',
]
/** The tables the commands below fill (a read model registered later brings its own test data). */
const FILLED = [
  'rm_organizations',
  'rm_api_keys',
  'rm_api_key_previous_hashes',
  'rm_budgets',
  'rm_models',
  'rm_users',
]

/** Every row of each table, whole, in a stable order (the row's text form, byte order). */
async function snapshot(tables: readonly string[]) {
  const out: Record<string, unknown[]> = {}
  for (const table of tables) {
    out[table] = (await db.query(`SELECT t.* FROM ${table} t ORDER BY t::text COLLATE "C"`)).rows
  }
  return out
}

async function settle(): Promise<void> {
  const { rows } = await db.query<{ last: string }>('SELECT max(global_position)::text AS last FROM events')
  expect(await waitForCheckpoint(db, READ_MODELS, BigInt(rows[0]?.last ?? '0'), 20_000)).toBe(true)
}

const backend = (url: string) => ({
  url,
  provider: 'openai-compatible' as const,
  weight: 1,
  priority: 0,
  timeout_ms: 30_000,
  headers: {},
  api_key: 'sk-provider-0123456789abcdef',
})

async function buildOrganizationsAndKeys(deps: { store: EventStore; now: () => Date; newId: () => string }) {
  const orgs = []
  for (const name of ['Acme', 'Globex', 'Initech'])
    orgs.push(await createOrganization(deps, { name }, context))
  const [acme, globex, initech] = orgs.map((org) => org.organization_id) as [string, string, string]
  await updateOrganization(deps, { organization_id: acme, name: 'Acme Corp' }, context)
  const keys = []
  for (const organization_id of [acme, globex, initech])
    keys.push(await issueApiKey(deps, { organization_id, name: 'ci', rpm_limit: 60 }, context))
  await suspendOrganization(deps, { organization_id: globex, reason: 'unpaid' }, context)
  await rotateApiKey(deps, { api_key_id: keys[0]!.api_key_id, grace_seconds: 300 }, context)
  await revokeApiKey(deps, { api_key_id: keys[1]!.api_key_id }, context)
  const daily = { limit_usd: '25.00', period: 'daily' as const, enforcement: 'hard' as const }
  const budget = await createBudget(
    deps,
    { organization_id: acme, ...daily, alert_thresholds: [0.5] },
    context,
  )
  await changeBudget(deps, { budget_id: budget.budget_id }, { limit_usd: '30' }, context)
  const keyBudget = { ...daily, api_key_id: keys[0]!.api_key_id, period: 'total' as const }
  await createBudget(deps, { organization_id: acme, ...keyBudget }, context)
  await setMonthlyBudget(deps, { organization_id: initech, monthly_limit_usd: 12.5 }, context)
  return { acme, initech }
}

/** Organizations, keys, budgets, users, memberships and models, through the commands. */
async function buildState(): Promise<void> {
  const deps = { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 }
  const { acme, initech } = await buildOrganizationsAndKeys(deps)
  const users = { ...deps, emails: sqlEmailReservations(db) }
  for (const name of ['ada', 'grace']) {
    const user = await createUser(
      users,
      { email: `${name}@example.com`, display_name: name, invite: name === 'grace' },
      context,
    )
    await setMembership(deps, { user_id: user.user_id, organization_id: acme, roles: ['member'] }, context)
    await setMembership(
      deps,
      { user_id: user.user_id, organization_id: initech, roles: ['analyst'] },
      context,
    )
    await removeMembership(deps, { user_id: user.user_id, organization_id: initech }, context)
  }
  const models = {
    commands: deps,
    secrets: createSecretBox(db, parseKeyring(newKeyringText('k1'))),
    allowedAddresses: [],
    names: sqlModelNames(db),
  }
  for (const name of ['alpha', 'beta', 'gamma']) {
    const body = {
      name,
      aliases: [`${name}-latest`],
      input_price_per_million_usd: '1.5',
      output_price_per_million_usd: 2,
      max_output_tokens: 4096,
      backends: [backend(`https://${name}.example.com/v1`)],
    }
    await createModel(models, body, context)
  }
  await updateModel(models, 'alpha', { max_output_tokens: 8192 }, context)
  await deleteModel(models, 'gamma', context)
  await db.query(
    `INSERT INTO admin_idempotency_keys (actor, idempotency_key, request_hash, state, started_at, locked_until, expires_at)
     VALUES ('test', 'k-1', 'h', 'done', now(), now(), now() + interval '1 day')`,
  )
  await settle()
}

/** Rows the read models could hold but the log never wrote: the rebuild must replace them. */
async function tamper(): Promise<void> {
  await db.query(`UPDATE rm_organizations SET name = 'tampered', status = 'closed'`)
  await db.query(`UPDATE rm_api_keys SET status = 'revoked', rpm_limit = 1`)
  await db.query('UPDATE rm_models SET max_output_tokens = 1')
  await db.query(`UPDATE rm_budgets SET limit_micros = 1, enforcement = 'soft'`)
  await db.query(`UPDATE rm_users SET display_name = 'tampered'`)
  await db.query('DELETE FROM rm_memberships')
  await db.query('DELETE FROM rm_api_key_previous_hashes')
}

describe('aiaas projections rebuild', () => {
  let live: Record<string, unknown[]>

  beforeAll(async () => {
    await buildState()
    live = await snapshot([...READ_MODEL_TABLES, ...COMMAND_TABLES])
  })

  it('rebuilds each read model, emptied, to the rows the projector wrote; the command tables are untouched', async () => {
    for (const table of [...FILLED, ...COMMAND_TABLES]) expect(live[table]?.length, table).toBeGreaterThan(0)
    for (const model of READ_MODEL_REGISTRY) {
      for (const table of model.tables) await db.query(`DELETE FROM ${table}`)
      const rebuilt = await rebuildReadModel(db, model.name)
      expect(rebuilt.read_models).toEqual([model.name])
      expect(await snapshot(model.tables), model.name).toEqual(pick(live, model.tables))
    }
    expect(await snapshot(COMMAND_TABLES)).toEqual(pick(live, COMMAND_TABLES))
  })

  it('rebuilds every read model (`all`) over tampered rows', async () => {
    await tamper()
    expect(await snapshot(READ_MODEL_TABLES)).not.toEqual(pick(live, READ_MODEL_TABLES))
    const rebuilt = await rebuildReadModel(db, 'all')
    expect(rebuilt.read_models).toEqual(READ_MODEL_REGISTRY.map((model) => model.name))
    expect(await snapshot([...READ_MODEL_TABLES, ...COMMAND_TABLES])).toEqual(live)
  })

  it('refuses an unknown name with the known ones, before touching anything', async () => {
    await expect(rebuildReadModel(db, 'email_reservations')).rejects.toMatchObject({
      code: 'READ_MODEL_UNKNOWN',
      details: { known: [...READ_MODEL_REGISTRY.map((model) => model.name), 'all'] },
    })
    expect(await snapshot(COMMAND_TABLES)).toEqual(pick(live, COMMAND_TABLES))
  })

  it('while the projector runs: readers keep the old rows until the commit, and a command made meanwhile is projected after it', async () => {
    // A reader's row lock on rm_memberships stops the rebuild at its DELETE of that table, after
    // it has already deleted (uncommitted) the tables before it.
    const locked = gate()
    const release = gate()
    const blocker = db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM rm_memberships FOR SHARE')
      locked.open()
      await release.opened
    })
    await locked.opened
    const rebuild = rebuildReadModel(db, 'all')
    await waitForBlockedDelete('rm_memberships')

    expect(await snapshot(['rm_organizations', 'rm_api_keys', 'rm_models'])).toEqual(
      pick(live, ['rm_organizations', 'rm_api_keys', 'rm_models']),
    )
    const deps = { store, now: () => new Date('2026-11-26T11:00:00Z'), newId: v7 }
    const late = await createOrganization(deps, { name: 'Late' }, context)
    expect(await findOrganization(db, late.organization_id)).toBeNull()

    release.open()
    await blocker
    await rebuild
    expect(await waitForCheckpoint(db, READ_MODELS, late.position, 20_000)).toBe(true)
    expect(await findOrganization(db, late.organization_id)).toMatchObject({ name: 'Late' })
    const after = await snapshot(READ_MODEL_TABLES)
    await rebuildReadModel(db, 'all')
    expect(await snapshot(READ_MODEL_TABLES)).toEqual(after)
  })
})

function pick(rows: Record<string, unknown[]>, tables: readonly string[]) {
  return Object.fromEntries(tables.map((table) => [table, rows[table]]))
}

/** Polls pg_stat_activity until a DELETE of `table` waits on a lock (bounded). */
async function waitForBlockedDelete(table: string): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { rows } = await db.query(
      `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query = $1`,
      [`DELETE FROM ${table}`],
    )
    if (rows.length > 0) return
    if (Date.now() > deadline) throw new Error(`no DELETE FROM ${table} waiting on a lock`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
