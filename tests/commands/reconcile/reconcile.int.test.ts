import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import { changeBudget } from '../../../commands/budgets/budget-commands.ts'
import { loadState } from '../../../commands/handle-command.ts'
import { updateModel } from '../../../commands/models/model-commands.ts'
import { type ReconcileDeps, reconcile, type Snapshot } from '../../../commands/reconcile/reconcile.ts'
import { createUser } from '../../../commands/users/create-user.ts'
import { setMembership } from '../../../commands/users/memberships.ts'
import { apiKeyStream } from '../../../domain/api-keys/api-key.ts'
import { apiKeyDecider } from '../../../domain/api-keys/decider.ts'
import { hashKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { budgetStream } from '../../../domain/budgets/budget.ts'
import { budgetDecider } from '../../../domain/budgets/decider.ts'
import { modelDecider } from '../../../domain/models/decider.ts'
import { modelStream } from '../../../domain/models/model.ts'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import { organizationStream } from '../../../domain/organizations/organization.ts'
import {
  apiKeyIdOf,
  budgetIdOf,
  organizationIdOf,
  userIdOf,
} from '../../../domain/tenants-as-code/identity.ts'
import { formatPlan } from '../../../domain/tenants-as-code/plan-format.ts'
import { userDecider } from '../../../domain/users/decider.ts'
import { userStream } from '../../../domain/users/user.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { sqlModelNames } from '../../../projections/models/model-names.ts'
import { sqlEmailReservations } from '../../../projections/users/email-reservations.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'

// A reconciliation on real PostgreSQL, through the command handlers the admin API uses.

const organization = (name: string, monthly: string, keys: string[]) => `kind: Organization
name: ${name}
display_name: ${name.toUpperCase()}
budgets:
  - period: monthly
    limit_usd: "${monthly}"
api_keys:
${keys.map((key) => `  - name: ${key}\n    budgets: [{ period: daily, limit_usd: "1" }]`).join('\n')}
`

const keyring = parseKeyring(newKeyringText('k1'))
const restContext = { actor: 'admin', correlation_id: v7(), causation_id: null, source: 'admin-api' }

const disposers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose()
})

/** A migrated schema of its own, and a repository whose files and commit the test sets. */
async function platform() {
  const { db, dispose } = await makePostgres('reconcile', 4)()
  disposers.push(dispose)
  const store = createEventStore(db)
  let snapshot: Snapshot = { commit: 'none', files: [] }
  const secretFiles = new Map<string, string>()
  const deps: ReconcileDeps = {
    db,
    store,
    emails: sqlEmailReservations(db),
    modelNames: sqlModelNames(db),
    allowedAddresses: [],
    secrets: createSecretBox(db, keyring),
    now: () => new Date(),
    newId: v7,
    read: async () => snapshot,
    readSecretFile: async (path) => {
      const text = secretFiles.get(path)
      if (text === undefined) throw new Error(`no such file ${path}`)
      return text
    },
  }
  const commit = (sha: string, files: Record<string, string>) => {
    snapshot = { commit: sha, files: Object.entries(files).map(([path, text]) => ({ path, text })) }
  }
  const events = async () => {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM events')
    return Number(rows[0]?.n)
  }
  const budget = async (id: string) => (await loadState(store, budgetStream(id), budgetDecider)).state
  return { db, store, deps, commit, events, budget, secretFiles }
}

const applied = async (deps: ReconcileDeps) => {
  const outcome = await reconcile(deps, 'apply', 'test')
  if (outcome.result !== 'applied') throw new Error(`not applied: ${JSON.stringify(outcome)}`)
  return outcome
}

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

