import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageEvent } from '../../support/usage-event.ts'

// GET /analytics/v1/usage and /reliability over HTTP (PGlite, the admin token): what a row shows
// for each group_by, money as exact decimal strings, pages joined by next_cursor, the freshness
// every answer carries, and the 400s of bad parameters and ranges too long for a granularity.

const TOKEN = 'usage-route-token-0123456789abcdef'
const ORG = '0190a000-0000-7000-8000-000000000010'
const KEY = '0190a000-0000-7000-8000-000000000020'
const INGESTED_AT = new Date('2026-11-26T12:00:00Z')
const NOW = new Date('2026-11-26T12:00:30Z')
let handle: TestDatabase
let app: ReturnType<typeof createServer>

beforeAll(async () => {
  handle = await makePglite()
  await ingestUsageBatch(
    handle.db,
    [
      usageEvent({ occurred_at: '2026-11-26T09:05:00Z', model: 'm1', api_key_id: KEY, cost_usd: 0.1 }),
      usageEvent({
        occurred_at: '2026-11-26T09:06:00Z',
        model: 'm2',
        api_key_id: KEY,
        cost_usd: 0.000000001,
      }),
      usageEvent({ occurred_at: '2026-11-26T10:06:00Z', model: 'm2', backend: 'b2', latency_ms: 100 }),
    ],
    INGESTED_AT,
  )
  app = createServer({ logLevel: 'silent', metrics: createMetrics('usage-route-test') })
  const ledger = createMemorySpendLedger()
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    ...{ db: handle.db, ledger, adminToken: TOKEN, now: () => NOW, readiness: [] },
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await handle?.dispose()
})

async function get(route: 'usage' | 'reliability', params: Record<string, string>) {
  const query = new URLSearchParams({
    organization_id: ORG,
    from: '2026-11-26T09:00:00Z',
    to: '2026-11-26T11:00:00Z',
    ...params,
  })
  const response = await app.inject({
    method: 'GET',
    url: `/analytics/v1/${route}?${query}`,
    headers: { authorization: `Bearer ${TOKEN}` },
  })
  return { status: response.statusCode, body: response.json() }
}

