import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createSpooledUsagePublisher, type SpooledPublisher } from '../../../infra/lmdb/usage-spool.ts'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import type { UsageEvent, UsagePublisher } from '../../../infra/ports/usage.ts'
import { assertUsageTopology } from '../../../infra/rabbitmq/topology.ts'
import {
  createRabbitUsageConsumer,
  createRabbitUsagePublisher,
  deadLetterQueueOf,
} from '../../../infra/rabbitmq/usage-bus.ts'
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

/** The spool is empty and the consumer has everything: the end state a user relies on. */
const drained = (spool: SpooledPublisher, received: () => boolean) => () =>
  spool.pending() === 0 && received()

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
    await bus.consumer.start(async (events) => {
      received.push(...events)
      return { rejected: [] }
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
    // The consumer may see the last event before the spool's remove of it commits: wait for both.
    await waitFor(
      drained(spooled, () => received.length === 25),
      'all 25 spooled events, spool empty',
      5000,
    )
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
    await bus.consumer.start(async (events) => {
      received.push(...events.map((e) => e.id))
      return { rejected: [] }
    })
    const second = createSpooledUsagePublisher(bus.publisher, { path, drainIntervalMs: 50 })
    onTestFinished(() => second.close())
    expect(second.pending()).toBe(3)
    await waitFor(
      drained(second, () => received.length === 3),
      "the previous process's 3 events",
      5000,
    )
    expect(received.sort()).toEqual(events.map((e) => e.id).sort())
  })

  it('keeps what publish resolved for when the process is killed (SIGKILL, no close)', async () => {
    const path = join(dir, randomUUID())
    const events = [usageEvent(), usageEvent(), usageEvent()]
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'spool-then-crash.ts'), path, JSON.stringify(events)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const [code, signal] = await once(child, 'exit')
    expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' })

    const bus = createMemoryUsageBus()
    const received: string[] = []
    await bus.consumer.start(async (events) => {
      received.push(...events.map((e) => e.id))
      return { rejected: [] }
    })
    const next = createSpooledUsagePublisher(bus.publisher, { path, drainIntervalMs: 50 })
    onTestFinished(() => next.close())
    expect(next.pending()).toBe(3)
    await waitFor(
      drained(next, () => received.length === 3),
      "the killed process's 3 events",
      5000,
    )
    expect(received.sort()).toEqual(events.map((e) => e.id).sort())
  })

  it('bridges a real RabbitMQ outage without losing an event', async () => {
    const amqpUrl = loadConfig().AIAAS_AMQP_URL
    const amqp = new URL(amqpUrl)
    const proxy = await startTcpProxy(amqp.hostname, Number(amqp.port || 5672))
    const viaProxy = Object.assign(new URL(amqp), { port: String(proxy.port) }).toString()
    const queue = `test.spool.${randomUUID()}`
    // Declared here, unbounded: creating a quorum queue waits on RabbitMQ's disk writes, which on a
    // loaded machine can outlast the consumer's 5 s start bound. That bound is for a broker that is
    // down, which this setup step is not about.
    const admin = await connect(amqpUrl)
    const setup = await admin.createChannel()
    await assertUsageTopology(setup, queue)
    const spooled = createSpooledUsagePublisher(
      createRabbitUsagePublisher(viaProxy, queue, { publishTimeoutMs: 500 }),
      { path: join(dir, randomUUID()), drainIntervalMs: 100 },
    )
    const consumer = createRabbitUsageConsumer(amqpUrl, queue, { logger: { warn: () => {} } })
    const received = new Set<string>()
    await consumer.start(async (events) => {
      for (const e of events) received.add(e.id)
      return { rejected: [] }
    })
    onTestFinished(async () => {
      await spooled.close()
      await consumer.close()
      await proxy.stop().catch(() => {})
      // Quorum queues left behind would pile up over repeated runs and slow the broker down.
      await setup.deleteQueue(queue)
      await setup.deleteQueue(deadLetterQueueOf(queue))
      await admin.close()
    })

    // Before the outage: delivered, directly or (when the 500 ms bound was too short) via the spool.
    await spooled.publish(usageEvent())
    await waitFor(
      drained(spooled, () => received.size === 1),
      'the event before the outage',
    )
    await proxy.stop()
    const during = Array.from({ length: 10 }, () => usageEvent())
    for (const event of during) await spooled.publish(event)
    expect(spooled.pending()).toBe(10)

    await proxy.resume()
    await waitFor(
      drained(spooled, () => received.size === 11),
      'every event of the outage',
      15_000,
    )
    for (const event of during) expect(received.has(event.id)).toBe(true)
  })
})
