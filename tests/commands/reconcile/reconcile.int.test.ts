import { describe, expect, it } from 'vitest'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import { changeBudget } from '../../../commands/budgets/budget-commands.ts'
import { loadState } from '../../../commands/handle-command.ts'
import { reconcile } from '../../../commands/reconcile/reconcile.ts'
import { apiKeyStream } from '../../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../../domain/api-keys/decider.ts'
import { hashKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { budgetStream } from '../../../domain/budgets/budget.ts'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import { organizationStream } from '../../../domain/organizations/organization.ts'
import { apiKeyIdOf, budgetIdOf, organizationIdOf } from '../../../domain/tenants-as-code/identity.ts'
import { applied, reconcilePlatform as platform, restContext } from '../../support/reconcile-platform.ts'

// A reconciliation on real PostgreSQL, through the command handlers the admin API uses:
// organizations, their API keys and budgets.

const organization = (name: string, monthly: string, keys: string[]) => `kind: Organization
name: ${name}
display_name: ${name.toUpperCase()}
budgets:
  - period: monthly
    limit_usd: "${monthly}"
api_keys:
${keys.map((key) => `  - name: ${key}\n    budgets: [{ period: daily, limit_usd: "1" }]`).join('\n')}
`

describe('reconcile on PostgreSQL', () => {
  it('creates the organizations, keys and budgets git declares, each event with {source: git, commit}', async () => {
    const p = await platform()
    p.commit('c1', {
      'acme.yaml': organization('acme', '100', ['web', 'batch']),
      'beta.yaml': organization('beta', '5', ['app']),
    })
    const outcome = await applied(p.deps)
    expect(outcome.applied).toBe(2 + 3 + 2 + 3)
    const acme = organizationIdOf('acme')
    const org = await loadState(p.store, organizationStream(acme), organizationDecider)
    expect(org.state).toMatchObject({ status: 'Active', name: 'ACME' })
    expect(await p.budget(budgetIdOf(acme, null, 'monthly'))).toMatchObject({
      status: 'Active',
      limit_micros: 100_000_000,
    })
    // The secret shown once is the key's: its hash is the one stored.
    const web = outcome.keys.find((key) => key.address === 'organization.acme.api_key.web')
    expect(web?.api_key_id).toBe(apiKeyIdOf('acme', 'web'))
    const key = (await loadState(p.store, apiKeyStream(apiKeyIdOf('acme', 'web')), apiKeyDecider)).state
    expect(key.status === 'Active' && key.key_hash).toBe(hashKeySecret(web?.key ?? ''))
    expect(outcome.keys).toHaveLength(3)
    const { rows } = await p.db.query<{ metadata: Record<string, unknown> }>('SELECT metadata FROM events')
    expect(rows).toHaveLength(10)
    for (const { metadata } of rows)
      expect(metadata).toMatchObject({ source: 'git', commit: 'c1', actor: 'test' })
  })

  it('applied twice, writes no new event', async () => {
    const p = await platform()
    p.commit('c1', { 'acme.yaml': organization('acme', '100', ['web']) })
    await applied(p.deps)
    const before = await p.events()
    const again = await applied(p.deps)
    expect(again.applied).toBe(0)
    expect(await p.events()).toBe(before)
    expect(await reconcile(p.deps, 'plan', 'test')).toMatchObject({
      result: 'planned',
      plan: { changes: [], drift: 0 },
    })
  })

  it('applies a commit that lowers a budget, with that commit in the metadata', async () => {
    const p = await platform()
    p.commit('c1', { 'acme.yaml': organization('acme', '100', ['web']) })
    await applied(p.deps)
    p.commit('c2', { 'acme.yaml': organization('acme', '0.01', ['web']) })
    const planned = await reconcile(p.deps, 'plan', 'test')
    expect(planned).toMatchObject({ result: 'planned', plan: { drift: 0, changes: [{ action: 'update' }] } })
    expect((await applied(p.deps)).applied).toBe(1)
    const budget_id = budgetIdOf(organizationIdOf('acme'), null, 'monthly')
    expect(await p.budget(budget_id)).toMatchObject({ limit_micros: 10_000 })
    const last = await p.store.readStream(budgetStream(budget_id))
    expect(last.at(-1)?.metadata).toMatchObject({ source: 'git', commit: 'c2' })
  })

  it('shows a REST change to a budget git manages as drift, and restores it on apply', async () => {
    const p = await platform()
    p.commit('c1', { 'acme.yaml': organization('acme', '100', ['web']) })
    await applied(p.deps)
    const organization_id = organizationIdOf('acme')
    const budget_id = budgetIdOf(organization_id, null, 'monthly')
    await changeBudget(p.deps, { budget_id, organization_id }, { limit_usd: '999' }, restContext)
    const planned = await reconcile(p.deps, 'plan', 'test')
    expect(planned).toMatchObject({
      result: 'planned',
      plan: {
        drift: 1,
        changes: [
          {
            action: 'update',
            drift: true,
            fields: [{ field: 'limit_micros', from: 999_000_000, to: 100_000_000 }],
          },
        ],
      },
    })
    expect((await applied(p.deps)).plan.drift).toBe(1)
    expect(await p.budget(budget_id)).toMatchObject({ limit_micros: 100_000_000 })
    expect(await reconcile(p.deps, 'plan', 'test')).toMatchObject({ plan: { changes: [], drift: 0 } })
  })

  it('deletes what git no longer declares only with prune: true, and only what git manages', async () => {
    const p = await platform()
    p.commit('c1', { 'acme.yaml': organization('acme', '100', ['web', 'old']) })
    await applied(p.deps)
    const organization_id = organizationIdOf('acme')
    const byRest = await issueApiKey(p.deps, { organization_id, name: 'made-over-rest' }, restContext)
    p.commit('c2', { 'acme.yaml': organization('acme', '100', ['web']) })
    const before = await p.events()
    expect(await applied(p.deps)).toMatchObject({ applied: 0 })
    expect(await p.events()).toBe(before)

    p.commit('c3', {
      'aiaas.yaml': 'kind: Repository\nprune: true\n',
      'acme.yaml': organization('acme', '100', ['web']),
    })
    const pruned = await applied(p.deps)
    const old = apiKeyIdOf('acme', 'old')
    expect(pruned.plan.changes.map((c) => c.action === 'delete' && [c.resource.kind, c.resource.id])).toEqual(
      [
        ['budget', budgetIdOf(organization_id, old, 'daily')],
        ['api_key', old],
      ],
    )
    const keyState = async (id: string) =>
      (await loadState(p.store, apiKeyStream(id), apiKeyDecider)).state.status
    expect(await keyState(old)).toBe('Revoked')
    expect(await keyState(apiKeyIdOf('acme', 'web'))).toBe('Active')
    expect(await keyState(byRest.api_key_id)).toBe('Active')
  })

  it('two reconcilers applying at once take turns: one applies, the other finds nothing left', async () => {
    const p = await platform()
    p.commit('c1', { 'acme.yaml': organization('acme', '100', ['web', 'batch']) })
    const [a, b] = await Promise.all([reconcile(p.deps, 'apply', 'a'), reconcile(p.deps, 'apply', 'b')])
    expect([a.result, b.result]).toEqual(['applied', 'applied'])
    const counts = [a, b].map((o) => (o.result === 'applied' ? o.applied : -1)).sort()
    expect(counts).toEqual([0, 6])
    expect(await p.events()).toBe(6)
  })

  it('applies nothing when one file is invalid, and says where', async () => {
    const p = await platform()
    p.commit('c1', {
      'acme.yaml': organization('acme', '100', ['web']),
      'beta.yaml': organization('beta', '100', ['app']).replace('period: monthly', 'period: weekly'),
    })
    const outcome = await reconcile(p.deps, 'apply', 'test')
    expect(outcome).toMatchObject({ result: 'invalid', errors: [{ file: 'beta.yaml', line: 5 }] })
    expect(await p.events()).toBe(0)
  })
})
