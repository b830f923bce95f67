import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import {
  changeBudget,
  createBudget,
  deleteBudget,
  recordThresholdCrossed,
} from '../../../commands/budgets/budget-commands.ts'
import { handleCommand } from '../../../commands/handle-command.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { setMonthlyBudget } from '../../../commands/organizations/set-monthly-budget.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { hashKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { budgetIdFor } from '../../../domain/budgets/budget.ts'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import { organizationStream } from '../../../domain/organizations/organization.ts'
import { findApiKeyByHash } from '../../../projections/api-keys/key-lookup.ts'
import { findBudget, listBudgets, watchedBudgets } from '../../../projections/budgets/queries.ts'
import { findOrganization } from '../../../projections/organizations/organizations.ts'
import { startReadModels, TEST_NOW, testContext } from '../../support/read-models.ts'

async function platform() {
  const { db, store, projector } = await startReadModels()
  const deps = { store, now: () => TEST_NOW, newId: v7 }
  const org = await createOrganization(deps, { name: 'Acme' }, testContext)
  return { db, deps, projector, organization_id: org.organization_id }
}

describe('budgets read model', () => {
  it('projects a budget, its changes, its crossings and its deletion', async () => {
    const { db, deps, projector, organization_id } = await platform()
    const input = {
      organization_id,
      limit_usd: '25.00',
      period: 'daily' as const,
      enforcement: 'hard' as const,
    }
    const { budget_id } = await createBudget(deps, { ...input, alert_thresholds: [0.8, 0.5] }, testContext)
    await projector.catchUp()
    expect(await findBudget(db, budget_id)).toEqual({
      id: budget_id,
      organization_id,
      api_key_id: null,
      limit_usd: '25.00',
      period: 'daily',
      enforcement: 'hard',
      alert_thresholds: [0.5, 0.8],
      created_at: TEST_NOW.toISOString(),
      updated_at: TEST_NOW.toISOString(),
      alerted: null,
      version: 0,
    })

    await changeBudget(deps, { budget_id }, { limit_usd: '30.5', enforcement: 'soft' }, testContext)
    const crossing = {
      budget_id,
      organization_id,
      threshold: 0.5,
      period_start: '2026-11-26',
      spent_micros: 16_000_000,
    }
    await recordThresholdCrossed(deps, crossing, testContext)
    await projector.catchUp()
    expect(await findBudget(db, budget_id)).toMatchObject({
      limit_usd: '30.50',
      enforcement: 'soft',
      alerted: { period_start: '2026-11-26', thresholds: [0.5] },
      version: 2,
    })
    expect(await watchedBudgets(db)).toEqual([
      expect.objectContaining({
        budget_id,
        crossed_period: '2026-11-26',
        crossed_thresholds: [0.5],
        timezone: 'UTC',
      }),
    ])

    await deleteBudget(deps, { budget_id }, testContext)
    await projector.catchUp()
    expect(await findBudget(db, budget_id)).toBeNull()
  })

  it('lists an organization’s budgets in commit order, filtered by key, never another organization’s', async () => {
    const { db, deps, projector, organization_id } = await platform()
    const other = await createOrganization(deps, { name: 'Other' }, testContext)
    const key = await issueApiKey(deps, { organization_id, name: 'ci' }, testContext)
    const terms = { limit_usd: '1', enforcement: 'hard' as const }
    const a = await createBudget(deps, { organization_id, period: 'total', ...terms }, testContext)
    const b = await createBudget(
      deps,
      { organization_id, api_key_id: key.api_key_id, period: 'daily', ...terms },
      testContext,
    )
    await createBudget(
      deps,
      { organization_id: other.organization_id, period: 'total', ...terms },
      testContext,
    )
    await projector.catchUp()
    const ids = async (query: object) =>
      (await listBudgets(db, { organization_id, after: null, limit: 10, ...query })).map((row) => row.id)
    expect(await ids({})).toEqual([a.budget_id, b.budget_id])
    expect(await ids({ api_key_id: key.api_key_id })).toEqual([b.budget_id])
  })

  it('gives the router’s key lookup the organization’s budgets and the key’s own, with the organization’s time zone', async () => {
    const { db, deps, projector, organization_id } = await platform()
    const key = await issueApiKey(deps, { organization_id, name: 'ci' }, testContext)
    const sibling = await issueApiKey(deps, { organization_id, name: 'other' }, testContext)
    const settings = { timezone: 'Asia/Tokyo' }
    await updateOrganization(deps, { organization_id, settings }, testContext)
    const terms = { limit_usd: '2.5', enforcement: 'soft' as const }
    const org = await createBudget(deps, { organization_id, period: 'monthly', ...terms }, testContext)
    const own = await createBudget(
      deps,
      { organization_id, api_key_id: key.api_key_id, period: 'daily', ...terms },
      testContext,
    )
    await createBudget(
      deps,
      { organization_id, api_key_id: sibling.api_key_id, period: 'daily', ...terms },
      testContext,
    )
    await projector.catchUp()
    const record = await findApiKeyByHash(db, hashKeySecret(key.key))
    expect(record?.organization_timezone).toBe('Asia/Tokyo')
    expect(record?.budgets).toEqual([
      {
        budget_id: org.budget_id,
        api_key_id: null,
        limit_micros: 2_500_000,
        period: 'monthly',
        enforcement: 'soft',
      },
      {
        budget_id: own.budget_id,
        api_key_id: key.api_key_id,
        limit_micros: 2_500_000,
        period: 'daily',
        enforcement: 'soft',
      },
    ])
    // What the router caches (and a replica keeps on disk) is plain JSON.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record)
  })

  it('keeps an organization budget of an old log (OrganizationBudgetSet) as its monthly hard budget', async () => {
    const { db, deps, projector, organization_id } = await platform()
    // The event a log written before budget streams holds: no command writes it any more.
    const legacy = {
      type: 'SetMonthlyBudget' as const,
      data: { organization_id, monthly_limit_usd: 7.25, now: TEST_NOW.toISOString() },
    }
    await handleCommand(deps, organizationStream(organization_id), organizationDecider, legacy, testContext)
    await projector.catchUp()
    const budget_id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
    expect(await findBudget(db, budget_id)).toMatchObject({
      limit_usd: '7.25',
      period: 'monthly',
      enforcement: 'hard',
      version: -1,
    })
    expect(await findOrganization(db, organization_id)).toMatchObject({ monthly_limit_usd: 7.25 })

    // The budget commands start its stream from it: the old route changes it, then removes it.
    await setMonthlyBudget(deps, { organization_id, monthly_limit_usd: 9 }, testContext)
    await projector.catchUp()
    expect(await findBudget(db, budget_id)).toMatchObject({ limit_usd: '9.00', version: 0 })
    expect(await findOrganization(db, organization_id)).toMatchObject({ monthly_limit_usd: 9 })
    await setMonthlyBudget(deps, { organization_id, monthly_limit_usd: null }, testContext)
    await projector.catchUp()
    expect(await findBudget(db, budget_id)).toBeNull()
    expect(await findOrganization(db, organization_id)).toMatchObject({ monthly_limit_usd: null })
  })
})
