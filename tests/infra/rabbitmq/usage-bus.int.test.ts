import { randomUUID } from 'node:crypto'
import { type ChannelModel, connect, type Message } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import type { UsageConsumer } from '../../../infra/ports/usage.ts'
import { DEAD_LETTER_AT_HEADER, DEAD_LETTER_REASON_HEADER } from '../../../infra/rabbitmq/dead-letter.ts'
import {
  createRabbitUsageConsumer,
  createRabbitUsagePublisher,
  deadLetterQueueOf,
  type RabbitUsageConsumerOptions,
} from '../../../infra/rabbitmq/usage-bus.ts'
import { PACK_COUNT_HEADER, PACK_HEADER } from '../../../infra/rabbitmq/usage-pack.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { startSilentServer, startTcpProxy } from '../../support/tcp-proxy.ts'
import { recorder, usageBusContract, usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

const amqpUrl = loadConfig().AIAAS_AMQP_URL
const silent = { warn: () => {} }
let admin: ChannelModel

beforeAll(async () => {
  admin = await connect(amqpUrl)
})
afterAll(async () => {
  await admin.close()
})

const newQueue = () => `test.usage.${randomUUID()}`
// Closes the ends before deleting the queues: a live consumer would re-declare a deleted queue.
function cleanUpAfterTest(queue: string, ...ends: Array<{ close(): Promise<void> }>): void {
  onTestFinished(async () => {
    await Promise.all(ends.map((end) => end.close()))
    await deleteUsageQueues(queue)
  })
}
const consumerOptions = (extra: RabbitUsageConsumerOptions = {}) => ({
  retryDelayMs: 20,
  maxWaitMs: 20,
  idleMs: 50,
  logger: silent,
  ...extra,
})

/** Takes every message now in the dead-letter queue of `queue`. */
async function drainDeadLetters(queue: string): Promise<Message[]> {
  const channel = await admin.createChannel()
  try {
    const taken: Message[] = []
    for (;;) {
      const message = await channel.get(deadLetterQueueOf(queue), { noAck: true })
      if (message === false) return taken
      taken.push(message)
    }
  } finally {
    await channel.close()
  }
}

const reasonOf = (message: Message) => String(message.properties.headers?.[DEAD_LETTER_REASON_HEADER])

usageBusContract('rabbitmq', async (settings) => {
  const queue = newQueue()
  const publisher = createRabbitUsagePublisher(amqpUrl, queue)
  const consumers = [createRabbitUsageConsumer(amqpUrl, queue, consumerOptions(settings))]
  const letters: Array<{ id: string; reason: string }> = []
  return {
    publisher,
    consumer: consumers[0] as UsageConsumer,
    secondConsumer() {
      const consumer = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions(settings))
      consumers.push(consumer)
      return consumer
    },
    async deadLetters() {
      for (const message of await drainDeadLetters(queue)) {
        letters.push({ id: JSON.parse(message.content.toString()).id, reason: reasonOf(message) })
      }
      return [...letters]
    },
    async dispose() {
      await Promise.all([publisher.close(), ...consumers.map((consumer) => consumer.close())])
      await deleteUsageQueues(queue)
    },
  }
})

