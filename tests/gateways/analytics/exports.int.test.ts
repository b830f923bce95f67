import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { createS3ObjectStore, s3OptionsOf } from '../../../infra/s3/object-store.ts'
import { decimalOfNanos } from '../../../projections/usage/exports/csv.ts'
import { findExport } from '../../../projections/usage/exports/jobs.ts'
import { createExportWorker } from '../../../projections/usage/exports/worker.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { queryUsagePage } from '../../../projections/usage/usage-query.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { parseCsv } from '../../projections/usage/exports/parse-csv.ts'
import { usageEvent } from '../../support/usage-event.ts'

// Exports end to end on the real services: PostgreSQL rollups, the export worker, versitygw S3
// through lib-storage; the CSV downloaded from download_url with a plain fetch (no credentials)
// equals the rollups; a presigned URL is refused once expired; workers racing share the jobs.

const config = loadConfig()
const TOKEN = 'exports-int-token-0123456789abcdef'
const ORG = '0190a000-0000-7000-8000-000000000010'
const store = () => createS3ObjectStore(s3OptionsOf(config))
const s3 = store()
let handle: TestDatabase
let app: ReturnType<typeof createServer>
// More than one page of 1,000 rows (EXPORT_PAGE_ROWS), one per minute within the 24 hours.
const ROWS = 1_100
const range = { from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z' }

beforeAll(async () => {
  handle = await makePostgres('exports')()
  const events = Array.from({ length: ROWS }, (_, i) =>
    usageEvent({
      occurred_at: new Date(Date.parse(range.from) + i * 75_000).toISOString(),
      model: i % 3 === 0 ? '@sum(a1)' : `model-${i % 5}`,
      cost_usd: (i + 1) * 0.000_003,
    }),
  )
  await ingestUsageBatch(handle.db, events, new Date('2026-11-26T12:00:00Z'))
  app = createServer({ logLevel: 'silent', metrics: createMetrics('exports-int-test') })
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    ...{
      db: handle.db,
      ledger: createMemorySpendLedger(),
      adminToken: TOKEN,
      now: () => new Date(),
      readiness: [],
    },
    exports: { store: s3, urlTtlSeconds: 300 },
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await s3.close()
  await handle?.dispose()
})

const auth = { authorization: `Bearer ${TOKEN}` }
const create = (granularity: string) =>
  app.inject({
    method: 'POST',
    url: '/analytics/v1/exports',
    headers: auth,
    payload: { organization_id: ORG, ...range, granularity, group_by: ['model', 'backend'] },
  })
const show = async (id: string) =>
  (
    await app.inject({
      method: 'GET',
      url: `/analytics/v1/exports/${id}?organization_id=${ORG}`,
      headers: auth,
    })
  ).json()

describe('exports on PostgreSQL and S3', () => {
  it('a job runs to done; its download_url, fetched without credentials, serves the CSV of the rollups', async () => {
    const { id } = (await create('minute')).json()
    const worker = createExportWorker({ db: handle.db, store: store(), owner: 'int-1', idleMs: 50 })
    worker.start()
    try {
      await expect.poll(async () => (await show(id)).status, { timeout: 30_000, interval: 100 }).toBe('done')
    } finally {
      await worker.stop()
    }
    const job = await show(id)
    const response = await fetch(job.download_url)
    expect(response.status).toBe(200)
    const csv = parseCsv(await response.text())

    const query = {
      organization_id: ORG,
      from: new Date(range.from),
      to: new Date(range.to),
      granularity: 'minute' as const,
      group_by: ['model', 'backend'] as const,
    }
    const { rows } = await queryUsagePage(
      handle.db,
      { ...query, group_by: [...query.group_by] },
      { cursor: null, limit: 5000 },
    )
    expect(rows.length).toBe(ROWS)
    expect(job.rows_written).toBe(ROWS)
    expect(csv.slice(1).map((r) => [r[0], r[4], r[5], r[6], r[10]])).toEqual(
      rows.map((r) => [
        r.bucket_start,
        r.model?.startsWith('@') ? `'${r.model}` : r.model,
        r.backend,
        String(r.requests),
        decimalOfNanos(r.cost_nanos),
      ]),
    )
  })

  it('a presigned URL is refused once it has expired', async () => {
    const key = `contract/exports-expiry-${Date.now()}.csv`
    await s3.put(key, 'a,b\r\n', 'text/csv')
    const url = await s3.presignGet(key, 1)
    // SigV4 expiry is checked by the server's clock in whole seconds: poll until it refuses.
    await expect.poll(async () => (await fetch(url)).status, { timeout: 15_000, interval: 250 }).toBe(403)
  })

  it('two workers racing for queued jobs run each exactly once (SKIP LOCKED)', async () => {
    const ids = await Promise.all(
      ['hour', 'day', 'hour'].map(async (g) => (await create(g)).json().id as string),
    )
    const workers = ['race-a', 'race-b'].map((owner) =>
      createExportWorker({ db: handle.db, store: store(), owner, idleMs: 50 }),
    )
    for (const w of workers) w.start()
    try {
      for (const id of ids)
        await expect
          .poll(async () => (await show(id)).status, { timeout: 30_000, interval: 100 })
          .toBe('done')
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
    for (const id of ids) expect((await findExport(handle.db, ORG, id))?.attempts).toBe(1)
  })
})
