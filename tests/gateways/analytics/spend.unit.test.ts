import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import { createBudget } from '../../../commands/budgets/budget-commands.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { periodOf } from '../../../domain/budgets/period.ts'
import { AppError } from '../../../domain/errors.ts'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { usdOfNanos } from '../../../gateways/analytics/spend.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { CounterRef, SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { startReadModels, testContext } from '../../support/read-models.ts'
import { usageEvent } from '../../support/usage-event.ts'

// GET /analytics/v1/spend on PGlite and the in-memory spend ledger: each budget of the
// organization in its current period (in the organization's time zone), its recorded spend and
// the router's counter, as exact decimal strings.

const TOKEN = 'spend-test-token-0123456789abcdef'
// 23:30 in Tokyo on 30 November: the Tokyo month is still November, the Tokyo day the 30th.
const NOW = new Date('2026-11-30T14:30:00Z')

async function platform(ledger: SpendLedger = createMemorySpendLedger({ now: () => NOW.getTime() })) {
  const { db, store, projector } = await startReadModels()
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('spend-test') })
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    db,
    ledger,
    adminToken: TOKEN,
    now: () => NOW,
    readiness: [],
  })
  await app.ready()
  const get = async (query: string) => {
    const response = await app.inject({
      method: 'GET',
      url: `/analytics/v1/spend?${query}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    return { status: response.statusCode, body: response.json() }
  }
  return { db, store, projector, ledger, app, get, commands: { store, now: () => NOW, newId: v7 } }
}

/** A request of `nanos` settled on the counters the router would name, as the router does. */
async function settle(
  p: Awaited<ReturnType<typeof platform>>,
  organization_id: string,
  api_key_id: string,
  spend: CounterRef[],
  nanos: number,
) {
  const hold_id = v7()
  const admitted = await p.ledger.admit({
    ...{ organization_id, api_key_id, hold_id, amount_nanos: 0, tokens: 0, spend },
    ...{ budgets: [], limits: [], lease_ms: 60_000, known_position: null },
  })
  expect(admitted.kind).toBe('admitted')
  await p.ledger.settle({ organization_id, hold_id, cost_nanos: nanos, tokens: 0 })
}

describe('GET /analytics/v1/spend', () => {
  it("shows each budget's current period, recorded spend and the ledger's counter", async () => {
    const p = await platform()
    try {
      const { organization_id } = await createOrganization(p.commands, { name: 'Acme' }, testContext)
      await updateOrganization(
        p.commands,
        { organization_id, settings: { timezone: 'Asia/Tokyo' } },
        testContext,
      )
      const key = await issueApiKey(p.commands, { organization_id, name: 'ci' }, testContext)
      const api_key_id = key.api_key_id
      const monthly = await createBudget(
        p.commands,
        { organization_id, limit_usd: '25.00', period: 'monthly', enforcement: 'hard' },
        testContext,
      )
      const daily = await createBudget(
        p.commands,
        { organization_id, api_key_id, limit_usd: '1.5', period: 'daily', enforcement: 'soft' },
        testContext,
      )
      await p.projector.catchUp()
      // Recorded: 0.1 + 0.2 today in Tokyo, 3 earlier this Tokyo month, 7 in October (not counted).
      for (const [cost_usd, occurred_at] of [
        [0.1, '2026-11-30T01:00:00Z'],
        [0.2, '2026-11-30T14:00:00Z'],
        [3, '2026-11-02T00:00:00Z'],
        [7, '2026-10-31T14:59:59Z'],
      ] as const)
        await ingestUsageBatch(
          p.db,
          [usageEvent({ organization_id, api_key_id, cost_usd, occurred_at, latency_ms: 41 })],
          NOW,
        )
      // The router's view: 0.25 settled on the key's day and the organization's month; a request
      // in flight holds 0.05 on the month. Only the month was seeded.
      const month = periodOf('monthly', 'Asia/Tokyo', NOW)
      const day = periodOf('daily', 'Asia/Tokyo', NOW)
      const orgMonth = {
        api_key_id: null,
        period: 'monthly' as const,
        label: month.label,
        ttl_ms: month.ttlMs,
      }
      const keyDay = { api_key_id, period: 'daily' as const, label: day.label, ttl_ms: day.ttlMs }
      await settle(p, organization_id, api_key_id, [orgMonth, keyDay], 250_000_000)
      await p.ledger.seed(organization_id, orgMonth, 3_300_000_000)
      const held = await p.ledger.admit({
        ...{
          organization_id,
          api_key_id,
          hold_id: v7(),
          amount_nanos: 50_000_000,
          tokens: 0,
          spend: [orgMonth],
        },
        budgets: [
          { budget_id: monthly.budget_id, counter: orgMonth, limit_nanos: 25_000_000_000, hard: true },
        ],
        ...{ limits: [], lease_ms: 60_000, known_position: null },
      })
      expect(held.kind).toBe('admitted')

      const { status, body } = await p.get(`organization_id=${organization_id}&period=current`)
      expect(status).toBe(200)
      expect(body).toEqual({
        object: 'spend',
        organization_id,
        period: 'current',
        data: [
          {
            budget_id: monthly.budget_id,
            api_key_id: null,
            period: 'monthly',
            enforcement: 'hard',
            // Tokyo's 1 November 00:00 and 1 December 00:00 (UTC+9).
            period_start: '2026-10-31T15:00:00.000Z',
            resets_at: '2026-11-30T15:00:00.000Z',
            limit_usd: '25.00',
            recorded_spend_usd: '3.30',
            ledger: { spent_usd: '3.30', reserved_usd: '0.05', seeded: true },
          },
          {
            budget_id: daily.budget_id,
            api_key_id,
            period: 'daily',
            enforcement: 'soft',
            period_start: '2026-11-29T15:00:00.000Z',
            resets_at: '2026-11-30T15:00:00.000Z',
            limit_usd: '1.50',
            recorded_spend_usd: '0.30',
            ledger: { spent_usd: '0.25', reserved_usd: '0.00', seeded: false },
          },
        ],
        // As on every analytics answer (values: tests/projections/usage/freshness.unit.test.ts).
        freshness: {
          complete_through: expect.any(String),
          lag_seconds: expect.any(Number),
          last_event_at: expect.any(String),
          last_ingested_at: expect.any(String),
        },
      })
      // period defaults to current; an organization without budgets has none.
      expect((await p.get(`organization_id=${organization_id}`)).body.data).toHaveLength(2)
      const other = await createOrganization(p.commands, { name: 'Empty' }, testContext)
      await p.projector.catchUp()
      expect((await p.get(`organization_id=${other.organization_id}`)).body.data).toEqual([])
    } finally {
      await p.app.close()
    }
  })

  it('refuses a period other than the current one and an unknown parameter', async () => {
    const p = await platform()
    try {
      const organization_id = v7()
      expect((await p.get(`organization_id=${organization_id}&period=2026-11`)).status).toBe(400)
      expect((await p.get(`organization_id=${organization_id}&from=2026-11-01`)).status).toBe(400)
      expect((await p.get('period=current')).status).toBe(400)
    } finally {
      await p.app.close()
    }
  })

  it('answers 503 BUDGET_LEDGER_UNAVAILABLE while the spend ledger does not answer', async () => {
    const down = createMemorySpendLedger()
    down.counters = async () => {
      throw new AppError('BUDGET_LEDGER_UNAVAILABLE', 'the spend ledger did not answer')
    }
    const p = await platform(down)
    try {
      const { organization_id } = await createOrganization(p.commands, { name: 'Acme' }, testContext)
      const budget = {
        organization_id,
        limit_usd: '1',
        period: 'total' as const,
        enforcement: 'hard' as const,
      }
      await createBudget(p.commands, budget, testContext)
      await p.projector.catchUp()
      const answer = await p.get(`organization_id=${organization_id}`)
      expect(answer.status).toBe(503)
      expect(answer.body).toMatchObject({ code: 'BUDGET_LEDGER_UNAVAILABLE' })
    } finally {
      await p.app.close()
    }
  })

  it('writes nano-USD as exact decimals, cents at least', () => {
    expect(usdOfNanos(0)).toBe('0.00')
    expect(usdOfNanos(1)).toBe('0.000000001')
    expect(usdOfNanos(1_500_000_000)).toBe('1.50')
    expect(usdOfNanos(9_007_199_254_740_991)).toBe('9007199.254740991')
  })
})