describe('rabbitmq usage consumer', () => {
  it('dead-letters malformed bodies with their reason, unchanged, and stores the rest of the batch', async () => {
    const queue = newQueue()
    const warnings: string[] = []
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, {
      ...consumerOptions({ maxWaitMs: 300 }),
      logger: { warn: (_details, message) => warnings.push(message) },
    })
    const { handle, ids } = recorder()
    const raw = await admin.createChannel()
    cleanUpAfterTest(queue, consumer, raw)
    await consumer.start(handle)
    const good = [usageEvent(), usageEvent()]
    const negative = JSON.stringify({ ...usageEvent(), input_tokens: -1 })
    raw.sendToQueue(queue, Buffer.from(JSON.stringify(good[0])))
    raw.sendToQueue(queue, Buffer.from('not json'), { messageId: 'm-1', headers: { 'x-trace': 't' } })
    raw.sendToQueue(queue, Buffer.from(negative))
    raw.sendToQueue(queue, Buffer.from(JSON.stringify(good[1])))
    await waitFor(() => ids().length >= 2, 'the valid events')
    expect(ids()).toEqual(good.map((event) => event.id))

    const letters: Message[] = []
    await waitFor(async () => {
      letters.push(...(await drainDeadLetters(queue)))
      return letters.length >= 2
    }, 'both dead letters')
    const [notJson, invalid] = letters as [Message, Message]
    expect(notJson.content.toString()).toBe('not json')
    expect(notJson.properties.messageId).toBe('m-1')
    expect(notJson.properties.headers).toMatchObject({ 'x-trace': 't' })
    expect(reasonOf(notJson)).toMatch(/json/i)
    expect(invalid.content.toString()).toBe(negative)
    expect(reasonOf(invalid)).toContain('input_tokens')
    const at = Date.parse(String(invalid.properties.headers?.[DEAD_LETTER_AT_HEADER]))
    expect(Number.isNaN(at)).toBe(false)
    expect(warnings.filter((w) => w.includes('dead-lettered'))).toHaveLength(2)
    // Nothing left unacked in the queue: the dead letters did not block it.
    await waitFor(async () => (await consumer.depth()) === 0, 'an empty queue')
  })

  it('acks only handled batches: an unfinished one goes to the next consumer', async () => {
    const queue = newQueue()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    const done = usageEvent()
    const stuck = usageEvent()
    const first = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions({ closeTimeoutMs: 100 }))
    const second = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions())
    cleanUpAfterTest(queue, publisher, first, second)
    const firstSaw: string[] = []
    await first.start(async (events) => {
      firstSaw.push(...events.map((event) => event.id))
      if (events.some((event) => event.id === stuck.id)) await new Promise(() => {})
      return { rejected: [] }
    })
    await publisher.publish(done)
    await waitFor(() => firstSaw.includes(done.id), 'the first event handled')
    await publisher.publish(stuck)
    await waitFor(() => firstSaw.includes(stuck.id), 'the second event at the first consumer')
    await first.close()

    // Published after the first consumer left: whatever it handed back (only `stuck`; `done` was
    // acked) is ahead of the marker in the queue, so once the marker arrives nothing else can.
    const marker = usageEvent()
    await publisher.publish(marker)
    const { handle, batches } = recorder()
    await second.start(handle)
    await waitFor(
      () => batches.flat().some((e) => e.id === marker.id),
      'the marker behind the unfinished event',
    )
    expect(batches.flat()).toEqual([stuck, marker])
  })

  it('retries a failing batch until it is stored, and then the queue is empty', async () => {
    const queue = newQueue()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions())
    cleanUpAfterTest(queue, publisher, consumer)
    let failures = 0
    const stored: string[] = []
    await consumer.start(async (events) => {
      if (events.length > 0 && failures < 3) {
        failures++
        throw new Error('database down')
      }
      stored.push(...events.map((event) => event.id))
      return { rejected: [] }
    })
    const event = usageEvent()
    await publisher.publish(event)
    await waitFor(() => stored.length >= 1, 'the event stored after 3 failures')
    expect(stored).toEqual([event.id])
    await waitFor(async () => (await consumer.depth()) === 0, 'an empty queue')
  })

  it('re-subscribes by itself after its connection is cut', async () => {
    const queue = newQueue()
    const proxy = await startTcpProxyFor(amqpUrl)
    const consumer = createRabbitUsageConsumer(proxy.url, queue, consumerOptions())
    const { handle, ids } = recorder()
    await consumer.start(handle)
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    cleanUpAfterTest(queue, publisher, consumer, proxy)
    await publisher.publish(usageEvent())
    await waitFor(() => ids().length >= 1, 'the first event')
    proxy.cut()
    const after = usageEvent()
    await publisher.publish(after)
    await waitFor(() => ids().includes(after.id), 'the event published after the cut')
  })

  it('sends no idle heartbeat while disconnected, and heartbeats again once reconnected', async () => {
    const queue = newQueue()
    const proxy = await startTcpProxyFor(amqpUrl)
    const { handle, batches } = recorder()
    let atLoss = -1
    let failedReconnects = 0
    const logger = {
      warn: (_details: Record<string, unknown>, message: string) => {
        if (message.includes('lost its connection')) atLoss = batches.length
        if (message === 'usage consumer reconnect failed') failedReconnects++
      },
    }
    const consumer = createRabbitUsageConsumer(proxy.url, queue, { ...consumerOptions(), logger })
    await consumer.start(handle)
    cleanUpAfterTest(queue, consumer, proxy)
    await waitFor(() => batches.length >= 1, 'an idle heartbeat while connected')
    await proxy.stop()
    // Two failed reconnects take 750 ms or more: 15 idle periods of 50 ms.
    await waitFor(() => failedReconnects >= 2, 'two failed reconnects')
    expect(atLoss).toBeGreaterThanOrEqual(1)
    expect(batches.length).toBe(atLoss)
    expect(await consumer.depth()).toBeNull()
    await proxy.resume()
    await waitFor(() => batches.length > atLoss, 'a heartbeat after reconnecting')
  })

  it('refuses to start with USAGE_BUS_UNAVAILABLE when the broker is unreachable', async () => {
    const consumer = createRabbitUsageConsumer(
      'amqp://guest:guest@127.0.0.1:1',
      newQueue(),
      consumerOptions(),
    )
    await expect(consumer.start(recorder().handle)).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    await consumer.close()
  })
})