describe('GET /analytics/v1/usage', () => {
  it('answers rows per bucket naming only the keys grouped by, cost in exact USD, with freshness', async () => {
    const { status, body } = await get('usage', { group_by: 'model' })
    expect(status).toBe(200)
    expect(body).toEqual({
      object: 'usage',
      organization_id: ORG,
      granularity: 'hour',
      group_by: ['model'],
      data: [
        {
          bucket_start: '2026-11-26T09:00:00.000Z',
          model: 'm1',
          ...{ requests: 1, errors: 0, input_tokens: 12, output_tokens: 34, cost_usd: '0.10' },
        },
        {
          bucket_start: '2026-11-26T09:00:00.000Z',
          model: 'm2',
          ...{ requests: 1, errors: 0, input_tokens: 12, output_tokens: 34, cost_usd: '0.000000001' },
        },
        {
          bucket_start: '2026-11-26T10:00:00.000Z',
          model: 'm2',
          ...{ requests: 1, errors: 0, input_tokens: 12, output_tokens: 34, cost_usd: '0.000057' },
        },
      ],
      next_cursor: null,
      freshness: {
        // A batch vouches for no later than its oldest event (projections/usage/ingest.ts).
        complete_through: '2026-11-26T09:05:00.000Z',
        lag_seconds: (NOW.getTime() - Date.parse('2026-11-26T09:05:00Z')) / 1000,
        last_event_at: '2026-11-26T10:06:00.000Z',
        last_ingested_at: INGESTED_AT.toISOString(),
      },
    })
  })

  it('groups by every key, and pages with next_cursor until null', async () => {
    const all = await get('usage', { group_by: 'backend,api_key,model', limit: '2' })
    expect(all.body.data).toHaveLength(2)
    expect(Object.keys(all.body.data[0]).sort()).toEqual([
      'api_key_id',
      'backend',
      'bucket_start',
      'cost_usd',
      'errors',
      'input_tokens',
      'model',
      'output_tokens',
      'requests',
    ])
    const rest = await get('usage', {
      group_by: 'backend,api_key,model',
      limit: '2',
      cursor: all.body.next_cursor,
    })
    expect(rest.body.data.map((r: { backend: string }) => r.backend)).toEqual(['b2'])
    expect(rest.body.next_cursor).toBeNull()
  })

  it('pages past rows whose model names are long (the cursor carries them)', async () => {
    const organization_id = '0190a000-0000-7000-8000-0000000000aa'
    const models = ['a', 'b'].map((c) => c.repeat(3000))
    const events = models.map((model) =>
      usageEvent({ organization_id, model, occurred_at: '2026-11-26T09:30:00Z' }),
    )
    await ingestUsageBatch(handle.db, events, INGESTED_AT)
    const first = await get('usage', { organization_id, group_by: 'model', limit: '1' })
    const rest = await get('usage', {
      organization_id,
      group_by: 'model',
      limit: '1',
      cursor: first.body.next_cursor,
    })
    expect([first.status, rest.status]).toEqual([200, 200])
    expect([...first.body.data, ...rest.body.data].map((r: { model: string }) => r.model)).toEqual(models)
    expect(rest.body.next_cursor).toBeNull()
  })

  it('refuses bad parameters with 400 problem+json', async () => {
    const refusals: [Record<string, string>, string][] = [
      [{ group_by: 'model,region' }, 'VALIDATION_FAILED'],
      [{ from: '2026-11-26T11:00:00Z', to: '2026-11-26T11:00:00Z' }, 'VALIDATION_FAILED'],
      [{ limit: '0' }, 'VALIDATION_FAILED'],
      [{ limit: '1001' }, 'VALIDATION_FAILED'],
      [{ cursor: 'bm90IGEgY3Vyc29y' }, 'INVALID_CURSOR'],
      // The longest ranges: minute 24 hours, hour 31 days, day 1,830 days.
      [{ granularity: 'minute', to: '2026-11-27T09:00:01Z' }, 'VALIDATION_FAILED'],
      [{ granularity: 'hour', to: '2026-12-27T09:00:01Z' }, 'VALIDATION_FAILED'],
      [{ granularity: 'day', from: '2021-01-01T00:00:00Z', to: '2026-01-05T00:00:01Z' }, 'VALIDATION_FAILED'],
    ]
    for (const [params, code] of refusals) {
      const { status, body } = await get('usage', params)
      expect([params, status, body.code]).toEqual([params, 400, code])
    }
    expect((await get('usage', { granularity: 'minute', to: '2026-11-27T09:00:00Z' })).status).toBe(200)
    expect((await get('usage', { granularity: 'hour', to: '2026-12-27T09:00:00Z' })).status).toBe(200)
  })
})

describe('GET /analytics/v1/reliability', () => {
  it('answers requests by status class, error rate and percentiles per bucket and backend', async () => {
    const { status, body } = await get('reliability', {
      group_by: 'backend',
      granularity: 'day',
      from: '2026-11-26T00:00:00Z',
      to: '2026-11-27T00:00:00Z',
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({ object: 'reliability', group_by: ['backend'], next_cursor: null })
    expect(body.data.map((r: { backend: string }) => r.backend)).toEqual(['b2', 'mock:8090'])
    expect(body.data[0]).toEqual({
      bucket_start: '2026-11-26T00:00:00.000Z',
      backend: 'b2',
      requests: 1,
      errors: 0,
      error_rate: 0,
      status_classes: { '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0 },
      error_rate_by_class: { '4xx': 0, '5xx': 0 },
      // 100 ms falls in the bucket [96, 104): read at its middle.
      latency_ms: { p50: 100, p95: 100, p99: 100 },
      ttfb_ms: { p50: null, p95: null, p99: null },
    })
    expect(body.freshness.complete_through).toBe('2026-11-26T09:05:00.000Z')
  })

  it('refuses a group key it does not offer', async () => {
    const { status, body } = await get('reliability', { group_by: 'api_key' })
    expect([status, body.code]).toEqual([400, 'VALIDATION_FAILED'])
  })
})
