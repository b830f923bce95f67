import type { Database } from '../../infra/ports/database.ts'
import type { UsageEvent } from '../../infra/ports/usage.ts'
import { createRabbitUsagePublisher } from '../../infra/rabbitmq/usage-bus.ts'
import { type Measurement, round } from './measure.ts'

// Freshness under a steady load: events published at `ratePerS` for `seconds` (open loop: each one
// is due at its intended send time, whatever happened to the earlier ones, and carries that time
// as occurred_at, as the router stamps an event when its request ends), while the batched
// consumer runs; lag = ingested_at − occurred_at of each event, read from usage_raw afterwards.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface FreshnessOptions {
  url: string
  queue: string
  ratePerS: number
  seconds: number
  /** The phase's organization ids start with this (benchEvent's prefix). */
  prefix: string
  eventOf: (i: number, occurredAt: Date) => UsageEvent
}

/** Publishes on schedule; answers how many events were published and how late the sender fell. */
export async function publishSteadily(
  options: FreshnessOptions,
): Promise<{ sent: number; behindMs: number }> {
  const publisher = createRabbitUsagePublisher(options.url, options.queue)
  const total = options.ratePerS * options.seconds
  const started = Date.now()
  const inFlight: Promise<void>[] = []
  let behindMs = 0
  let i = 0
  while (i < total) {
    const now = Date.now()
    // Every event whose intended time has come, sent now; each stamped with its intended time.
    while (i < total && started + (i * 1000) / options.ratePerS <= now) {
      const due = started + (i * 1000) / options.ratePerS
      behindMs = Math.max(behindMs, now - due)
      inFlight.push(publisher.publish(options.eventOf(i, new Date(due))))
      i += 1
    }
    await sleep(5)
  }
  await Promise.all(inFlight)
  await publisher.close()
  return { sent: total, behindMs }
}

const LAG = `
  SELECT count(*)::int AS n,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99,
         max(lag) AS max
    FROM (SELECT extract(epoch FROM ingested_at - occurred_at) * 1000 AS lag
            FROM usage_raw WHERE organization_id::text LIKE $1 || '%') AS l`

/** The lag figures of the phase's events, from usage_raw. */
export async function lagOf(db: Database, options: FreshnessOptions, seconds: number): Promise<Measurement> {
  const { rows } = await db.query<{ n: number; p50: number; p99: number; max: number }>(LAG, [options.prefix])
  const row = rows[0] ?? { n: 0, p50: 0, p99: 0, max: 0 }
  return {
    name: `freshness at ${options.ratePerS} events/s for ${options.seconds} s: lag ingested_at − occurred_at, max ${round(Number(row.max))} ms`,
    ops: row.n,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: round(row.n / seconds, 1),
    rows_per_s: round(row.n / seconds, 1),
    p50_ms: round(Number(row.p50)),
    p99_ms: round(Number(row.p99)),
  }
}
