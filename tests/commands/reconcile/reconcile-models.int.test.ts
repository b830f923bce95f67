import { describe, expect, it } from 'vitest'
import { loadState } from '../../../commands/handle-command.ts'
import { updateModel } from '../../../commands/models/model-commands.ts'
import { reconcile } from '../../../commands/reconcile/reconcile.ts'
import { modelDecider } from '../../../domain/models/decider.ts'
import { modelStream } from '../../../domain/models/model.ts'
import { formatPlan } from '../../../domain/tenants-as-code/plan-format.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { sqlModelNames } from '../../../projections/models/model-names.ts'
import {
  applied,
  keyring,
  reconcilePlatform as platform,
  restContext,
} from '../../support/reconcile-platform.ts'

// Models in git on real PostgreSQL: the catalogue's prices and backends, keys by reference.

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

  const modelState = async (store: EventStore) =>
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
