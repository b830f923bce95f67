import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { FreshnessCache } from '../../../infra/ports/freshness-cache.ts'
import { createRedisFreshnessCache } from '../../../infra/redis/freshness-cache.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { deleteKeys } from '../../support/redis.ts'
import { usageEvent } from '../../support/usage-event.ts'

// The analytics API with its Redis freshness cache: shared by replicas while Redis answers, and
// no part of the answer when it does not — a cache pointed at a port where nothing listens still
// gives the right freshness (read from the database), request after request.

const TOKEN = 'freshness-cache-token-0123456789abcdef'
const ORG = '0190a000-0000-7000-8000-000000000010'
const NOW = new Date('2026-11-26T12:00:00Z')
const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:freshness-api:${randomUUID()}:`
const opened: { close(): Promise<unknown> }[] = []

afterAll(async () => {
  for (const resource of opened.reverse()) await resource.close()
  await deleteKeys(redisUrl, keyPrefix)
})

async function analyticsApp(handle: TestDatabase, freshnessCache: FreshnessCache) {
  const app = createServer({ logLevel: 'silent', metrics: createMetrics(`freshness-${randomUUID()}`) })
  opened.push(freshnessCache, app)
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    ...{ db: handle.db, ledger: createMemorySpendLedger(), adminToken: TOKEN, now: () => NOW, readiness: [] },
    freshnessCache,
  })
  await app.ready()
  return async () => {
    const url = `/analytics/v1/usage?organization_id=${ORG}&from=2026-11-26T11:00:00Z&to=2026-11-26T12:00:00Z`
    const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.statusCode).toBe(200)
    return response.json().freshness
  }
}

async function databaseWithUsage() {
  const handle = await makePglite()
  opened.push({ close: handle.dispose })
  await ingestUsageBatch(
    handle.db,
    [usageEvent({ organization_id: ORG, occurred_at: '2026-11-26T11:58:00Z' })],
    NOW,
  )
  return handle
}

const expected = {
  complete_through: '2026-11-26T11:58:00.000Z',
  lag_seconds: 120,
  last_event_at: '2026-11-26T11:58:00.000Z',
  last_ingested_at: NOW.toISOString(),
}

describe('analytics freshness through the Redis cache', () => {
  it('answers the right freshness while Redis is unreachable, request after request', async () => {
    const read = await analyticsApp(
      await databaseWithUsage(),
      createRedisFreshnessCache('redis://127.0.0.1:1'),
    )
    for (let i = 0; i < 3; i++) expect(await read()).toEqual(expected)
  })

  it('answers what another replica cached while Redis answers', async () => {
    const handle = await databaseWithUsage()
    const other = createRedisFreshnessCache(redisUrl, { keyPrefix })
    opened.push(other)
    const read = await analyticsApp(handle, createRedisFreshnessCache(redisUrl, { keyPrefix }))
    expect(await read()).toEqual(expected)
    // What another replica cached (here for a minute, so it cannot expire mid-test) is what this one answers.
    const cached = {
      complete_through: '2026-11-26T11:00:00.000Z',
      last_event_at: null,
      last_ingested_at: null,
    }
    await other.set(ORG, JSON.stringify(cached), 60_000)
    expect(await read()).toEqual({ ...cached, lag_seconds: 3600 })
  })
})
