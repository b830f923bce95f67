import { randomUUID } from 'node:crypto'
import { type ChannelModel, connect } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import {
  createRabbitUsageConsumer,
  createRabbitUsagePublisher,
  deadLetterQueueOf,
  type RabbitUsageConsumerOptions,
} from '../../../infra/rabbitmq/usage-bus.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { startSilentServer, startTcpProxy } from '../../support/tcp-proxy.ts'
import { usageBusContract, usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

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
  logger: silent,
  ...extra,
})

usageBusContract('rabbitmq', async () => {
  const queue = newQueue()
  const publisher = createRabbitUsagePublisher(amqpUrl, queue)
  const consumer = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions())
  return {
    publisher,
    consumer,
    async dispose() {
      await Promise.all([publisher.close(), consumer.close()])
      await deleteUsageQueues(queue)
    },
  }
})

describe('rabbitmq usage consumer', () => {
  it('dead-letters malformed messages, logs them and keeps consuming', async () => {
    const queue = newQueue()
    const warnings: string[] = []
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, {
      logger: { warn: (_details, message) => warnings.push(message) },
    })
    const handled: string[] = []
    await consumer.start(async (event) => {
      handled.push(event.id)
    })
    const raw = await admin.createChannel()
    raw.sendToQueue(queue, Buffer.from('not json'))
    raw.sendToQueue(queue, Buffer.from(JSON.stringify({ ...usageEvent(), input_tokens: -1 })))
    const good = usageEvent()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    cleanUpAfterTest(queue, publisher, consumer, raw)
    await publisher.publish(good)
    await waitFor(() => handled.length >= 1, 'the valid event')
    expect(handled).toEqual([good.id])

    const deadLettered: string[] = []
    for (let i = 0; i < 50 && deadLettered.length < 2; i++) {
      const message = await raw.get(deadLetterQueueOf(queue), { noAck: true })
      if (message) deadLettered.push(message.content.toString())
      else await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(deadLettered[0]).toBe('not json')
    expect(deadLettered).toHaveLength(2)
    expect(warnings).toHaveLength(2)
  })

  it('acks only handled events: an unfinished one goes to the next consumer', async () => {
    const queue = newQueue()
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    const done = usageEvent()
    const stuck = usageEvent()
    const first = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions({ closeTimeoutMs: 100 }))
    const second = createRabbitUsageConsumer(amqpUrl, queue, consumerOptions())
    cleanUpAfterTest(queue, publisher, first, second)
    const firstSaw: string[] = []
    await first.start(async (event) => {
      firstSaw.push(event.id)
      if (event.id === stuck.id) await new Promise(() => {})
    })
    await publisher.publish(done)
    await publisher.publish(stuck)
    await waitFor(() => firstSaw.length >= 2, 'both events at the first consumer')
    await first.close()

    // Published after the first consumer left: whatever it handed back (only `stuck`; `done` was
    // acked) is ahead of the marker in the queue, so once the marker arrives nothing else can.
    const marker = usageEvent()
    await publisher.publish(marker)
    const secondSaw: UsageEvent[] = []
    await second.start(async (event) => {
      secondSaw.push(event)
    })
    await waitFor(() => secondSaw.some((e) => e.id === marker.id), 'the marker behind the unfinished event')
    expect(secondSaw).toEqual([stuck, marker])
  })

  it('re-subscribes by itself after its connection is cut', async () => {
    const queue = newQueue()
    const proxy = await startTcpProxyFor(amqpUrl)
    const consumer = createRabbitUsageConsumer(proxy.url, queue, consumerOptions())
    const seen: string[] = []
    await consumer.start(async (event) => {
      seen.push(event.id)
    })
    const publisher = createRabbitUsagePublisher(amqpUrl, queue)
    cleanUpAfterTest(queue, publisher, consumer, proxy)
    await publisher.publish(usageEvent())
    await waitFor(() => seen.length >= 1, 'the first event')
    proxy.cut()
    const after = usageEvent()
    await publisher.publish(after)
    await waitFor(() => seen.includes(after.id), 'the event published after the cut')
  })

  it('refuses to start with USAGE_BUS_UNAVAILABLE when the broker is unreachable', async () => {
    const consumer = createRabbitUsageConsumer(
      'amqp://guest:guest@127.0.0.1:1',
      newQueue(),
      consumerOptions(),
    )
    await expect(consumer.start(async () => {})).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    await consumer.close()
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
