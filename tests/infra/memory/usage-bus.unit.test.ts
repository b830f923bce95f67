import { describe, expect, it } from 'vitest'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import { usageBusContract, usageEvent, waitFor } from '../contracts/usage-bus.contract.ts'

usageBusContract('memory', async () => {
  const { publisher, consumer } = createMemoryUsageBus({ redeliveryDelayMs: 10 })
  return {
    publisher,
    consumer,
    async dispose() {
      await Promise.all([publisher.close(), consumer.close()])
    },
  }
})

describe('memory usage bus', () => {
  it('gives each delivery its own copy, so a mutating handler cannot alter a redelivery', async () => {
    const { publisher, consumer } = createMemoryUsageBus({ redeliveryDelayMs: 1 })
    const models: string[] = []
    await consumer.start(async (event) => {
      models.push(event.model)
      event.model = 'tampered'
      if (models.length === 1) throw new Error('retry me')
    })
    const event = usageEvent({ model: 'echo' })
    await publisher.publish(event)
    await waitFor(() => models.length >= 2, 'the redelivery')
    expect(models.slice(0, 2)).toEqual(['echo', 'echo'])
    expect(event.model).toBe('echo')
    await consumer.close()
  })

  it('waits for running handlers on close', async () => {
    const { publisher, consumer } = createMemoryUsageBus()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let started = false
    let finished = false
    await consumer.start(async () => {
      started = true
      await gate
      finished = true
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
})
