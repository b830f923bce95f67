import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockModel } from '../../../gateways/processes/separate.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'
import { freePort } from '../../support/processes.ts'
import { createOrgAndKey, type Endpoints, json, usageOf } from '../../support/walkthrough.ts'

// Organization budgets through the whole embedded platform: set by the admin API, reserved and
// settled by the router on the in-process ledger, spend read back from analytics.
const ADMIN = TEST_ADMIN_TOKEN

describe('organization budgets', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let base: string
  let e: Endpoints
  // The embedded echo backend is not on the public port: 'pricey' is served by its own process.
  let mock: Awaited<ReturnType<typeof startMockModel>>

  beforeAll(async () => {
    const mockPort = String(await freePort())
    mock = await startMockModel(loadConfig({ AIAAS_MOCK_MODEL_PORT: mockPort, AIAAS_LOG_LEVEL: 'silent' }))
    platform = await startEmbedded(() => ({
      AIAAS_BUDGET_ALERT_INTERVAL_MS: '100',
      AIAAS_BUDGET_RECONCILE_INTERVAL_MS: '100',
      // $0.01 a token either way: a budget runs out in a few requests.
      AIAAS_MODELS: JSON.stringify([
        {
          name: 'pricey',
          backend_url: `${mock.url}/v1`,
          input_usd_per_mtok: 10_000,
          output_usd_per_mtok: 10_000,
        },
      ]),
    }))
    base = platform.base
    e = platform.endpoints
  })

  afterAll(async () => {
    await platform?.stop()
    await mock?.stop()
  })

  const chat = (key: string, body: unknown) =>
    fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: json(key), body: JSON.stringify(body) })

  const setBudget = (organizationId: string, body: unknown) =>
    fetch(`${base}/admin/v1/organizations/${organizationId}/budget`, {
      method: 'PUT',
      headers: json(ADMIN),
      body: JSON.stringify(body),
    })
  // 'hello' with max_tokens 2 on 'pricey': worst case (5 bytes + 8 per message + 2 out) × $0.01 =
  // $0.15 reserved; actual (2 in + 2 out) × $0.01 = $0.04 spent.
  const priceyHello = { model: 'pricey', max_tokens: 2, messages: [{ role: 'user', content: 'hello' }] }

  it('sets a monthly budget through the admin API, validated', async () => {
    const { organizationId } = await createOrgAndKey(e)
    const set = await setBudget(organizationId, { monthly_limit_usd: 12.5 })
    expect(set.status).toBe(200)
    expect(await set.json()).toEqual({
      id: expect.any(String),
      object: 'budget',
      organization_id: organizationId,
      period: 'monthly',
      monthly_limit_usd: 12.5,
    })
    const org = await fetch(`${base}/admin/v1/organizations/${organizationId}`, { headers: json(ADMIN) })
    expect(await org.json()).toMatchObject({ monthly_limit_usd: 12.5 })
    expect((await setBudget(organizationId, { monthly_limit_usd: -1 })).status).toBe(400)
    expect((await setBudget(organizationId, { limit: 3 })).status).toBe(400)
    const unknown = await setBudget('0190a8e2-0000-7000-8000-000000000099', { monthly_limit_usd: 1 })
    expect(unknown.status).toBe(404)
  })

  it('refuses a request whose worst case does not fit the budget, and counts actual spend', async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    expect((await setBudget(organizationId, { monthly_limit_usd: 0.25 })).status).toBe(200)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await chat(key, priceyHello)).status)
    // Spent 0, 0.04, 0.08 leave room for a 0.15 reservation; at 0.12 there is none.
    expect(statuses).toEqual([200, 200, 200, 429])
    const refused = await chat(key, priceyHello)
    expect(await refused.json()).toMatchObject({
      error: { type: 'insufficient_quota', code: 'budget_exceeded' },
    })
    const usage = await usageOf(e, organizationId, 3)
    expect(usage.data.reduce((n, r) => n + Number(r.cost_usd), 0)).toBeCloseTo(0.12, 9)
  })

  it('alerts once when the spend crosses a threshold, and a key budget refuses while the organization has room', async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${base}/admin/v1${path}`, {
        method,
        headers: json(ADMIN),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    const keys = (await (await admin('GET', `/api-keys?organization_id=${organizationId}`)).json()) as {
      data: { id: string }[]
    }
    const keyId = keys.data[0]?.id
    const terms = { limit_usd: '0.30', period: 'total', enforcement: 'hard', alert_thresholds: [0.5] }
    const created = await admin('POST', '/budgets', { organization_id: organizationId, ...terms })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    // Each request holds $0.15 and spends $0.04: four fit, and are past half of $0.30.
    for (let i = 0; i < 4; i++) expect((await chat(key, priceyHello)).status).toBe(200)
    const alerted = async () =>
      ((await (await admin('GET', `/budgets/${id}`)).json()) as { alerted: unknown }).alerted
    await expect.poll(alerted, { timeout: 10_000, interval: 100 }).toMatchObject({ thresholds: [0.5] })

    // A key budget of $0.10 in total refuses ($0.15 held) though the organization's has room.
    expect((await admin('PATCH', `/budgets/${id}`, { limit_usd: '10' })).status).toBe(200)
    expect((await chat(key, priceyHello)).status).toBe(200)
    const keyBudget = { organization_id: organizationId, api_key_id: keyId, ...terms, limit_usd: '0.10' }
    expect((await admin('POST', '/budgets', keyBudget)).status).toBe(201)
    const refused = await chat(key, priceyHello)
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('this API key')
  })

  it('never lets parallel requests spend past the budget', async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    await setBudget(organizationId, { monthly_limit_usd: 0.25 })
    const statuses = await Promise.all(
      Array.from({ length: 5 }, async () => (await chat(key, priceyHello)).status),
    )
    const ok = statuses.filter((s) => s === 200).length
    expect(ok).toBeGreaterThanOrEqual(1)
    expect(statuses.filter((s) => s === 429)).toHaveLength(5 - ok)
    const usage = await usageOf(e, organizationId, ok)
    expect(usage.data.reduce((n, r) => n + Number(r.cost_usd), 0)).toBeLessThanOrEqual(0.25)
  })

  it("shows a budget's recorded spend and the router's counter, and the drift on /metrics", async () => {
    const { key, organizationId } = await createOrgAndKey(e)
    const terms = { organization_id: organizationId, limit_usd: '10', period: 'total', enforcement: 'hard' }
    const created = await fetch(`${base}/admin/v1/budgets`, {
      method: 'POST',
      headers: json(ADMIN),
      body: JSON.stringify(terms),
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    for (let i = 0; i < 2; i++) expect((await chat(key, priceyHello)).status).toBe(200)
    // $0.04 each: the router settled both on its ledger; analytics records them once ingested.
    const spend = async () =>
      (await (
        await fetch(`${base}/analytics/v1/spend?organization_id=${organizationId}`, { headers: json(ADMIN) })
      ).json()) as { data: unknown[] }
    await expect
      .poll(async () => (await spend()).data, { timeout: 10_000, interval: 100 })
      .toEqual([
        expect.objectContaining({
          ...{ budget_id: id, period: 'total', period_start: null, resets_at: null, limit_usd: '10.00' },
          recorded_spend_usd: '0.08',
          ledger: { spent_usd: '0.08', reserved_usd: '0.00', seeded: true },
        }),
      ])
    // Reconciliation runs every 100 ms here: the budget's drift (ledger − recorded) is 0.
    const drift = new RegExp(`^aiaas_budget_ledger_drift_usd\\{[^}]*budget_id="${id}"[^}]*\\} 0$`, 'm')
    await expect
      .poll(async () => await (await fetch(`${base}/metrics`)).text(), { timeout: 10_000, interval: 100 })
      .toMatch(drift)
  })
})