describe('reconcile members on PostgreSQL', () => {
  const withMembers = (members: string) => `kind: Organization
name: acme
display_name: Acme
members:
${members}`

  const userState = async (store: ReturnType<typeof createEventStore>, user_id: string) =>
    (await loadState(store, userStream(user_id), userDecider)).state

  it('invites the users git names, uses the ones that exist, and gives them their roles', async () => {
    const p = await platform()
    const bob = await createUser(
      { ...p.deps },
      { email: 'bob@example.com', display_name: 'Bob', invite: false },
      restContext,
    )
    p.commit('c1', {
      'acme.yaml': withMembers(`  - { email: Ada@Example.com, display_name: Ada, roles: [org_admin, analyst] }
  - { email: bob@example.com, display_name: Robert, roles: [member] }
`),
    })
    const outcome = await applied(p.deps)
    expect(
      outcome.plan.changes.map((c) => c.action !== 'blocked' && c.action !== 'delete' && c.resource.address),
    ).toEqual([
      'organization.acme',
      'user.ada@example.com',
      'organization.acme.member.ada@example.com',
      'organization.acme.member.bob@example.com',
    ])
    const organization_id = organizationIdOf('acme')
    expect(await userState(p.store, userIdOf('ada@example.com'))).toMatchObject({
      status: 'Invited',
      display_name: 'Ada',
      memberships: { [organization_id]: ['org_admin', 'analyst'] },
    })
    // The existing user is the one given the role; git did not create a second Bob.
    expect(await userState(p.store, bob.user_id)).toMatchObject({
      status: 'Active',
      display_name: 'Bob',
      memberships: { [organization_id]: ['member'] },
    })
    expect((await applied(p.deps)).applied).toBe(0)
  })

  it('restores roles changed over REST (drift), and removes a member only with prune', async () => {
    const p = await platform()
    const ada = '  - { email: ada@example.com, display_name: Ada, roles: [analyst] }\n'
    const cy = '  - { email: cy@example.com, display_name: Cy, roles: [member] }\n'
    p.commit('c1', { 'acme.yaml': withMembers(ada + cy) })
    await applied(p.deps)
    const organization_id = organizationIdOf('acme')
    const user_id = userIdOf('ada@example.com')
    await setMembership(p.deps, { user_id, organization_id, roles: ['org_owner'] }, restContext)
    const planned = await reconcile(p.deps, 'plan', 'test')
    expect(planned).toMatchObject({
      plan: {
        drift: 1,
        changes: [{ action: 'update', fields: [{ field: 'roles', from: ['org_owner'], to: ['analyst'] }] }],
      },
    })
    await applied(p.deps)
    expect(await userState(p.store, user_id)).toMatchObject({
      memberships: { [organization_id]: ['analyst'] },
    })

    p.commit('c2', { 'acme.yaml': withMembers(ada) })
    expect((await applied(p.deps)).applied).toBe(0)
    p.commit('c3', { 'aiaas.yaml': 'kind: Repository\nprune: true\n', 'acme.yaml': withMembers(ada) })
    expect((await applied(p.deps)).applied).toBe(1)
    // The membership is gone; the user stays (git never deletes users).
    expect(await userState(p.store, userIdOf('cy@example.com'))).toMatchObject({
      status: 'Invited',
      memberships: {},
    })
  })
})

describe('reconcile models on PostgreSQL', () => {
  const modelFile = (price: string) => `kind: Model
name: gpt-x
input_price_per_million_usd: "${price}"
output_price_per_million_usd: "2"
max_output_tokens: 4096
backends:
  - url: https://backend.example/v1
    provider: openai-compatible
    api_key_file: /run/secrets/provider
`

  const modelState = async (store: ReturnType<typeof createEventStore>) =>
    (await loadState(store, modelStream('gpt-x'), modelDecider)).state

  it('creates a model whose backend key is read from its file and stored sealed; the plan shows only a fingerprint', async () => {
    const p = await platform()
    const box = createSecretBox(p.db, keyring)
    p.secretFiles.set('/run/secrets/provider', 'sk-provider-first')
    p.commit('c1', { 'models/gpt-x.yaml': modelFile('1') })
    await applied(p.deps)
    const created = await modelState(p.store)
    if (created.status !== 'Active') throw new Error('no model')
    expect(created.definition).toMatchObject({ input_price_per_million_usd: '1', strategy: 'priority' })
    const sealed = created.definition.backends[0]?.api_key
    expect(sealed && (await box.open(sealed))).toBe('sk-provider-first')
    expect((await applied(p.deps)).applied).toBe(0)

    // The key in the file changes: an update, shown by fingerprints, never the key.
    p.secretFiles.set('/run/secrets/provider', 'sk-provider-second')
    const planned = await reconcile(p.deps, 'plan', 'test')
    if (planned.result !== 'planned') throw new Error(planned.result)
    expect(planned.plan.changes.map((c) => c.action === 'update' && c.fields.map((f) => f.field))).toEqual([
      ['backends'],
    ])
    expect(formatPlan(planned.plan, 'c1')).not.toContain('sk-provider')
    await applied(p.deps)
    const rotated = await modelState(p.store)
    const resealed = rotated.status === 'Active' ? rotated.definition.backends[0]?.api_key : null
    expect(resealed && (await box.open(resealed))).toBe('sk-provider-second')
  })

  it('restores a price changed over REST, and deletes the model only with prune', async () => {
    const p = await platform()
    p.secretFiles.set('/run/secrets/provider', 'sk-provider')
    p.commit('c1', { 'gpt-x.yaml': modelFile('1') })
    await applied(p.deps)
    const secrets = createSecretBox(p.db, keyring)
    const modelDeps = { commands: p.deps, secrets, allowedAddresses: [], names: sqlModelNames(p.db) }
    await updateModel(modelDeps, 'gpt-x', { input_price_per_million_usd: '5' }, restContext)
    const restored = await applied(p.deps)
    expect(restored.plan).toMatchObject({
      drift: 1,
      changes: [{ action: 'update', fields: [{ field: 'input_price_per_million_usd', from: '5', to: '1' }] }],
    })
    expect(await modelState(p.store)).toMatchObject({ definition: { input_price_per_million_usd: '1' } })

    p.commit('c2', {})
    expect((await applied(p.deps)).applied).toBe(0)
    p.commit('c3', { 'aiaas.yaml': 'kind: Repository\nprune: true\n' })
    expect((await applied(p.deps)).applied).toBe(1)
    expect((await modelState(p.store)).status).toBe('Deleted')
  })
})
