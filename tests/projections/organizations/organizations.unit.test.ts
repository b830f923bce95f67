import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import {
  closeOrganization,
  reactivateOrganization,
  suspendOrganization,
} from '../../../commands/organizations/lifecycle.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { loadMigrations, migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import { findOrganization, listOrganizations } from '../../../projections/organizations/organizations.ts'
import { rebuildReadModel } from '../../../projections/rebuild.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { startReadModels, testContext } from '../../support/read-models.ts'

// The organizations read model: status, settings, name and version (the ETag) follow the stream.
const context = testContext
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function platform() {
  const { db, store, projector: subscription } = await startReadModels()
  const deps = { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 }
  return { db, deps, subscription }
}

describe('organizations read model', () => {
  it('follows rename, settings, suspension, reactivation and closing, with the stream version', async () => {
    const { db, deps, subscription } = await platform()
    const { organization_id } = await createOrganization(deps, { name: 'Acme' }, context)
    const settings = {
      timezone: 'Europe/Paris',
      allowed_models: ['echo'],
      mfa_required: true,
      rpm_limit: 600,
      tpm_limit: 90_000,
      limits_fail_open: true,
      budget_alert_webhook_url: 'https://alerts.example.com/aiaas',
    }
    await updateOrganization(deps, { organization_id, name: 'Acme Corp', settings }, context)
    await suspendOrganization(deps, { organization_id, reason: 'unpaid invoice' }, context)
    await subscription.catchUp()
    expect(await findOrganization(db, organization_id)).toEqual({
      id: organization_id,
      name: 'Acme Corp',
      created_at: '2026-11-26T10:00:00.000Z',
      status: 'suspended',
      suspended_reason: 'unpaid invoice',
      settings,
      monthly_limit_usd: null,
      version: 3,
    })

    await reactivateOrganization(deps, { organization_id }, context)
    await subscription.catchUp()
    expect(await findOrganization(db, organization_id)).toMatchObject({
      status: 'active',
      suspended_reason: null,
      version: 4,
    })
    await closeOrganization(deps, { organization_id }, context)
    await subscription.catchUp()
    expect(await findOrganization(db, organization_id)).toMatchObject({ status: 'closed', version: 5 })
  })

  it('lists in creation order, a page after a cursor, filtered by status', async () => {
    const { db, deps, subscription } = await platform()
    const ids: string[] = []
    for (const name of ['A', 'B', 'C', 'D'])
      ids.push((await createOrganization(deps, { name }, context)).organization_id)
    await suspendOrganization(deps, { organization_id: ids[2] ?? '', reason: 'audit' }, context)
    await subscription.catchUp()
    const names = (rows: { name: string }[]) => rows.map((row) => row.name)
    const first = await listOrganizations(db, { after: null, limit: 2 })
    expect(names(first)).toEqual(['A', 'B'])
    const after = first[1]?.created_position ?? null
    expect(names(await listOrganizations(db, { after, limit: 10 }))).toEqual(['C', 'D'])
    expect(names(await listOrganizations(db, { after: null, limit: 10, status: 'suspended' }))).toEqual(['C'])
  })

  it('lists in commit order, not id order: an id drawn earlier but committed later comes later', async () => {
    const { db, deps, subscription } = await platform()
    // Two creates whose ids were drawn in one order and committed in the other, as two
    // concurrent requests can: a client that paged past the first must still find the second.
    const [early, late] = [v7(), v7()]
    const drawing = (id: string) => {
      const ids = [id]
      return { ...deps, newId: () => ids.shift() ?? v7() }
    }
    await createOrganization(drawing(late), { name: 'committed first' }, context)
    await subscription.catchUp()
    const seen = await listOrganizations(db, { after: null, limit: 10 })
    await createOrganization(drawing(early), { name: 'committed second' }, context)
    await subscription.catchUp()
    const cursor = seen.at(-1)?.created_position ?? null
    expect((await listOrganizations(db, { after: cursor, limit: 10 })).map((row) => row.id)).toEqual([early])
  })

  it('is disposable: a rebuild from the log equals the live table', async () => {
    const { db, deps, subscription } = await platform()
    for (const name of ['A', 'B', 'C']) {
      const { organization_id } = await createOrganization(deps, { name }, context)
      await updateOrganization(deps, { organization_id, settings: { timezone: 'Asia/Tokyo' } }, context)
      if (name !== 'A') await suspendOrganization(deps, { organization_id, reason: name }, context)
      if (name === 'C') await closeOrganization(deps, { organization_id }, context)
    }
    await subscription.catchUp()
    const snapshot = async () =>
      (await db.query('SELECT * FROM rm_organizations ORDER BY organization_id')).rows
    const live = await snapshot()

    await rebuildReadModel(db, 'organizations')
    expect(await snapshot()).toEqual(live)
    expect(live.map((row) => row.status)).toEqual(['active', 'suspended', 'closed'])
  })

  it('migrations 0110 and 0111 give rows projected before them their version and creation position from the log', async () => {
    const db = await createPgliteDatabase(undefined)
    closers.push(() => db.close())
    await migrate(
      db,
      loadMigrations().filter((migration) => migration.id < '0110'),
    )
    const store = createEventStore(db)
    const organization_id = v7()
    const data = { organization_id, name: 'Old', created_at: '2026-01-01T00:00:00Z' }
    const budget = { organization_id, monthly_limit_usd: 3, set_at: '2026-01-02T00:00:00Z' }
    await store.append(
      `organization-${organization_id}`,
      [newEvent('OrganizationCreated', data), newEvent('OrganizationBudgetSet', budget)],
      -1,
    )
    await db.query(
      `INSERT INTO rm_organizations (organization_id, name, created_at, position, monthly_limit_usd)
       VALUES ($1, 'Old', '2026-01-01T00:00:00Z', 1, 3)`,
      [organization_id],
    )
    await migrate(db)
    expect(await findOrganization(db, organization_id)).toMatchObject({ status: 'active', version: 1 })
    const [created] = await store.readStream(`organization-${organization_id}`)
    const [listed] = await listOrganizations(db, { after: null, limit: 1 })
    expect(listed?.created_position).toBe(created?.global_position)
  })
})
