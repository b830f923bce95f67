import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createLocalObjectStore } from '../../../../infra/local/object-store.ts'
import type { Database } from '../../../../infra/ports/database.ts'
import type { ObjectStore } from '../../../../infra/ports/object-store.ts'
import type { UsageEvent } from '../../../../infra/ports/usage.ts'
import { CSV_HEADER, decimalOfNanos } from '../../../../projections/usage/exports/csv.ts'
import {
  claimExport,
  findExport,
  finishExport,
  insertExport,
  MAX_EXPORT_ATTEMPTS,
} from '../../../../projections/usage/exports/jobs.ts'
import { exportObjectKey } from '../../../../projections/usage/exports/run-export.ts'
import { createExportWorker } from '../../../../projections/usage/exports/worker.ts'
import { ingestUsageBatch } from '../../../../projections/usage/ingest.ts'
import { queryUsagePage } from '../../../../projections/usage/usage-query.ts'
import { migratedPglite } from '../../../infra/pglite/fresh-pglite.ts'
import { parseCsv } from './parse-csv.ts'

const ORG = '0190a000-0000-7000-8000-00000000000a'
const OTHER_ORG = '0190a000-0000-7000-8000-00000000000b'
const KEY = '0190a000-0000-7000-8000-0000000000c1'
const NOW = new Date('2026-11-21T00:00:00Z')
const params = {
  from: '2026-11-20T00:00:00Z',
  to: '2026-11-21T00:00:00Z',
  granularity: 'hour' as const,
  group_by: ['model' as const, 'api_key' as const],
}

function event(i: number, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: `0190b000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`,
    organization_id: ORG,
    api_key_id: KEY,
    model: i % 2 === 0 ? '=cmd|calc' : 'llama-70b',
    backend: 'vllm-a:8000',
    status: 'ok',
    http_status: 200,
    input_tokens: 10 + i,
    output_tokens: 5,
    cost_usd: 0.000_001_5 * (i + 1),
    latency_ms: 100,
    streamed: false,
    occurred_at: new Date(Date.parse(params.from) + i * 1_500_000).toISOString(),
    ...over,
  }
}

