import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBudget } from '../../../commands/budgets/budget-commands.ts'
import { checkThresholds, type ThresholdWatchDeps } from '../../../commands/budgets/threshold-watch.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { budgetStream } from '../../../domain/budgets/budget.ts'
import { counterKey, periodOf } from '../../../domain/budgets/period.ts'
import { ledgerSpend } from '../../../gateways/processes/threshold-watch.ts'
import { createSpendSeeder } from '../../../gateways/router/spend-seeder.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { CounterRef, SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { createRedisSpendLedger } from '../../../infra/redis/spend-ledger.ts'
import { watchedBudgets } from '../../../projections/budgets/queries.ts'
import { readModelsProjection } from '../../../projections/read-models.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { createSqlRecordedSpend } from '../../../projections/usage/recorded-spend.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { caughtUpToHead, testContext } from '../../support/read-models.ts'
import { deleteKeys } from '../../support/redis.ts'
import { usageEvent } from '../../support/usage-event.ts'

// The budget alert worker on real PostgreSQL and Redis: a threshold the spend has crossed is
// recorded once per period, however many passes (or concurrent workers) see it.
const config = loadConfig({ AIAAS_LOG_LEVEL: 'silent' })
const PREFIX = `aiaas-test:threshold-watch:${v7()}:`
// In Tokyo it is already 1 December: the counter read is December's, in the organization's zone.
const NOW = new Date('2026-11-30T20:00:00Z')
let db: Database
let dispose: () => Promise<void>
let ledger: SpendLedger

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('thresholds')())
  ledger = createRedisSpendLedger(config.AIAAS_REDIS_URL, { keyPrefix: PREFIX })
})
afterAll(async () => {
  await ledger?.close()
  await deleteKeys(config.AIAAS_REDIS_URL, PREFIX)
  await dispose?.()
})

/** Settles a request of `usd` on the organization's counter, as the router does. */
async function spend(organization_id: string, counter: CounterRef, usd: number) {
  const hold_id = v7()
  const admitted = await ledger.admit({
    organization_id,
    api_key_id: v7(),
    hold_id,
    amount_nanos: 0,
    tokens: 0,
    spend: [counter],
    budgets: [],
    limits: [],
    lease_ms: 60_000,
    known_position: null,
  })
  expect(admitted.kind).toBe('admitted')
  await ledger.settle({ organization_id, hold_id, cost_nanos: Math.round(usd * 1e9), tokens: 0 })
}

/** The watch as the processes run it: the budget's counter on the spend ledger, seeded from the usage rollups. */
function watchDeps(commands: ThresholdWatchDeps['commands'], errors: unknown[]): ThresholdWatchDeps {
  const seeder = createSpendSeeder({ ledger, recorded: createSqlRecordedSpend(db), now: () => NOW })
  return {
    commands,
    watched: () => watchedBudgets(db),
    spentNanos: ledgerSpend(ledger, seeder),
    onError: (error) => errors.push(error),
  }
}

describe('budget threshold watch', () => {
  it('records a crossed threshold exactly once, however many passes see it', async () => {
    const store = createEventStore(db)
    const projector = startSubscription(db, store, readModelsProjection, { idleMs: 10_000 })
    const commands = { store, now: () => NOW, newId: v7 }
    const errors: unknown[] = []
    const deps = watchDeps(commands, errors)
    try {
      const { organization_id } = await createOrganization(commands, { name: 'Acme' }, testContext)
      const org = { organization_id, settings: { timezone: 'Asia/Tokyo' } }
      await updateOrganization(commands, org, testContext)
      const input = {
        organization_id,
        limit_usd: '1.00',
        period: 'monthly' as const,
        enforcement: 'hard' as const,
      }
      const { budget_id } = await createBudget(
        commands,
        { ...input, alert_thresholds: [0.5, 0.9] },
        testContext,
      )
      await caughtUpToHead(db, projector)
      const period = periodOf('monthly', 'Asia/Tokyo', NOW)
      expect(counterKey(budget_id, period)).toBe(`budget:${budget_id}:2026-12`)
      const december: CounterRef = {
        api_key_id: null,
        period: 'monthly',
        label: period.label,
        ttl_ms: period.ttlMs,
      }
      const crossings = async () =>
        (await store.readStream(budgetStream(budget_id))).filter((e) => e.type === 'BudgetThresholdCrossed')

      await spend(organization_id, december, 0.4)
      expect(await checkThresholds(deps)).toBe(0)
      await spend(organization_id, december, 0.2)
      expect(await checkThresholds(deps)).toBe(1)
      // Passes before and after the read model knows of it record nothing more.
      expect(await checkThresholds(deps)).toBe(0)
      await caughtUpToHead(db, projector)
      expect(await checkThresholds(deps)).toBe(0)
      expect((await crossings()).map((e) => e.data)).toEqual([
        expect.objectContaining({ threshold: 0.5, period_start: '2026-12-01', spent_micros: 600_000 }),
      ])

      // Two workers seeing the next threshold at once: one event between them.
      await spend(organization_id, december, 0.35)
      const both = await Promise.all([checkThresholds(deps), checkThresholds(deps)])
      expect(both[0] + both[1]).toBe(1)
      expect((await crossings()).map((e) => e.data.threshold)).toEqual([0.5, 0.9])
      expect(errors).toEqual([])
    } finally {
      await projector.stop()
    }
  })

  it('seeds a counter the ledger lost from the recorded usage, then alerts on it', async () => {
    const store = createEventStore(db)
    const projector = startSubscription(db, store, readModelsProjection, { idleMs: 10_000 })
    const commands = { store, now: () => NOW, newId: v7 }
    const errors: unknown[] = []
    try {
      const { organization_id } = await createOrganization(commands, { name: 'Flushed' }, testContext)
      const input = {
        organization_id,
        limit_usd: '1.00',
        period: 'daily' as const,
        enforcement: 'soft' as const,
      }
      const { budget_id } = await createBudget(commands, { ...input, alert_thresholds: [0.5] }, testContext)
      await caughtUpToHead(db, projector)
      // 0.7 USD recorded today (UTC), none of it on the ledger: Redis restarted empty.
      for (const [cost_usd, occurred_at] of [
        [0.3, '2026-11-30T01:00:00Z'],
        [0.4, '2026-11-30T19:00:00Z'],
        [5, '2026-11-29T23:59:59Z'],
      ] as const)
        await ingestUsageBatch(
          db,
          [usageEvent({ organization_id, cost_usd, occurred_at, latency_ms: 41 })],
          NOW,
        )

      expect(await checkThresholds(watchDeps(commands, errors))).toBe(1)
      const crossed = (await store.readStream(budgetStream(budget_id))).filter(
        (e) => e.type === 'BudgetThresholdCrossed',
      )
      expect(crossed.map((e) => e.data)).toEqual([
        expect.objectContaining({ threshold: 0.5, period_start: '2026-11-30', spent_micros: 700_000 }),
      ])
      const today = periodOf('daily', 'UTC', NOW)
      const counter = { api_key_id: null, period: 'daily' as const, label: today.label, ttl_ms: today.ttlMs }
      expect(await ledger.counters(organization_id, [counter])).toEqual([
        { spent_nanos: 700_000_000, reserved_nanos: 0, seeded: true },
      ])
      expect(errors).toEqual([])
    } finally {
      await projector.stop()
    }
  })
})
