import { v7 } from 'uuid'
import { afterEach, describe, expect, it } from 'vitest'
import { createModel, type ModelCommandDeps, updateModel } from '../../../commands/models/model-commands.ts'
import { startCatalogueModels } from '../../../gateways/router/catalogue-models.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { sqlModelNames } from '../../../projections/models/model-names.ts'
import { startReadModels } from '../../support/read-models.ts'

const SECRET = 'sk-provider-router-0123456789abcdef'
const context = {
  actor: 'test',
  correlation_id: v7(),
  causation_id: null,
  source: 'test',
  source_ip: null,
  user_agent: null,
}
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function platform() {
  const { db, store, projector } = await startReadModels()
  const secrets = createSecretBox(db, parseKeyring(newKeyringText('k1')))
  const deps: ModelCommandDeps = {
    commands: { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 },
    secrets,
    allowedAddresses: [],
    names: sqlModelNames(db),
  }
  return { db, deps, secrets, projector }
}

const backend = (over: Record<string, unknown> = {}) => ({
  url: 'https://b.example.com/v1',
  provider: 'vllm' as const,
  weight: 1,
  priority: 0,
  timeout_ms: 1000,
  headers: {},
  ...over,
})
const body = (name: string, backends = [backend({ api_key: SECRET })]) => ({
  name,
  aliases: [`${name}-alias`],
  input_price_per_million_usd: '0.5',
  output_price_per_million_usd: '1.5',
  max_output_tokens: 64,
  backends,
})

