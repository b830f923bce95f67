import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createSpooledUsagePublisher } from '../../../infra/lmdb/usage-spool.ts'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import type { UsageEvent, UsagePublisher } from '../../../infra/ports/usage.ts'
import { createRabbitUsageConsumer, createRabbitUsagePublisher } from '../../../infra/rabbitmq/usage-bus.ts'
import { startTcpProxy } from '../../support/tcp-proxy.ts'
import { usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

// The spool is what makes "nothing lost" true while the broker is down.
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiaas-spool-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A publisher whose bus can be switched off and on. */
function switchable(target: UsagePublisher) {
  const state = { up: false }
  const publisher: UsagePublisher = {
    async publish(event) {
      if (!state.up) throw new Error('bus down')
      await target.publish(event)
    },
    close: () => target.close(),
  }
  return { publisher, state }
}

describe('LMDB usage spool', () => {
  it('keeps every event the bus refuses and delivers them all once it is back', async () => {
    const bus = createMemoryUsageBus()
    const received: UsageEvent[] = []
    await bus.consumer.start(async (e) => {
      received.push(e)
    })
    const { publisher, state } = switchable(bus.publisher)
    const spooled = createSpooledUsagePublisher(publisher, {
      path: join(dir, randomUUID()),
      drainIntervalMs: 50,
    })
    onTestFinished(() => spooled.close())
    const events = Array.from({ length: 25 }, () => usageEvent())
    for (const event of events) await spooled.publish(event)
    expect(spooled.pending()).toBe(25)
    expect(received).toHaveLength(0)

    state.up = true
    await waitFor(() => received.length === 25, 'all 25 spooled events', 5000)
    expect(spooled.pending()).toBe(0)
    expect(received.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort())
    await bus.consumer.close()
  })

  it('survives a restart of the router: spooled events are sent by the next process', async () => {
    const path = join(dir, randomUUID())
    const down = switchable(createMemoryUsageBus().publisher)
    const first = createSpooledUsagePublisher(down.publisher, { path })
    const events = [usageEvent(), usageEvent(), usageEvent()]
    for (const event of events) await first.publish(event)
    await first.close()

    const bus = createMemoryUsageBus()
    const received: string[] = []
    await bus.consumer.start(async (e) => {
      received.push(e.id)
    })
    const second = createSpooledUsagePublisher(bus.publisher, { path, drainIntervalMs: 50 })
    onTestFinished(() => second.close())
    expect(second.pending()).toBe(3)
    await waitFor(() => received.length === 3, 'the 3 events of the previous process', 5000)
    expect(received.sort()).toEqual(events.map((e) => e.id).sort())
  })

  it('bridges a real RabbitMQ outage without losing an event', async () => {
    const amqp = new URL(loadConfig().AIAAS_AMQP_URL)
    const proxy = await startTcpProxy(amqp.hostname, Number(amqp.port || 5672))
    const viaProxy = Object.assign(new URL(amqp), { port: String(proxy.port) }).toString()
    const queue = `test.spool.${randomUUID()}`
    const spooled = createSpooledUsagePublisher(
      createRabbitUsagePublisher(viaProxy, queue, { publishTimeoutMs: 500 }),
      {
        path: join(dir, randomUUID()),
        drainIntervalMs: 100,
      },
    )
    const consumer = createRabbitUsageConsumer(loadConfig().AIAAS_AMQP_URL, queue, {
      logger: { warn: () => {} },
    })
    const received = new Set<string>()
    await consumer.start(async (e) => {
      received.add(e.id)
    })
    onTestFinished(async () => {
      await spooled.close()
      await consumer.close()
      await proxy.stop().catch(() => {})
    })

    await spooled.publish(usageEvent())
    await proxy.stop()
    const during = Array.from({ length: 10 }, () => usageEvent())
    for (const event of during) await spooled.publish(event)
    expect(spooled.pending()).toBe(10)

    await proxy.resume()
    await waitFor(() => received.size === 11, 'every event of the outage', 15_000)
    expect(spooled.pending()).toBe(0)
    for (const event of during) expect(received.has(event.id)).toBe(true)
  })
})
