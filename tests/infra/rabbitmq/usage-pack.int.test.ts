import { randomUUID } from 'node:crypto'
import { type ChannelModel, connect, type Message } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageBatchHandler, UsageEvent } from '../../../infra/ports/usage.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { DEAD_LETTER_REASON_HEADER } from '../../../infra/rabbitmq/dead-letter.ts'
import {
  createRabbitUsageConsumer,
  createRabbitUsagePublisher,
  deadLetterQueueOf,
} from '../../../infra/rabbitmq/usage-bus.ts'
import {
  PACK_CONTENT_TYPE,
  PACK_COUNT_HEADER,
  PACK_HEADER,
  PACK_INDEX_HEADER,
} from '../../../infra/rabbitmq/usage-pack.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { type CreatedDatabase, createDatabase } from '../../support/fresh-database.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import { usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

// Usage packs (several events to an AMQP message) from the router's publisher, through the real
// RabbitMQ and the batched consumer, into PostgreSQL with the ingest's own write: rows counted in
// usage_raw and the hour rollup, so a duplicate or a lost event shows.

const amqpUrl = loadConfig().AIAAS_AMQP_URL
const silent = { warn: () => {} }
const quick = { retryDelayMs: 20, maxWaitMs: 20, idleMs: 50, logger: silent }
let admin: ChannelModel
let created: CreatedDatabase
let db: Database

beforeAll(async () => {
  admin = await connect(amqpUrl)
  created = await createDatabase('usage_pack')
  db = createPostgresDatabase(created.url)
  await migrate(db)
}, 60_000)
afterAll(async () => {
  await admin?.close()
  await db?.close()
  await created?.drop()
})

const ingest: UsageBatchHandler = (events) => ingestUsageBatch(db, events, new Date())

/** A queue of its own, and events of an organization of their own, cleaned up after the test. */
function setUp(...ends: Array<{ close(): Promise<void> }>) {
  const queue = `test.usage.${randomUUID()}`
  const organization_id = randomUUID()
  const event = (): UsageEvent => usageEvent({ organization_id })
  onTestFinished(async () => {
    await Promise.all(ends.map((end) => end.close()))
    await deleteUsageQueues(queue)
  })
  const counts = async () => {
    const raw = await db.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM usage_raw WHERE organization_id = $1',
      [organization_id],
    )
    const hour = await db.query<{ n: number }>(
      'SELECT coalesce(sum(requests), 0)::int AS n FROM usage_rollup_hour WHERE organization_id = $1',
      [organization_id],
    )
    return { raw: raw.rows[0]?.n, distinct: raw.rows[0]?.distinct, hour: hour.rows[0]?.n }
  }
  return { queue, event, counts, ends }
}

async function messageCount(queue: string): Promise<number> {
  const channel = await admin.createChannel()
  try {
    return (await channel.checkQueue(queue)).messageCount
  } finally {
    await channel.close()
  }
}

async function takeAll(queue: string): Promise<Message[]> {
  const channel = await admin.createChannel()
  const taken: Message[] = []
  const take = () => channel.get(queue, { noAck: true })
  for (let message = await take(); message !== false; message = await take()) taken.push(message)
  await channel.close()
  return taken
}

/** Sends `lines` as one pack, as a router's publisher would. */
async function sendPack(queue: string, lines: readonly string[]): Promise<void> {
  const channel = await admin.createConfirmChannel()
  channel.sendToQueue(queue, Buffer.from(lines.join('\n')), {
    persistent: true,
    messageId: 'pack-1',
    contentType: PACK_CONTENT_TYPE,
    headers: { [PACK_HEADER]: 1, [PACK_COUNT_HEADER]: lines.length, 'x-trace': 't' },
  })
  await channel.waitForConfirms()
  await channel.close()
}

