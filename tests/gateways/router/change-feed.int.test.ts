import { randomUUID } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import { hashKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { startCatalogueModels } from '../../../gateways/router/catalogue-models.ts'
import { startRouterReplica } from '../../../gateways/router/replica.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { listen } from '../../../infra/postgres/listen.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'
import { findApiKeyByHash } from '../../../projections/api-keys/key-lookup.ts'
import { READ_MODELS_CHANNEL } from '../../../projections/read-models.ts'
import { databaseUrl } from '../../infra/postgres/fresh-schema.ts'
import {
  ADMIN_TOKEN,
  admin,
  newOrganization,
  type Platform,
  startPlatform,
} from '../admin/api-keys-platform.ts'

// A router replica on real PostgreSQL, woken by NOTIFY only (its poll set to a minute), sees an
// organization settings change, a budget, a suspension, a revocation and a model change soon after
// the admin API's response: typically within milliseconds. Each single sample is bounded at 3 s
// (far below the minute a missed NOTIFY would cost, so the bound still proves the wake-up, and
// safe on a loaded machine); the 1 s p99 is asserted over dozens of samples by
// tests/e2e/router-propagation.e2e.test.ts.

const BOUND_MS = 3000

async function replicaOf(platform: Platform) {
  const { db } = platform
  const onError = (error: unknown) => {
    throw error
  }
  const secrets = createSecretBox(db, undefined)
  const catalogue = startCatalogueModels({ db, secrets, intervalMs: 60_000, onError })
  onTestFinished(() => catalogue.close())
  const replica = startRouterReplica({
    db,
    find: (hash) => findApiKeyByHash(db, hash),
    catalogue,
    pollMs: 60_000,
  })
  onTestFinished(() => replica.close())
  const listener = listen(databaseUrl(), READ_MODELS_CHANNEL, () => {
    replica.feed.wake().catch(() => {})
  })
  onTestFinished(() => listener.close())
  await listener.ready
  await replica.feed.wake()
  return { replica, catalogue }
}

/** Milliseconds until `seen()` holds, polled every 5 ms; fails after 10 s. */
async function msUntil(seen: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now()
  while (!(await seen())) {
    if (Date.now() - started > 10_000) throw new Error('not seen in 10 s')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return Date.now() - started
}

async function patch(platform: Platform, url: string, payload: object) {
  const response = await platform.app.inject({
    method: 'PATCH',
    url: `/admin/v1${url}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload,
  })
  expect(response.statusCode, response.body).toBe(200)
}

describe('the router change feed on PostgreSQL', () => {
  it('brings a settings change, a budget, a suspension, a revocation and a model change to a replica', async () => {
    const platform = await startPlatform(undefined, { backend: false })
    const { replica, catalogue } = await replicaOf(platform)
    const organization_id = await newOrganization(platform)
    const issued = await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k' })
    expect(issued.status, JSON.stringify(issued.body)).toBe(201)
    const { id, key } = issued.body as { id: string; key: string }
    const hash = hashKeySecret(key)
    const record = () => replica.keys.lookup(hash) as Promise<ApiKeyRecord>
    expect(await record()).toMatchObject({ status: 'active', organization_allowed_models: null })

    const limits = { rpm_limit: 90, tpm_limit: 9000, limits_fail_open: true }
    await patch(platform, `/organizations/${organization_id}`, {
      settings: { allowed_models: ['echo'], ...limits },
    })
    const settings = await msUntil(async () => (await record()).organization_allowed_models?.[0] === 'echo')
    // The organization's limits come with its settings (migration 0430, read by the key lookup).
    expect(await record()).toMatchObject({
      organization_rpm_limit: 90,
      organization_tpm_limit: 9000,
      organization_limits_fail_open: true,
    })
    const budgetBody = { organization_id, limit_usd: '25.00', period: 'monthly', enforcement: 'hard' }
    expect((await admin(platform, 'POST', '/budgets', budgetBody)).status).toBe(201)
    const budget = await msUntil(async () => (await record()).budgets[0]?.limit_micros === 25_000_000)
    expect(
      (await admin(platform, 'POST', `/organizations/${organization_id}/suspend`, { reason: 'audit' }))
        .status,
    ).toBe(200)
    const suspension = await msUntil(async () => (await record()).organization_status === 'suspended')
    expect((await admin(platform, 'POST', `/api-keys/${id}/revoke`)).status).toBe(200)
    const revocation = await msUntil(async () => (await record()).status === 'revoked')

    const name = `m-${randomUUID().slice(0, 8)}`
    const created = await admin(platform, 'POST', '/models', {
      name,
      input_price_per_million_usd: '1',
      output_price_per_million_usd: '2',
      max_output_tokens: 100,
      backends: [
        {
          url: 'https://api.example.com/v1',
          provider: 'openai-compatible',
          weight: 1,
          priority: 0,
          timeout_ms: 1000,
        },
      ],
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const model = await msUntil(() => catalogue.models().some((m) => m.name === name))

    console.log(
      `change feed on PostgreSQL (NOTIFY): settings ${settings} ms, budget ${budget} ms, suspension ${suspension} ms, revocation ${revocation} ms, model ${model} ms`,
    )
    for (const ms of [settings, budget, suspension, revocation, model]) expect(ms).toBeLessThan(BOUND_MS)
  })
})
