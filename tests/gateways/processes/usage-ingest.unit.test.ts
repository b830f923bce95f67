import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { usageIngestHandler } from '../../../gateways/processes/usage-ingest.ts'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import { readIngestStatus } from '../../../projections/usage/ingest-status.ts'
import { waitFor } from '../../infra/contracts/usage-bus.contract.ts'
import { migratedPglite } from '../../infra/pglite/fresh-pglite.ts'
import { usageEvent } from '../../support/usage-event.ts'

const NOW = new Date('2026-11-26T12:00:00Z')
const silent = { warn: () => {} }

describe('the ingest handler (embedded and `ingest` process)', () => {
  it('stores a batch, dead-letters what ingest refuses, and records the queue depth and freshness', async () => {
    const db = await migratedPglite()
    const bus = createMemoryUsageBus({ maxWaitMs: 5, idleMs: 20 })
    const kept = usageEvent({ occurred_at: '2026-11-26T11:59:00Z' })
    const future = usageEvent({ occurred_at: '2026-11-29T00:00:00Z' })
    await bus.publisher.publish(kept)
    await bus.publisher.publish(future)
    const metrics = createMetrics('ingest')
    await bus.consumer.start(usageIngestHandler(db, bus.consumer, silent, () => NOW, metrics))
    // The batch leaves complete_through at its oldest event; the idle heartbeat after it, at now.
    const heartbeat = async () =>
      (await readIngestStatus(db, NOW)).ingest.complete_through === NOW.toISOString()
    await waitFor(heartbeat, 'the idle heartbeat after the batch')
    await bus.consumer.close()

    const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM usage_raw')
    expect(rows.map((row) => row.event_id)).toEqual([kept.id])
    expect(bus.deadLetters().map(({ event, reason }) => ({ id: event.id, reason }))).toEqual([
      { id: future.id, reason: expect.any(String) },
    ])
    const status = await readIngestStatus(db, NOW)
    expect(status.ingest.queue_depth).toBe(0)
    expect(status.ingest.last_batch).toEqual({ at: NOW.toISOString(), events: 2 })
    // On /metrics: one stored, one refused; the lag of the last batch (the idle heartbeat's) is 0.
    const shown = await metrics.registry.metrics()
    expect(shown).toMatch(/aiaas_usage_ingested_events_total\{outcome="stored",process="ingest"\} 1$/m)
    expect(shown).toMatch(/aiaas_usage_ingested_events_total\{outcome="rejected",process="ingest"\} 1$/m)
    expect(shown).toMatch(/aiaas_usage_ingest_lag_seconds\{process="ingest"\} 0$/m)
  })

  it('records the depth the bus reports, null when it cannot say', async () => {
    const db = await migratedPglite()
    for (const depth of [7, null]) {
      await usageIngestHandler(
        db,
        { depth: async () => depth },
        silent,
        () => NOW,
        createMetrics('ingest'),
      )([])
      expect((await readIngestStatus(db, NOW)).ingest.queue_depth).toBe(depth)
    }
  })

  it('still answers a stored batch when the depth cannot be recorded, and logs why', async () => {
    const db = await migratedPglite()
    const warnings: string[] = []
    const log = { warn: (_details: Record<string, unknown>, message: string) => warnings.push(message) }
    const broken = { depth: async () => Promise.reject(new Error('broker gone')) }
    const event = usageEvent({ occurred_at: '2026-11-26T11:00:00Z' })
    const outcome = await usageIngestHandler(db, broken, log, () => NOW, createMetrics('ingest'))([event])
    expect(outcome).toMatchObject({ rejected: [], stored: 1 })
    expect(warnings).toEqual(['could not record the usage queue depth'])
  })
})
