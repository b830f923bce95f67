import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { READ_MODEL_REGISTRY, readModelsProjection } from '../../../projections/read-models.ts'
import { cliOnSchema } from '../../support/cli-on-schema.ts'
import { testContext } from '../../support/read-models.ts'

// `aiaas projections rebuild` as an operator runs it, on real PostgreSQL: a tampered read model
// comes back as the log wrote it; an unknown name is refused with the names that exist.
const cli = cliOnSchema('rebuildcli')
const aiaas = cli.aiaas

const organizations = async () =>
  (await cli.db().query('SELECT t.* FROM rm_organizations t ORDER BY t::text COLLATE "C"')).rows

describe('aiaas projections rebuild <name>', () => {
  it('rebuilds a tampered read model to the rows the log wrote', async () => {
    const store = createEventStore(cli.db())
    const deps = { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 }
    const acme = await createOrganization(deps, { name: 'Acme' }, testContext)
    await createOrganization(deps, { name: 'Globex' }, testContext)
    await updateOrganization(deps, { organization_id: acme.organization_id, name: 'Acme Corp' }, testContext)
    const projector = startSubscription(cli.db(), store, readModelsProjection, { idleMs: 10_000 })
    await projector.catchUp()
    await projector.stop()
    const live = await organizations()
    expect(live).toHaveLength(2)
    await cli.db().query(`UPDATE rm_organizations SET name = 'tampered'`)
    await cli.db().query('DELETE FROM rm_organizations WHERE organization_id = $1', [acme.organization_id])

    const run = await aiaas(['projections', 'rebuild', 'organizations'])
    expect(run.output).toContain('rebuilt organizations (rm_organizations): 3 events')
    expect(run.code).toBe(0)
    expect(await organizations()).toEqual(live)
  })

  it('refuses an unknown name with status 2 and the names it knows', async () => {
    const run = await aiaas(['projections', 'rebuild', 'email_reservations'])
    expect(run.code).toBe(2)
    expect(run.output).toContain('unknown read model `email_reservations`')
    for (const model of READ_MODEL_REGISTRY) expect(run.output).toContain(model.name)
    const bare = await aiaas(['projections', 'rebuild'])
    expect(bare.code).toBe(2)
    expect(bare.output).toContain('usage: aiaas projections rebuild <name>')
  })
})
