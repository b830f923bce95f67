import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { issueApiKey } from '../../commands/api-keys/issue-api-key.ts'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { setMonthlyBudget } from '../../commands/organizations/set-monthly-budget.ts'
import { hashKeySecret } from '../../domain/api-keys/key-secret.ts'
import { findApiKeyByHash } from '../../projections/api-keys/api-keys.ts'
import { findOrganization } from '../../projections/organizations/organizations.ts'
import { rebuildReadModel } from '../../projections/rebuild.ts'
import { keyRecord } from '../gateways/router/key-record.ts'
import { startReadModels, testContext } from '../support/read-models.ts'

const context = testContext

async function platform() {
  const { db, store, projector: subscription } = await startReadModels()
  const deps = { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 }
  return { db, deps, subscription }
}

const snapshot = async (db: Awaited<ReturnType<typeof platform>>['db']) => ({
  organizations: (await db.query('SELECT * FROM rm_organizations ORDER BY organization_id')).rows,
  keys: (await db.query('SELECT * FROM rm_api_keys ORDER BY api_key_id')).rows,
})

describe('read models', () => {
  it('project organizations and API keys (by hash, never the secret)', async () => {
    const { db, deps, subscription } = await platform()
    const org = await createOrganization(deps, { name: 'Acme' }, context)
    const key = await issueApiKey(deps, { organization_id: org.organization_id, name: 'ci' }, context)
    await subscription.catchUp()

    expect(await findOrganization(db, org.organization_id)).toEqual({
      id: org.organization_id,
      name: 'Acme',
      created_at: '2026-11-26T10:00:00.000Z',
      status: 'active',
      suspended_reason: null,
      settings: {
        timezone: 'UTC',
        allowed_models: null,
        mfa_required: false,
        rpm_limit: null,
        tpm_limit: null,
        limits_fail_open: false,
        budget_alert_webhook_url: null,
      },
      monthly_limit_usd: null,
      version: 0,
    })
    // An active key of an active organization, no budget, limits or models of its own.
    expect(await findApiKeyByHash(db, hashKeySecret(key.key))).toEqual(
      keyRecord({ api_key_id: key.api_key_id, organization_id: org.organization_id, name: 'ci' }),
    )
    const stored =
      JSON.stringify(await snapshot(db)) + JSON.stringify((await db.query('SELECT data FROM events')).rows)
    expect(stored).not.toContain(key.key)
  })

  it('carry the organization budget to the router’s key lookup, and its removal', async () => {
    const { db, deps, subscription } = await platform()
    const org = await createOrganization(deps, { name: 'Acme' }, context)
    const key = await issueApiKey(deps, { organization_id: org.organization_id, name: 'ci' }, context)
    await setMonthlyBudget(deps, { organization_id: org.organization_id, monthly_limit_usd: 12.5 }, context)
    await subscription.catchUp()
    expect(await findOrganization(db, org.organization_id)).toMatchObject({ monthly_limit_usd: 12.5 })
    expect(await findApiKeyByHash(db, hashKeySecret(key.key))).toMatchObject({
      budgets: [{ api_key_id: null, limit_micros: 12_500_000, period: 'monthly', enforcement: 'hard' }],
    })

    await setMonthlyBudget(deps, { organization_id: org.organization_id, monthly_limit_usd: null }, context)
    await subscription.catchUp()
    expect(await findApiKeyByHash(db, hashKeySecret(key.key))).toMatchObject({ budgets: [] })
  })

  it('are disposable: a rebuild from the log equals the live read models', async () => {
    const { db, deps, subscription } = await platform()
    for (const name of ['A', 'B', 'C']) {
      const org = await createOrganization(deps, { name }, context)
      await issueApiKey(deps, { organization_id: org.organization_id, name: `${name}-key` }, context)
      await setMonthlyBudget(deps, { organization_id: org.organization_id, monthly_limit_usd: 3 }, context)
    }
    await subscription.catchUp()
    const live = await snapshot(db)

    await rebuildReadModel(db, 'all')
    expect(await snapshot(db)).toEqual(live)
    expect(live.keys).toHaveLength(3)
  })
})