describe('usage packs into PostgreSQL', () => {
  it('stores every event of every pack once: 150 events in 3 messages, 150 rows', async () => {
    const { queue, event, counts, ends } = setUp()
    const packing = createRabbitUsagePublisher(amqpUrl, queue, { publishTimeoutMs: 10_000 })
    ends.push(packing)
    const events = Array.from({ length: 150 }, event)
    expect(await packing.publishBatch?.(events)).toEqual(events.map(() => undefined))
    expect(await messageCount(queue)).toBe(3)

    const consumer = createRabbitUsageConsumer(amqpUrl, queue, { ...quick, maxEvents: 100 })
    ends.push(consumer)
    await consumer.start(ingest)
    await waitFor(async () => (await counts()).raw === 150, '150 rows')
    expect(await counts()).toEqual({ raw: 150, distinct: 150, hour: 150 })
    await waitFor(async () => (await consumer.depth()) === 0 && (await messageCount(queue)) === 0, 'acked')
  })

  it('dead-letters a malformed event of a pack alone, with its reason, stores the rest and acks the pack', async () => {
    const { queue, event, counts, ends } = setUp()
    const real = createRabbitUsageConsumer(amqpUrl, queue, quick)
    ends.push(real)
    await real.start(ingest)
    const good = Array.from({ length: 4 }, () => JSON.stringify(event()))
    const bad = JSON.stringify({ ...event(), input_tokens: -1 })
    await sendPack(queue, [good[0], good[1], bad, good[2], good[3]] as string[])

    await waitFor(async () => (await counts()).raw === 4, 'the 4 good events stored')
    const letters: Message[] = []
    await waitFor(async () => {
      letters.push(...(await takeAll(deadLetterQueueOf(queue))))
      return letters.length >= 1
    }, 'the dead letter')
    expect(letters).toHaveLength(1)
    const [letter] = letters as [Message]
    expect(letter.content.toString()).toBe(bad)
    expect(String(letter.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toContain('input_tokens')
    expect(letter.properties.headers).toMatchObject({ [PACK_INDEX_HEADER]: 2, 'x-trace': 't' })
    expect(letter.properties.headers).not.toHaveProperty(PACK_HEADER)
    expect(letter.properties.contentType).toBe('application/json')
    // The pack was acknowledged (after its dead letter was confirmed): once the consumer is gone,
    // nothing unacked comes back to the queue.
    await real.close()
    expect(await messageCount(queue)).toBe(0)
    expect(await counts()).toEqual({ raw: 4, distinct: 4, hour: 4 })
  })

  it('redelivers a pack cut between two batches by a dead consumer, and stores no event twice', async () => {
    const target = new URL(amqpUrl)
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5672))
    const viaProxy = Object.assign(new URL(amqpUrl), { hostname: '127.0.0.1', port: String(proxy.port) })
    const { queue, event, counts, ends } = setUp({ close: () => proxy.stop() })
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    // Batches of 5 events: the pack of 8 straddles two; the second never finishes.
    const dying = createRabbitUsageConsumer(viaProxy.toString(), queue, {
      ...quick,
      maxEvents: 5,
      closeTimeoutMs: 100,
    })
    ends.push(publisher, dying)
    let batches = 0
    await dying.start(async (events) => {
      if (events.length === 0) return { rejected: [] }
      if (++batches === 1) return ingest(events)
      return new Promise(() => {})
    })
    const events = Array.from({ length: 8 }, event)
    await publisher.publishBatch?.(events)
    await waitFor(async () => batches === 2 && (await counts()).raw === 5, 'the first batch stored')
    // The consumer dies: its connection goes without an ack or a nack.
    await proxy.stop()

    const next = createRabbitUsageConsumer(amqpUrl, queue, quick)
    ends.push(next)
    const seen: string[] = []
    await next.start(async (batch) => {
      seen.push(...batch.map((e) => e.id))
      return ingest(batch)
    })
    await waitFor(async () => (await counts()).raw === 8, 'all 8 events stored')
    // The whole pack came again, the 5 stored events too; dedupe kept one row each.
    expect(seen).toEqual(events.map((e) => e.id))
    expect(await counts()).toEqual({ raw: 8, distinct: 8, hour: 8 })
    await waitFor(async () => (await next.depth()) === 0, 'an empty queue')
  })

  it('still ingests plain one-event messages of older routers, between packs', async () => {
    const { queue, event, counts, ends } = setUp()
    const packing = createRabbitUsagePublisher(amqpUrl, queue)
    const old = createRabbitUsagePublisher(amqpUrl, queue, { pack: { maxEvents: 1 } })
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, { ...quick, maxEvents: 7 })
    ends.push(packing, old, consumer)
    await consumer.start(ingest)
    await packing.publishBatch?.(Array.from({ length: 10 }, event))
    await old.publishBatch?.(Array.from({ length: 10 }, event))
    await packing.publishBatch?.(Array.from({ length: 10 }, event))
    await old.publish(event())
    await waitFor(async () => (await counts()).raw === 31, '31 rows')
    expect(await counts()).toEqual({ raw: 31, distinct: 31, hour: 31 })
  })

  it('holds about 2 × maxEvents events of packs, not prefetch × 64', async () => {
    const { queue, event, counts, ends } = setUp()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue, { pack: { maxEvents: 50 } })
    // 2 × 20 events is less than one pack: the least prefetch, 8 messages, not 2 × maxEvents = 40.
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, { ...quick, maxEvents: 20 })
    ends.push(publisher, consumer)
    for (let i = 0; i < 40; i++) await publisher.publishBatch?.(Array.from({ length: 50 }, event))
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let held = false
    await consumer.start(async (events) => {
      if (events.length > 0 && !held) {
        held = true
        await gate
      }
      return ingest(events)
    })
    await waitFor(() => held, 'the first batch')
    await waitFor(async () => (await messageCount(queue)) === 32, '8 packs delivered, 32 still ready')
    release()
    await waitFor(async () => (await counts()).raw === 2000, 'all 2,000 events stored', 30_000)
  })

  it('raises its prefetch for one-event messages, so their batches fill', async () => {
    const { queue, event, ends } = setUp()
    const old = createRabbitUsagePublisher(amqpUrl, queue, { pack: { maxEvents: 1 } })
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, { ...quick, maxEvents: 20, maxWaitMs: 200 })
    ends.push(old, consumer)
    await old.publishBatch?.(Array.from({ length: 100 }, event))
    const sizes: number[] = []
    await consumer.start(async (events) => {
      if (events.length > 0) sizes.push(events.length)
      return { rejected: [] }
    })
    await waitFor(() => sizes.reduce((a, b) => a + b, 0) >= 100, 'all 100 events')
    // The first batch had the 8 messages of the first prefetch (packs assumed); then 40.
    expect(sizes[0]).toBeLessThanOrEqual(8)
    expect(Math.max(...sizes)).toBeGreaterThan(8)
  })
})
