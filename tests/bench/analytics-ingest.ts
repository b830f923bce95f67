import { connect } from 'amqplib'
import { v7 } from 'uuid'
import { histogramOf } from '../../domain/usage/histogram.ts'
import { ingestBatching } from '../../gateways/processes/usage-ingest.ts'
import { loadConfig } from '../../infra/config/config.ts'
import type { Database, Sql } from '../../infra/ports/database.ts'
import type { UsageBatchOutcome, UsageEvent } from '../../infra/ports/usage.ts'
import { assertUsageTopology } from '../../infra/rabbitmq/topology.ts'
import { createRabbitUsageConsumer } from '../../infra/rabbitmq/usage-bus.ts'
import { DEFAULT_PACK_BOUNDS, packProperties, packsOf } from '../../infra/rabbitmq/usage-pack.ts'
import { ingestUsageBatch } from '../../projections/usage/ingest.ts'
import { ensurePartitions, utcDay } from '../../projections/usage/partitions.ts'
import { storedUsageOf } from '../../projections/usage/stored-usage.ts'

// The ingest half of the analytics benchmark: usage events published to a RabbitMQ queue, then
// consumed by the batched RabbitMQ consumer into usage_raw and the rollups, either by
// ingestUsageBatch (one transaction per batch) or the seed's way: one transaction per event, one
// INSERT and three single-row upserts (the row-by-row baseline; same consumer, so the
// comparison is of the writes).

const ORGS = 20
const KEYS = 50
const MODELS = 8
const hex = (n: number) => n.toString(16).padStart(12, '0')

/** A usage event with the benchmark's cardinality (see analytics-query.ts); `prefix` (8 hex digits) names the phase. */
export function benchEvent(i: number, occurredAt: Date, prefix: string): UsageEvent {
  const key = (i * 7919) % KEYS
  const model = (i * 104_729) % MODELS
  const roll = (i * 31) % 100
  const http_status = roll < 96 ? 200 : roll < 98 ? 429 : 503
  return {
    id: v7(),
    organization_id: `${prefix}-0000-7000-8000-${hex(key % ORGS)}`,
    api_key_id: `${prefix}-0000-7000-9000-${hex(key)}`,
    model: `model-${model}`,
    backend: `backend-${model % 4}:8000`,
    status: http_status < 400 ? 'ok' : 'error',
    http_status,
    input_tokens: (i * 13) % 4000,
    output_tokens: (i * 17) % 1000,
    cost_usd: ((i % 5000) + 1) / 1e7,
    latency_ms: 20 + ((i * 37) % 8000) / 3,
    ttfb_ms: i % 3 === 0 ? undefined : 5 + ((i * 37) % 8000) / 12,
    streamed: i % 2 === 0,
    cancelled: i % 97 === 0,
    tokens_source: i % 50 === 0 ? 'estimated' : 'reported',
    occurred_at: occurredAt.toISOString(),
  }
}

/**
 * Publishes `count` events with confirms, in bulk (waits for confirms every 5000 events), packed
 * as the router packs them: `AIAAS_BENCH_USAGE_PACK` events a message at most (default 64;
 * 1 sends one plain message per event, as routers before packs did).
 */
export async function publishAll(
  url: string,
  queue: string,
  count: number,
  eventOf: (i: number) => UsageEvent,
): Promise<void> {
  const bounds = { ...DEFAULT_PACK_BOUNDS, maxEvents: Number(process.env.AIAAS_BENCH_USAGE_PACK ?? 64) }
  const connection = await connect(url)
  try {
    const channel = await connection.createConfirmChannel()
    await assertUsageTopology(channel, queue)
    for (let start = 0; start < count; start += 5000) {
      const events = Array.from({ length: Math.min(5000, count - start) }, (_, i) => eventOf(start + i))
      for (const pack of packsOf(events, bounds)) {
        const id = (events[pack.first] as UsageEvent).id
        const options = { persistent: true, messageId: id, ...packProperties(pack.count) }
        if (!channel.sendToQueue(queue, pack.body, options)) {
          await new Promise((resolve) => channel.once('drain', resolve))
        }
      }
      await channel.waitForConfirms()
    }
  } finally {
    await connection.close()
  }
}

export interface Consumed {
  events: number
  seconds: number
  /** This process' largest resident set while consuming, MB (sampled every 100 ms). */
  peakRssMb: number
}

type BatchHandler = (events: readonly UsageEvent[]) => Promise<UsageBatchOutcome>

/**
 * Consumes the queue with the batched RabbitMQ consumer (batches bounded as the ingest process's
 * are: AIAAS_INGEST_BATCH_MAX_EVENTS and _MAX_WAIT_MS, prefetch twice the size) until `expected` events were handled or `limitMs` passed; the clock starts
 * when the consumer has subscribed. Empty batches (the idle heartbeat) go to `handle` too.
 */
