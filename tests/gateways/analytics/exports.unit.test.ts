import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyticsRoutes } from '../../../gateways/analytics/routes.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { createLocalObjectStore, verifyPresignedUrl } from '../../../infra/local/object-store.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { createExportWorker } from '../../../projections/usage/exports/worker.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { parseCsv } from '../../projections/usage/exports/parse-csv.ts'
import { usageEvent } from '../../support/usage-event.ts'

// POST/GET /analytics/v1/exports over HTTP (PGlite, the local object store, the admin token): a
// job queued, listed, run by a worker, then shown with a signed download link that serves the CSV
// and expires; another organization's job answers as a missing one; bad ranges are 400s.

const TOKEN = 'exports-route-token-0123456789abcdef'
const ORG = '0190a000-0000-7000-8000-000000000010'
const OTHER = '0190a000-0000-7000-8000-000000000011'
const SECRET = 'exports-signing-key-0123456789abcdef'
let clock = Date.parse('2026-11-26T12:00:00Z')
const now = () => new Date(clock)
let handle: TestDatabase
let app: ReturnType<typeof createServer>
let dir: string
const store = () => createLocalObjectStore({ dir, signingKey: SECRET, now: () => clock })

beforeAll(async () => {
  handle = await makePglite()
  dir = await mkdtemp(join(tmpdir(), 'exports-route-'))
  await ingestUsageBatch(
    handle.db,
    [
      usageEvent({ occurred_at: '2026-11-26T09:05:00Z', model: 'm1', cost_usd: 0.1 }),
      usageEvent({ occurred_at: '2026-11-26T10:06:00Z', model: 'm2' }),
    ],
    now(),
  )
  app = createServer({ logLevel: 'silent', metrics: createMetrics('exports-route-test') })
  await app.register(analyticsRoutes, {
    prefix: '/analytics/v1',
    ...{ db: handle.db, ledger: createMemorySpendLedger(), adminToken: TOKEN, now, readiness: [] },
    exports: { store: store(), urlTtlSeconds: 300 },
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await handle?.dispose()
  await rm(dir, { recursive: true, force: true })
})

const auth = { authorization: `Bearer ${TOKEN}` }
const body = {
  organization_id: ORG,
  from: '2026-11-26T09:00:00Z',
  to: '2026-11-26T11:00:00Z',
  group_by: ['model'],
}
const create = (payload: object) =>
  app.inject({ method: 'POST', url: '/analytics/v1/exports', headers: auth, payload })
const show = (id: string, org = ORG) =>
  app.inject({ method: 'GET', url: `/analytics/v1/exports/${id}?organization_id=${org}`, headers: auth })

describe('exports API', () => {
  it('queues a job, lists it, and once a worker ran it gives a signed link to its CSV that expires', async () => {
    const created = await create(body)
    expect(created.statusCode).toBe(202)
    const job = created.json()
    expect(job).toMatchObject({ object: 'export', status: 'queued', organization_id: ORG, rows_written: 0 })
    expect(job.params).toEqual({ from: body.from, to: body.to, granularity: 'hour', group_by: ['model'] })
    const second = (await create({ ...body, granularity: 'day' })).json()

    const list = await app.inject({
      method: 'GET',
      url: `/analytics/v1/exports?organization_id=${ORG}`,
      headers: auth,
    })
    expect(list.json().data.map((j: { id: string }) => j.id)).toEqual([second.id, job.id])
    expect((await show(job.id)).json()).not.toHaveProperty('download_url')

    const worker = createExportWorker({ db: handle.db, store: store(), owner: 'test', now })
    while (await worker.runOnce()) {}

    const done = (await show(job.id)).json()
    expect(done).toMatchObject({ status: 'done', rows_written: 2 })
    expect(done.expires_at).toBe(new Date(clock + 300_000).toISOString())
    const key = verifyPresignedUrl({ signingKey: SECRET, now: () => clock }, done.download_url)
    const csv = parseCsv((await store().get(key))?.toString('utf8') ?? '')
    expect(csv.map((row) => [row[0], row[4], row[6], row[10], row[11]])).toEqual([
      ['bucket_start', 'model', 'requests', 'cost', 'currency'],
      ['2026-11-26T09:00:00.000Z', 'm1', '1', '0.100000000', 'USD'],
      ['2026-11-26T10:00:00.000Z', 'm2', '1', '0.000057000', 'USD'],
    ])
    clock += 300_000
    expect(() => verifyPresignedUrl({ signingKey: SECRET, now: () => clock }, done.download_url)).toThrow(
      expect.objectContaining({ code: 'PRESIGNED_URL_EXPIRED' }),
    )
  })

  it("another organization's job, a missing id and a malformed one all answer 404 EXPORT_NOT_FOUND", async () => {
    const { id } = (await create(body)).json()
    for (const response of [
      await show(id, OTHER),
      await show('0190c000-0000-7000-8000-0000000000ff'),
      await show('nope'),
    ]) {
      expect(response.statusCode).toBe(404)
      expect(response.json().code).toBe('EXPORT_NOT_FOUND')
    }
  })

  it('refuses the ranges /usage refuses, and unknown fields, with 400 VALIDATION_FAILED', async () => {
    const bad = [
      { ...body, to: body.from },
      { ...body, granularity: 'minute', to: '2026-11-28T09:00:00Z' },
      { ...body, group_by: ['colour'] },
      { ...body, extra: 1 },
    ]
    for (const payload of bad) {
      const response = await create(payload)
      expect(response.statusCode).toBe(400)
      expect(response.json().code).toBe('VALIDATION_FAILED')
    }
  })
})
