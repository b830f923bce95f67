import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type { UsageConsumer, UsageEvent, UsagePublisher } from '../../../infra/ports/usage.ts'

export interface UsageBusUnderTest {
  publisher: UsagePublisher
  consumer: UsageConsumer
  /** Closes both ends and removes whatever the bus created (queues). */
  dispose(): Promise<void>
}

import { usageEvent } from '../../support/usage-event.ts'

export { usageEvent }

/** Polls until `done` holds; fails the test with `what` after `withinMs`. */
export async function waitFor(done: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const deadline = performance.now() + withinMs
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

// One suite, run against every usage bus (STYLE.md §9): at-least-once, nothing lost, nothing altered.
export function usageBusContract(name: string, create: () => Promise<UsageBusUnderTest>): void {
  describe(`usage bus contract: ${name}`, () => {
    const opened: UsageBusUnderTest[] = []
    const open = async () => {
      const bus = await create()
      opened.push(bus)
      return bus
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.dispose()))
    })

    it('delivers published events intact', async () => {
      const { publisher, consumer } = await open()
      const received: UsageEvent[] = []
      await consumer.start(async (event) => {
        received.push(event)
      })
      const sent = [
        usageEvent(),
        usageEvent({ status: 'error', http_status: 502, streamed: true, cost_usd: 0 }),
      ]
      for (const event of sent) await publisher.publish(event)
      await waitFor(() => received.length >= sent.length, 'both events')
      expect(received).toEqual(sent)
    })

    it('redelivers an event whose handler threw', async () => {
      const { publisher, consumer } = await open()
      const attempts: UsageEvent[] = []
      await consumer.start(async (event) => {
        attempts.push(event)
        if (attempts.length === 1) throw new Error('database hiccup')
      })
      const event = usageEvent()
      await publisher.publish(event)
      await waitFor(() => attempts.length >= 2, 'the redelivery')
      expect(attempts.slice(0, 2)).toEqual([event, event])
    })

    it('handles every one of 200 events at least once', async () => {
      const { publisher, consumer } = await open()
      const seen = new Set<string>()
      await consumer.start(async (event) => {
        seen.add(event.id)
      })
      const sent = Array.from({ length: 200 }, () => usageEvent())
      await Promise.all(sent.map((event) => publisher.publish(event)))
      await waitFor(() => seen.size >= sent.length, 'all 200 events', 30_000)
      expect([...seen].sort()).toEqual(sent.map((event) => event.id).sort())
    })

    it('delivers events published before the consumer started', async () => {
      const { publisher, consumer } = await open()
      const sent = [usageEvent(), usageEvent(), usageEvent()]
      for (const event of sent) await publisher.publish(event)
      const seen: string[] = []
      await consumer.start(async (event) => {
        seen.push(event.id)
      })
      await waitFor(() => seen.length >= sent.length, 'the buffered events')
      expect(seen.sort()).toEqual(sent.map((event) => event.id).sort())
    })

    it('does not deliver a handled event again', async () => {
      const { publisher, consumer } = await open()
      const seen: string[] = []
      await consumer.start(async (event) => {
        seen.push(event.id)
      })
      const event = usageEvent()
      await publisher.publish(event)
      await waitFor(() => seen.length >= 1, 'the event')
      await sleep(300)
      expect(seen).toEqual([event.id])
    })

    it('refuses a second start and a publish after close', async () => {
      const { publisher, consumer } = await open()
      await consumer.start(async () => {})
      await expect(consumer.start(async () => {})).rejects.toMatchObject({ code: 'USAGE_CONSUMER_STARTED' })
      await publisher.close()
      await expect(publisher.publish(usageEvent())).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    })
  })
}
