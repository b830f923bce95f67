import { describe, expect, it } from 'vitest'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import { recorder, usageBusContract, usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

usageBusContract('memory', async (settings) => {
  const bus = createMemoryUsageBus({ redeliveryDelayMs: 10, ...settings })
  const consumers = [bus.consumer]
  return {
    publisher: bus.publisher,
    consumer: bus.consumer,
    secondConsumer() {
      const consumer = bus.newConsumer()
      consumers.push(consumer)
      return consumer
    },
    deadLetters: async () => bus.deadLetters().map(({ event, reason }) => ({ id: event.id, reason })),
    async dispose() {
      await Promise.all([bus.publisher.close(), ...consumers.map((consumer) => consumer.close())])
    },
  }
})

describe('memory usage bus', () => {
  it('gives each delivery its own copy, so a mutating handler cannot alter a retry', async () => {
    const { publisher, consumer } = createMemoryUsageBus({ redeliveryDelayMs: 1, maxWaitMs: 1 })
    const models: string[] = []
    await consumer.start(async (events) => {
      for (const event of events) {
        models.push(event.model)
        event.model = 'tampered'
      }
      if (models.length === 1) throw new Error('retry me')
      return { rejected: [] }
    })
    const event = usageEvent({ model: 'echo' })
    await publisher.publish(event)
    await waitFor(() => models.length >= 2, 'the retry')
    expect(models.slice(0, 2)).toEqual(['echo', 'echo'])
    expect(event.model).toBe('echo')
    await consumer.close()
  })

  it('keeps dead letters with the event as published and when', async () => {
    const bus = createMemoryUsageBus({ maxWaitMs: 1 })
    const refused = usageEvent()
    await bus.consumer.start(async (events) => ({ rejected: events.map(({ id }) => ({ id, reason: 'no' })) }))
    await bus.publisher.publish(refused)
    await waitFor(() => bus.deadLetters().length === 1, 'the dead letter')
    expect(bus.deadLetters()[0]).toMatchObject({ event: refused, reason: 'no', at: expect.any(Date) })
    await bus.consumer.close()
  })

  it('keeps only the newest maxDeadLetters dead letters', async () => {
    const bus = createMemoryUsageBus({ maxWaitMs: 1, maxDeadLetters: 2 })
    await bus.consumer.start(async (events) => ({ rejected: events.map(({ id }) => ({ id, reason: 'no' })) }))
    const sent = [usageEvent(), usageEvent(), usageEvent()]
    for (const event of sent) await bus.publisher.publish(event)
    const lastKept = () => bus.deadLetters().at(-1)?.event.id === sent[2]?.id
    await waitFor(lastKept, 'the third dead letter')
    expect(bus.deadLetters().map(({ event }) => event.id)).toEqual([sent[1]?.id, sent[2]?.id])
    await bus.consumer.close()
  })

  it('waits for the running batch on close', async () => {
    const { publisher, consumer } = createMemoryUsageBus({ maxWaitMs: 1 })
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let started = false
    let finished = false
    await consumer.start(async (events) => {
      if (events.length === 0) return { rejected: [] }
      started = true
      await gate
      finished = true
      return { rejected: [] }
    })
    await publisher.publish(usageEvent())
    await waitFor(() => started, 'the handler to start')
    let closed = false
    const closing = consumer.close().then(() => {
      closed = true
    })
    // The handler cannot finish before the gate opens, so neither may close().
    await new Promise((resolve) => setImmediate(resolve))
    expect(closed).toBe(false)
    release()
    await closing
    expect(finished).toBe(true)
  })

  it('hands events published before any consumer to the first one started', async () => {
    const bus = createMemoryUsageBus({ maxWaitMs: 1 })
    const sent = [usageEvent(), usageEvent()]
    for (const event of sent) await bus.publisher.publish(event)
    expect(await bus.consumer.depth()).toBe(2)
    const { handle, ids } = recorder()
    await bus.consumer.start(handle)
    await waitFor(() => ids().length >= 2, 'the buffered events')
    expect(ids()).toEqual(sent.map((event) => event.id))
    await bus.consumer.close()
  })
})