describe('catalogue models for the router', () => {
  it('routes each model and alias to its preferred backend, with its key as a bearer header', async () => {
    const { db, deps, secrets, projector } = await platform()
    const backends = [
      backend({ url: 'https://second.example.com', priority: 2 }),
      backend({ api_key: SECRET }),
    ]
    await createModel(deps, body('m', backends), context)
    await projector.catchUp()
    const catalogue = startCatalogueModels({ db, secrets, intervalMs: 60_000, onError: () => {} })
    closers.push(() => catalogue.close())
    await catalogue.refresh()
    expect(catalogue.models()).toEqual([
      {
        name: 'm',
        backend_url: 'https://b.example.com/v1',
        backend_headers: { authorization: `Bearer ${SECRET}` },
        // Every backend, the preferred one first by priority when routed (routing/strategy.ts).
        backends: [
          expect.objectContaining({ url: 'https://second.example.com', priority: 2, headers: {} }),
          {
            id: 'https://b.example.com/v1',
            url: 'https://b.example.com/v1',
            provider: 'vllm',
            weight: 1,
            priority: 0,
            timeout_ms: 1000,
            headers: { authorization: `Bearer ${SECRET}` },
            upstream_model: 'm',
            // The model's limit, carried to the backend the adapter calls (Anthropic's max_tokens).
            max_output_tokens: 64,
          },
        ],
        strategy: 'priority',
        input_usd_per_mtok: 0.5,
        output_usd_per_mtok: 1.5,
        max_output_tokens: 64,
        rpm_limit: null,
        tpm_limit: null,
      },
      expect.objectContaining({ name: 'm-alias', backend_model: 'm' }),
    ])
  })

  it("carries the model's routing strategy, priority when it names none", async () => {
    const { db, deps, secrets, projector } = await platform()
    await createModel(deps, { ...body('plain') }, context)
    await createModel(deps, { ...body('fast'), strategy: 'least_latency' }, context)
    await projector.catchUp()
    const catalogue = startCatalogueModels({ db, secrets, intervalMs: 60_000, onError: () => {} })
    closers.push(() => catalogue.close())
    await catalogue.refresh()
    const strategies = Object.fromEntries(catalogue.models().map((m) => [m.name, m.strategy]))
    expect(strategies).toEqual({
      plain: 'priority',
      'plain-alias': 'priority',
      fast: 'least_latency',
      'fast-alias': 'least_latency',
    })
  })

  it("carries the model's per-minute limits to it and its aliases, and follows a change of them", async () => {
    const { db, deps, secrets, projector } = await platform()
    await createModel(deps, { ...body('capped'), rpm_limit: 100, tpm_limit: 20_000 }, context)
    await projector.catchUp()
    const catalogue = startCatalogueModels({ db, secrets, intervalMs: 60_000, onError: () => {} })
    closers.push(() => catalogue.close())
    await catalogue.refresh()
    const limits = () =>
      catalogue.models().map(({ name, rpm_limit, tpm_limit }) => ({ name, rpm_limit, tpm_limit }))
    expect(limits()).toEqual([
      { name: 'capped', rpm_limit: 100, tpm_limit: 20_000 },
      { name: 'capped-alias', rpm_limit: 100, tpm_limit: 20_000 },
    ])
    await updateModel(deps, 'capped', { rpm_limit: null }, context)
    await projector.catchUp()
    await catalogue.refresh()
    expect(limits()).toEqual([
      { name: 'capped', rpm_limit: null, tpm_limit: 20_000 },
      { name: 'capped-alias', rpm_limit: null, tpm_limit: 20_000 },
    ])
  })

  it('rebuilds a model only when its version changed, and follows the change', async () => {
    const { db, deps, secrets, projector } = await platform()
    await createModel(deps, body('m'), context)
    await projector.catchUp()
    const catalogue = startCatalogueModels({ db, secrets, intervalMs: 60_000, onError: () => {} })
    closers.push(() => catalogue.close())
    await catalogue.refresh()
    const first = catalogue.models()[0]
    await catalogue.refresh()
    expect(catalogue.models()[0]).toBe(first)
    await updateModel(deps, 'm', { max_output_tokens: 32 }, context)
    await projector.catchUp()
    await catalogue.refresh()
    expect(catalogue.models()[0]).toMatchObject({ max_output_tokens: 32 })
  })

  it('leaves out a model whose key cannot be opened, naming the model and never the key', async () => {
    const { db, deps, projector } = await platform()
    await createModel(deps, body('locked'), context)
    await createModel(deps, body('open', [backend()]), context)
    await projector.catchUp()
    const errors: string[] = []
    const catalogue = startCatalogueModels({
      db,
      secrets: createSecretBox(db, parseKeyring(newKeyringText('k1'))),
      intervalMs: 60_000,
      onError: (error, model) => errors.push(`${model}: ${String(error)}`),
    })
    closers.push(() => catalogue.close())
    await catalogue.refresh()
    expect(catalogue.models().map((m) => m.name)).toEqual(['open', 'open-alias'])
    expect(errors).toEqual([expect.stringMatching(/^locked: AppError: a stored secret cannot be decrypted/)])
    expect(errors.join()).not.toContain(SECRET)
  })

  it('leaves out a model whose stored row this version cannot read, naming it, and keeps the others', async () => {
    const { db, deps, secrets, projector } = await platform()
    await createModel(deps, body('next', [backend()]), context)
    await createModel(deps, body('open', [backend()]), context)
    await projector.catchUp()
    const errors: Array<{ model: string | undefined; error: string }> = []
    const catalogue = startCatalogueModels({
      db,
      secrets,
      intervalMs: 60_000,
      onError: (error, model) => errors.push({ model, error: JSON.stringify(error) + String(error) }),
    })
    closers.push(() => catalogue.close())
    await catalogue.refresh()
    expect(catalogue.models().map((m) => m.name)).toEqual(['next', 'next-alias', 'open', 'open-alias'])
    // As a newer identity might write it during a rolling upgrade: a provider this version does
    // not know, and a header this version must never echo.
    await db.query(
      `UPDATE rm_models SET version = version + 1, backends = jsonb_build_array(
         backends->0 || '{"provider": "from-the-future", "headers": {"x-token": "tok-never-echoed"}}'::jsonb)
       WHERE name = 'next'`,
    )
    await catalogue.refresh()
    expect(catalogue.models().map((m) => m.name)).toEqual(['open', 'open-alias'])
    expect(errors).toEqual([{ model: 'next', error: expect.stringContaining('provider') }])
    expect(errors[0]?.error).not.toContain('tok-never-echoed')
  })
})