export async function consume(
  url: string,
  queue: string,
  handle: BatchHandler,
  expected: number,
  limitMs: number,
): Promise<Consumed> {
  const consumer = createRabbitUsageConsumer(url, queue, {
    ...ingestBatching(loadConfig()),
    closeTimeoutMs: 30_000,
  })
  let handled = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => {
    done = resolve
  })
  await consumer.start(async (events) => {
    const outcome = await handle(events)
    // Every benchmark event is valid: a refusal means the benchmark measures nothing.
    if (outcome.rejected.length > 0) throw new Error(`refused: ${outcome.rejected[0]?.reason}`)
    handled += events.length
    if (handled >= expected) done()
    return outcome
  })
  const started = performance.now()
  const timer = setTimeout(done, limitMs)
  let peakRss = process.memoryUsage.rss()
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
  }, 100)
  await finished
  const seconds = (performance.now() - started) / 1000
  clearTimeout(timer)
  clearInterval(sampler)
  await consumer.close()
  const peakRssMb = Math.round(peakRss / 1e6)
  process.stderr.write(`  consumed ${handled} events in ${seconds.toFixed(1)} s, peak RSS ${peakRssMb} MB\n`)
  return { events: handled, seconds, peakRssMb }
}

/** The ingest process's write: the batch in one transaction (ingestUsageBatch). */
export const batchedIngest =
  (db: Database): BatchHandler =>
  (events) =>
    ingestUsageBatch(db, events, new Date())

const INSERT_ONE = `
  INSERT INTO usage_raw (event_id, occurred_at, organization_id, api_key_id, model, backend, status_class,
      status, http_status, input_tokens, output_tokens, cost_nanos, latency_ms, ttfb_ms, streamed, cancelled,
      tokens_source)
  VALUES ($1, $2, $3, $4, $5, $6, ($7::int / 100) || 'xx', $8, $7, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT DO NOTHING`

const upsertOne = (table: string) => `
  INSERT INTO ${table} AS r VALUES (date_trunc($1, $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
      $3, $4, $5, $6, ($7::int / 100) || 'xx', 1, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (organization_id, bucket, api_key_id, model, backend, status_class) DO UPDATE SET
    requests = r.requests + 1, errors = r.errors + EXCLUDED.errors,
    input_tokens = r.input_tokens + EXCLUDED.input_tokens, output_tokens = r.output_tokens + EXCLUDED.output_tokens,
    cost_nanos = r.cost_nanos + EXCLUDED.cost_nanos, streamed = r.streamed + EXCLUDED.streamed,
    cancelled = r.cancelled + EXCLUDED.cancelled, estimated = r.estimated + EXCLUDED.estimated,
    latency_hist = usage_hist_add(r.latency_hist, EXCLUDED.latency_hist),
    ttfb_hist = usage_hist_add(r.ttfb_hist, EXCLUDED.ttfb_hist)`

const GRAIN_TABLES = [
  ['minute', 'usage_rollup_minute'],
  ['hour', 'usage_rollup_hour'],
  ['day', 'usage_rollup_day'],
] as const

async function storeOne(tx: Sql, event: UsageEvent): Promise<void> {
  const stored = storedUsageOf(event, { horizon: null, now: new Date() })
  if (!stored.ok) throw new Error(stored.reason)
  const r = stored.row
  const dims = [
    r.occurred_at.toISOString(),
    r.organization_id,
    r.api_key_id,
    r.model,
    r.backend,
    r.http_status,
  ]
  const inserted = await tx.query(INSERT_ONE, [
    r.event_id,
    ...dims.slice(0, 6),
    r.status,
    r.input_tokens,
    r.output_tokens,
    r.cost_nanos,
    r.latency_ms,
    r.ttfb_ms,
    r.streamed,
    r.cancelled,
    r.tokens_source,
  ])
  if (inserted.rowCount === 0) return
  const hist = (values: number[]) => `{${histogramOf(values).join(',')}}`
  const counts = [
    r.status === 'ok' ? 0 : 1,
    r.input_tokens,
    r.output_tokens,
    r.cost_nanos,
    r.streamed ? 1 : 0,
    r.cancelled ? 1 : 0,
    r.tokens_source === 'estimated' ? 1 : 0,
    hist([r.latency_ms]),
    hist(r.ttfb_ms === null ? [] : [r.ttfb_ms]),
  ]
  for (const [grain, table] of GRAIN_TABLES) await tx.query(upsertOne(table), [grain, ...dims, ...counts])
}

/** The seed's write: one transaction per event, one after the other (partitions made sure of first). */
export const rowByRow =
  (db: Database): BatchHandler =>
  async (events) => {
    for (const event of events) {
      await ensurePartitions(db, [utcDay(new Date(event.occurred_at))])
      await db.transaction((tx) => storeOne(tx, event))
    }
    return { rejected: [] }
  }