async function setup() {
  const db = await migratedPglite()
  const dir = await mkdtemp(join(tmpdir(), 'exports-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const store = createLocalObjectStore({ dir, signingKey: 'k'.repeat(32) })
  const events = Array.from({ length: 40 }, (_, i) => event(i))
  await ingestUsageBatch(db, [...events, event(99, { organization_id: OTHER_ORG })], NOW)
  await db.query(
    `INSERT INTO rm_api_keys (api_key_id, organization_id, name, key_hash, key_prefix, status, created_at, position, created_position)
     VALUES ($1, $2, '+finance key', 'h', 'p', 'active', now(), 1, 1)`,
    [KEY, ORG],
  )
  return { db, store }
}

const queue = (db: Database, id: string) =>
  insertExport(db, { id, organization_id: ORG, requested_by: 'admin', params, now: NOW })

async function expectedRows(db: Database): Promise<string[][]> {
  const query = { ...params, organization_id: ORG, from: new Date(params.from), to: new Date(params.to) }
  const page = await queryUsagePage(db, query, { cursor: null, limit: 1000 })
  return page.rows.map((r) => [
    r.bucket_start,
    ORG,
    KEY,
    "'+finance key",
    r.model === '=cmd|calc' ? "'=cmd|calc" : (r.model ?? ''),
    '',
    String(r.requests),
    String(r.errors),
    String(r.input_tokens),
    String(r.output_tokens),
    decimalOfNanos(r.cost_nanos),
    'USD',
  ])
}

describe('export worker', () => {
  it('runs a queued job to done: the CSV holds exactly the rollup rows of its organization', async () => {
    const { db, store } = await setup()
    const id = '0190c000-0000-7000-8000-000000000001'
    await queue(db, id)
    const worker = createExportWorker({ db, store, owner: 'w1', now: () => NOW })

    expect(await worker.runOnce()).toBe(true)

    const job = await findExport(db, ORG, id)
    const rows = await expectedRows(db)
    expect(rows.length).toBeGreaterThan(20)
    expect(job).toMatchObject({
      status: 'done',
      rows_written: rows.length,
      object_key: exportObjectKey(job ?? { id, organization_id: ORG }),
    })
    const text = (await store.get(`exports/${ORG}/${id}.csv`))?.toString('utf8') ?? ''
    expect(job?.bytes_written).toBe(Buffer.byteLength(text))
    expect(parseCsv(text)).toEqual([[...CSV_HEADER], ...rows])
    expect(await worker.runOnce()).toBe(false)
  })

  it('a job whose worker died mid-run is redone by another once the lease lapses; the dead one can no longer finish it', async () => {
    const { db, store } = await setup()
    const id = '0190c000-0000-7000-8000-000000000002'
    await queue(db, id)
    const leaseMs = 30_000
    // Worker A claims and dies (never renews nor finishes).
    const claimed = await claimExport(db, 'A', NOW, new Date(NOW.getTime() + leaseMs))
    expect(claimed?.id).toBe(id)
    const b = createExportWorker({ db, store, owner: 'B', leaseMs, now: () => NOW })
    expect(await b.runOnce()).toBe(false) // the lease still holds

    const later = new Date(NOW.getTime() + leaseMs + 1)
    const restarted = createExportWorker({ db, store, owner: 'B', leaseMs, now: () => later })
    expect(await restarted.runOnce()).toBe(true)

    const job = await findExport(db, ORG, id)
    expect(job).toMatchObject({ status: 'done', attempts: 2, rows_written: (await expectedRows(db)).length })
    const late = await finishExport(db, { id, owner: 'A' }, { status: 'failed', error: 'late', now: later })
    expect(late).toBe(false)
    expect((await findExport(db, ORG, id))?.status).toBe('done')
  })

  it('a worker stopped mid-job leaves no object and the job running; a restarted one redoes it', async () => {
    const { db, store } = await setup()
    const id = '0190c000-0000-7000-8000-000000000004'
    await queue(db, id)
    const gate = gated(store)
    const first = createExportWorker({ db, store: gate.store, owner: 'first', leaseMs: 30_000 })
    first.start()
    await gate.reached
    const stopping = first.stop()
    gate.release()
    await stopping

    expect(await findExport(db, ORG, id)).toMatchObject({ status: 'running', attempts: 1 })
    expect(await store.get(exportObjectKey({ id, organization_id: ORG }))).toBeNull()
    const pastLease = () => new Date(Date.now() + 31_000)
    const restarted = createExportWorker({ db, store, owner: 'restarted', leaseMs: 30_000, now: pastLease })
    expect(await restarted.runOnce()).toBe(true)
    expect(await findExport(db, ORG, id)).toMatchObject({ status: 'done', attempts: 2 })
    expect(await store.get(exportObjectKey({ id, organization_id: ORG }))).not.toBeNull()
  })

  it('a job whose workers all died is failed after MAX_EXPORT_ATTEMPTS claims, not retried forever', async () => {
    const { db, store } = await setup()
    const id = '0190c000-0000-7000-8000-000000000005'
    await queue(db, id)
    const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000)
    for (let i = 0; i < MAX_EXPORT_ATTEMPTS; i++)
      expect((await claimExport(db, `dying-${i}`, at(i), at(i + 0.5)))?.id).toBe(id)

    const last = createExportWorker({ db, store, owner: 'last', now: () => at(MAX_EXPORT_ATTEMPTS) })
    expect(await last.runOnce()).toBe(false)
    const job = await findExport(db, ORG, id)
    expect(job).toMatchObject({ status: 'failed', attempts: MAX_EXPORT_ATTEMPTS })
    expect(job?.error).toMatch(/^EXPORT_ABANDONED/)
  })

  it('a worker whose job was taken over mid-run stops writing: no object, the new owner keeps the job', async () => {
    const { db, store } = await setup()
    const id = '0190c000-0000-7000-8000-000000000006'
    await queue(db, id)
    const gate = gated(store)
    const slow = createExportWorker({ db, store: gate.store, owner: 'slow', now: () => NOW })
    const running = slow.runOnce()
    await gate.reached
    // What a second worker's claim of a lapsed lease does to the row.
    await db.query(`UPDATE analytics_exports SET lease_owner = 'other' WHERE id = $1`, [id])
    gate.release()
    expect(await running).toBe(true)

    expect(await findExport(db, ORG, id)).toMatchObject({ status: 'running', rows_written: 0 })
    expect(await store.get(exportObjectKey({ id, organization_id: ORG }))).toBeNull()
  })

  it('another organization cannot see the job', async () => {
    const { db } = await setup()
    const id = '0190c000-0000-7000-8000-000000000003'
    await queue(db, id)
    expect(await findExport(db, OTHER_ORG, id)).toBeNull()
  })
})

/** A store whose putStream waits at a gate before reading its stream: a worker held mid-job. */
function gated(inner: ObjectStore) {
  let release = () => {}
  let arrive = () => {}
  const open = new Promise<void>((resolve) => {
    release = resolve
  })
  const reached = new Promise<void>((resolve) => {
    arrive = resolve
  })
  const store: ObjectStore = {
    ...inner,
    async putStream(key, body, contentType) {
      arrive()
      await open
      return inner.putStream(key, body, contentType)
    },
  }
  return { store, reached, release: () => release() }
}
