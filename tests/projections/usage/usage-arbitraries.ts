import fc from 'fast-check'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { parseUsageMessage } from '../../../infra/ports/usage-event-schema.ts'
import { eventBodiesOf, packProperties, packsOf } from '../../../infra/rabbitmq/usage-pack.ts'

// Generated usage events for the ingest property test: few organizations, keys, models, backends
// and statuses, so that rollup groups collide; occurred_at within three days (minute, hour and
// day buckets all split and merge); null TTFB, cancelled and estimated events; and a delivery
// plan — every event at least once, some repeated, in any order, cut into batches of any size.

export const BASE_MS = Date.parse('2026-11-20T00:00:00Z')
/** Ingest's clock: after every generated event, within the day ahead it accepts. */
export const NOW = new Date(BASE_MS + 4 * 86_400_000)
const SPAN_MS = 3 * 86_400_000

const ORGS = ['0190a000-0000-7000-8000-00000000000a', '0190A000-0000-7000-8000-00000000000B']
const KEYS = ['0190a000-0000-7000-8000-0000000000c1', '0190a000-0000-7000-8000-0000000000c2']
const MODELS = ['gpt-small', 'llama-70b']
const BACKENDS = ['vllm-a:8000', 'vllm-b:8000']

const idOf = (index: number) => `0190b000-0000-7000-8000-${index.toString(16).padStart(12, '0')}`

const status = fc.constantFrom(200, 200, 429, 499, 500, 503).map((http) => ({
  http_status: http,
  status: http < 400 ? ('ok' as const) : ('error' as const),
}))

// Tenths of a millisecond around the histograms' bounds, a zero, and minutes-long requests.
const millis = fc.oneof(
  fc.integer({ min: 0, max: 4_000 }).map((tenths) => tenths / 10),
  fc.double({ min: 0, max: 1_200_000, noNaN: true }),
)

const fields = fc.record({
  organization_id: fc.constantFrom(...ORGS),
  api_key_id: fc.constantFrom(...KEYS),
  model: fc.constantFrom(...MODELS),
  backend: fc.constantFrom(...BACKENDS),
  status,
  input_tokens: fc.integer({ min: 0, max: 100_000 }),
  output_tokens: fc.integer({ min: 0, max: 100_000 }),
  cost_nanos: fc.integer({ min: 0, max: 50_000_000 }),
  latency_ms: millis,
  ttfb_ms: fc.option(millis, { nil: undefined }),
  streamed: fc.boolean(),
  cancelled: fc.option(fc.boolean(), { nil: undefined }),
  tokens_source: fc.option(fc.constantFrom('reported' as const, 'estimated' as const), { nil: undefined }),
  offset_ms: fc.integer({ min: 0, max: SPAN_MS }),
})

type Fields = typeof fields extends fc.Arbitrary<infer T> ? T : never

function eventOf(index: number, f: Fields): UsageEvent {
  const { status: s, cost_nanos, offset_ms, ...rest } = f
  return {
    ...rest,
    ...s,
    id: idOf(index),
    cost_usd: cost_nanos / 1e9,
    occurred_at: new Date(BASE_MS + offset_ms).toISOString(),
  }
}

/** Distinct events (distinct ids), 1 to maxLength of them. */
export const distinctEvents = (maxLength: number) =>
  fc.array(fields, { minLength: 1, maxLength }).map((all) => all.map((f, i) => eventOf(i, f)))

/** Every event at least once plus some repeats, shuffled, cut into batches of 1..maxBatch. */
export function deliveries(events: readonly UsageEvent[], maxBatch: number): fc.Arbitrary<UsageEvent[][]> {
  const repeats = fc.array(fc.nat({ max: events.length - 1 }), { maxLength: events.length })
  const sent = repeats.map((extra) => [...events, ...extra.map((i) => events[i] as UsageEvent)])
  return sent.chain((all) =>
    fc
      .tuple(
        fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        fc.array(fc.integer({ min: 1, max: maxBatch }), { minLength: all.length, maxLength: all.length }),
      )
      .map(([order, sizes]) => cut(order, sizes)),
  )
}

function cut(order: readonly UsageEvent[], sizes: readonly number[]): UsageEvent[][] {
  const batches: UsageEvent[][] = []
  let at = 0
  for (const size of sizes) {
    if (at >= order.length) break
    batches.push(order.slice(at, at + size))
    at += size
  }
  return batches
}

/**
 * The plan as RabbitMQ delivers packs (issue 12): the events in any order, packed by the
 * publisher's own code (usage-pack.ts) within any bounds, some packs delivered again whole (a
 * consumer died before acking them), each read back and parsed as the consumer does, and the
 * events cut into batches of any size, so batches end inside packs.
 */
export function packedDeliveries(
  events: readonly UsageEvent[],
  maxBatch: number,
): fc.Arbitrary<UsageEvent[][]> {
  const n = events.length
  const bounds = fc.record({
    maxEvents: fc.integer({ min: 1, max: 6 }),
    maxBytes: fc.constantFrom(600, 65_536),
  })
  return fc
    .tuple(
      fc.shuffledSubarray([...events], { minLength: n, maxLength: n }),
      bounds,
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: maxBatch }), { minLength: 2 * n, maxLength: 2 * n }),
    )
    .map(([order, limits, again, sizes]) => {
      const packs = packsOf(order, limits)
      const sent = [...packs, ...again.map((i) => packs[i % packs.length])]
      const read = sent.flatMap((pack) => {
        if (!pack) return []
        const bodies = eventBodiesOf(pack.body, { headers: packProperties(pack.count).headers })
        if (!bodies.ok) throw new Error(bodies.reason)
        return bodies.bodies.map((body) => {
          const parsed = parseUsageMessage(body)
          if (!parsed.ok) throw new Error(parsed.reason)
          return parsed.event
        })
      })
      const batches = cut(read, sizes)
      const delivered = batches.reduce((sum, batch) => sum + batch.length, 0)
      return delivered < read.length ? [...batches, read.slice(delivered)] : batches
    })
}
