import { randomBytes } from 'node:crypto'
import type { Config } from '../../infra/config/config.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import type { Database } from '../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { lagOf, publishSteadily } from './analytics-freshness.ts'
import { batchedIngest, benchEvent, consume, publishAll, rowByRow } from './analytics-ingest.ts'
import { buildQueryData, measureQuery } from './analytics-query.ts'
import { compare, type Measurement, round } from './measure.ts'

// Issue 10's analytics benchmark on the real PostgreSQL and RabbitMQ (docs/benchmarks.md,
// "Analytics"), in a schema and queues of its own, dropped after:
// - ingest: a pre-filled queue of N events (AIAAS_BENCH_USAGE_EVENTS, default 1,000,000) through
//   the RabbitMQ consumer and ingestUsageBatch, vs the row-by-row pipeline over N/50 events;
// - query: 30 days by hour by model for one organization over AIAAS_BENCH_USAGE_RAW raw events
//   (default 10,000,000), from the hour rollup vs GROUP BY over usage_raw;
// - freshness: 2,000 events/s for AIAAS_BENCH_USAGE_FRESHNESS_S seconds (default 30), lag p50/p99.
// Every phase is bounded in count and in time. Figures only: nothing here passes or fails.

const count = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}

const INGEST_LIMIT_MS = 600_000
const BASELINE_LIMIT_MS = 120_000

async function ingestPhase(config: Config, db: Database, tag: string): Promise<Measurement[]> {
  const n = count('AIAAS_BENCH_USAGE_EVENTS', 1_000_000)
  const url = config.AIAAS_AMQP_URL
  const now = Date.now()
  // Spread over the last hour: ingest stores them in today's (and maybe yesterday's) partition.
  const at = (i: number) => new Date(now - 3_600_000 + ((i * 3_600_000) / n) * 0.999)
  const queue = `bench.usage.${tag}.batched`
  const baselineQueue = `bench.usage.${tag}.rows`
  const small = Math.max(1, Math.ceil(n / 50))
  try {
    process.stderr.write(`  publishing ${n} + ${small} events…\n`)
    await publishAll(url, queue, n, (i) => benchEvent(i, at(i), '0190d000'))
    await publishAll(url, baselineQueue, small, (i) => benchEvent(i, at(i), '0190e000'))
    process.stderr.write('  consuming (batched)…\n')
    const batched = await consume(url, queue, batchedIngest(db), n, INGEST_LIMIT_MS)
    process.stderr.write('  consuming (row by row)…\n')
    const rows = await consume(url, baselineQueue, rowByRow(db), small, BASELINE_LIMIT_MS)
    const stored = (prefix: string) =>
      db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM usage_raw WHERE organization_id::text LIKE $1`,
        [`${prefix}%`],
      )
    const [inBatches, inRows] = [(await stored('0190d000')).rows[0]?.n, (await stored('0190e000')).rows[0]?.n]
    const baseline = measurementOf(`row by row: 1 transaction per event (${inRows} stored)`, rows)
    const candidate = measurementOf(
      `ingestUsageBatch: 1 transaction per batch (${inBatches} stored)`,
      batched,
    )
    return [compare(candidate, baseline), baseline]
  } finally {
    await deleteUsageQueues(queue).catch(() => undefined)
    await deleteUsageQueues(baselineQueue).catch(() => undefined)
  }
}

function measurementOf(name: string, run: { events: number; seconds: number }): Measurement {
  return {
    name: `${name}: ${run.events} events from a pre-filled queue into raw + 3 rollups`,
    ops: run.events,
    rows_per_op: 4,
    seconds: round(run.seconds, 3),
    ops_per_s: round(run.events / run.seconds, 1),
    rows_per_s: round((run.events * 4) / run.seconds, 1),
    p50_ms: 0,
    p99_ms: 0,
  }
}

async function freshnessPhase(config: Config, db: Database, tag: string): Promise<Measurement> {
  const seconds = count('AIAAS_BENCH_USAGE_FRESHNESS_S', 30)
  const options = {
    url: config.AIAAS_AMQP_URL,
    queue: `bench.usage.${tag}.steady`,
    ratePerS: 2_000,
    seconds,
    prefix: '0190f000',
    eventOf: (i: number, due: Date) => benchEvent(i, due, '0190f000'),
  }
  const total = options.ratePerS * seconds
  try {
    const consuming = consume(options.url, options.queue, batchedIngest(db), total, seconds * 1000 + 60_000)
    const sent = await publishSteadily(options)
    const consumed = await consuming
    process.stderr.write(`  freshness: sent ${sent.sent} (sender at most ${sent.behindMs} ms behind)\n`)
    return await lagOf(db, options, consumed.seconds)
  } finally {
    await deleteUsageQueues(options.queue).catch(() => undefined)
  }
}

export async function analyticsBench(config: Config): Promise<Measurement[]> {
  const tag = randomBytes(4).toString('hex')
  const schema = `bench_analytics_${tag}`
  const admin = createPostgresDatabase(config.AIAAS_DATABASE_URL, { max: 1 })
  await admin.query(`CREATE SCHEMA ${schema}`)
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL, { schema, max: 8 })
  try {
    await migrate(db)
    // Each phase's figures are printed as it ends: a later phase's failure does not lose them.
    const shown = (ms: Measurement[]) => {
      for (const m of ms) process.stderr.write(`  = ${JSON.stringify(m)}\n`)
      return ms
    }
    process.stderr.write('  ingest…\n')
    const ingest = shown(await ingestPhase(config, db, tag))
    process.stderr.write('  freshness…\n')
    const [freshness] = shown([await freshnessPhase(config, db, tag)])
    process.stderr.write('  query data…\n')
    const data = await buildQueryData(db, count('AIAAS_BENCH_USAGE_RAW', 10_000_000), new Date())
    process.stderr.write(
      `  built in ${round(data.buildSeconds, 1)} s (${data.hourRows} hour rows); querying…\n`,
    )
    const query = shown(await measureQuery(db, data))
    return [...ingest, ...(freshness ? [freshness] : []), ...query]
  } finally {
    await db.close()
    await admin.query(`DROP SCHEMA ${schema} CASCADE`)
    await admin.close()
  }
}
