import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { maintainPartitions } from '../../../projections/usage/partitions.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageEvent } from '../../support/usage-event.ts'

// GET /analytics/v1/status: ingest's lag, queue depth and last batch, and the raw partitions'
// horizon, as ingest and partition maintenance left them; served without a credential, as the
// status probes are.

const NOW = new Date('2026-11-26T12:00:10Z')
let handle: TestDatabase
let app: ReturnType<typeof createServer>

beforeAll(async () => {
  handle = await makePglite()
  app = createServer({ logLevel: 'silent', metrics: createMetrics('analytics-status-test') })
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    ...{ db: handle.db, ledger: createMemorySpendLedger(), adminToken: 'status-test-token-0123456789' },
    ...{ now: () => NOW, readiness: [] },
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await handle?.dispose()
})

const status = async () => {
  const response = await app.inject({ method: 'GET', url: '/analytics/v1/status' })
  return { code: response.statusCode, body: response.json() }
}

describe('GET /analytics/v1/status', () => {
  it('says nothing is known before ingest has run', async () => {
    expect(await status()).toEqual({
      code: 200,
      body: {
        object: 'analytics_status',
        ingest: {
          complete_through: null,
          lag_seconds: null,
          queue_depth: null,
          last_batch: null,
          updated_at: null,
        },
        raw_partitions: { count: 0, oldest_from: null, newest_to: null, retention_horizon: null },
      },
    })
  })

  it('shows the lag, queue depth and last batch ingest recorded, and the partitions kept', async () => {
    const policy = { aheadDays: 2, retentionDays: 3 }
    await maintainPartitions(handle.db, new Date('2026-11-20T00:00:00Z'), policy)
    // Six days later the 19th to the 22nd fall out of retention (horizon 2026-11-23); the 25th to the
    // 28th are made.
    await maintainPartitions(handle.db, new Date('2026-11-26T00:00:00Z'), policy)
    const batchAt = new Date('2026-11-26T12:00:00Z')
    const events = ['2026-11-26T11:59:00Z', '2026-11-26T11:59:30Z'].map((at) =>
      usageEvent({ occurred_at: at }),
    )
    await ingestUsageBatch(handle.db, events, batchAt)
    await handle.db.query('UPDATE usage_ingest_state SET queue_depth = 17')
    expect((await status()).body).toEqual({
      object: 'analytics_status',
      ingest: {
        complete_through: '2026-11-26T11:59:00.000Z',
        lag_seconds: 70,
        queue_depth: 17,
        last_batch: { at: batchAt.toISOString(), events: 2 },
        updated_at: batchAt.toISOString(),
      },
      raw_partitions: {
        count: 4,
        oldest_from: '2026-11-25T00:00:00.000Z',
        newest_to: '2026-11-29T00:00:00.000Z',
        retention_horizon: '2026-11-23',
      },
    })
  })
})