describe('rabbitmq usage publisher: batches', () => {
  /** Takes every message now in `queue`. */
  async function takeAll(queue: string): Promise<Message[]> {
    const channel = await admin.createChannel()
    const taken: Message[] = []
    const take = () => channel.get(queue, { noAck: true })
    for (let message = await take(); message !== false; message = await take()) taken.push(message)
    await channel.close()
    return taken
  }

  it('confirms every event of a batch, packed up to 64 to a message, in order on the queue', async () => {
    const queue = newQueue()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue, { publishTimeoutMs: 10_000 })
    cleanUpAfterTest(queue, publisher)
    const events = Array.from({ length: 200 }, () => usageEvent())
    const outcome = await publisher.publishBatch?.(events)
    expect(outcome).toEqual(events.map(() => undefined))

    const messages = await takeAll(queue)
    expect(messages.map((m) => m.properties.headers?.[PACK_COUNT_HEADER])).toEqual([64, 64, 64, 8])
    const bodies = messages.flatMap((message) => {
      expect(message.properties.headers?.[PACK_HEADER]).toBe(1)
      expect(message.properties.contentType).toBe('application/x-ndjson')
      const lines = message.content
        .toString()
        .split('\n')
        .map((line) => JSON.parse(line))
      expect(message.properties.messageId).toBe(lines[0].id)
      return lines
    })
    expect(bodies).toEqual(events)
  })

  it('sends a lone event, and every event when packs are off, as the plain message of old', async () => {
    const queue = newQueue()
    const unpacked = createRabbitUsagePublisher(amqpUrl, queue, { pack: { maxEvents: 1 } })
    const packing = createRabbitUsagePublisher(amqpUrl, queue)
    cleanUpAfterTest(queue, unpacked, packing)
    const events = Array.from({ length: 3 }, () => usageEvent())
    const lone = usageEvent()
    expect(await unpacked.publishBatch?.(events)).toEqual([undefined, undefined, undefined])
    await packing.publish(lone)

    const messages = await takeAll(queue)
    expect(messages.map((m) => JSON.parse(m.content.toString()))).toEqual([...events, lone])
    for (const message of messages) {
      expect(message.properties.headers?.[PACK_HEADER]).toBeUndefined()
      expect(message.properties.contentType).toBe('application/json')
      expect(message.properties.messageId).toBe(JSON.parse(message.content.toString()).id)
    }
  })

  it('reports each event no queue took, and the next batch declares the queue again', async () => {
    const queue = newQueue()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue, { publishTimeoutMs: 10_000 })
    cleanUpAfterTest(queue, publisher)
    await publisher.publish(usageEvent())
    await deleteUsageQueues(queue)
    const outcome = (await publisher.publishBatch?.([usageEvent(), usageEvent()])) ?? []
    expect(outcome).toHaveLength(2)
    for (const error of outcome) expect(error).toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })

    expect(await publisher.publishBatch?.([usageEvent()])).toEqual([undefined])
    const channel = await admin.createChannel()
    expect((await channel.checkQueue(queue)).messageCount).toBe(1)
    await channel.close()
  })
})

describe('rabbitmq usage publisher when the broker is away', () => {
  it('rejects with USAGE_BUS_UNAVAILABLE within 2 s when nothing listens', async () => {
    const publisher = createRabbitUsagePublisher('amqp://guest:guest@127.0.0.1:1', newQueue())
    const started = performance.now()
    await expect(publisher.publish(usageEvent())).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    expect(performance.now() - started).toBeLessThan(2000)
    await publisher.close()
  })

  it('rejects within the publish timeout when the broker accepts but never answers', async () => {
    const silent = await startSilentServer()
    const url = `amqp://guest:guest@127.0.0.1:${silent.port}`
    const publisher = createRabbitUsagePublisher(url, newQueue(), { publishTimeoutMs: 300 })
    const started = performance.now()
    await expect(publisher.publish(usageEvent())).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    expect(performance.now() - started).toBeLessThan(800)
    await publisher.close()
    await silent.close()
  })

  it('fails fast while the broker is down and reconnects on the next publish once it is back', async () => {
    const queue = newQueue()
    const proxy = await startTcpProxyFor(amqpUrl)
    const publisher = createRabbitUsagePublisher(proxy.url, queue, { publishTimeoutMs: 1000 })
    cleanUpAfterTest(queue, publisher, proxy)
    await publisher.publish(usageEvent())
    await proxy.stop()
    const started = performance.now()
    await expect(publisher.publish(usageEvent())).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    expect(performance.now() - started).toBeLessThan(1500)
    await proxy.resume()
    await expect(publisher.publish(usageEvent())).resolves.toBeUndefined()
    const channel = await admin.createChannel()
    expect((await channel.checkQueue(queue)).messageCount).toBe(2)
    await channel.close()
  })
})

async function startTcpProxyFor(url: string) {
  const target = new URL(url)
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5672))
  const proxied = new URL(url)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(proxy.port)
  return { ...proxy, url: proxied.toString(), close: () => proxy.stop() }
}
