import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import type {
  UsageBatchHandler,
  UsageConsumer,
  UsageConsumerBatching,
  UsageEvent,
  UsagePublisher,
} from '../../../infra/ports/usage.ts'
import { usageEvent } from '../../support/usage-event.ts'

export { usageEvent }

/** What a bus's consumers are built with in one test. */
export interface ConsumerSettings extends Partial<UsageConsumerBatching> {
  /** Bound on close() waiting for a running batch. */
  closeTimeoutMs?: number
}

export interface UsageBusUnderTest {
  publisher: UsagePublisher
  consumer: UsageConsumer
  /** Another consumer of the same queue, with the same settings. */
  secondConsumer(): UsageConsumer
  /** Every event dead-lettered so far, with its reason. */
  deadLetters(): Promise<Array<{ id: string; reason: string }>>
  /** Closes every end and removes whatever the bus created (queues). */
  dispose(): Promise<void>
}

/** Polls until `done` holds; fails the test with `what` after `withinMs`. */
export async function waitFor(
  done: () => boolean | Promise<boolean>,
  what: string,
  withinMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + withinMs
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** A handler that records every batch (empty ones too) and stores everything. */
export function recorder(): { batches: UsageEvent[][]; handle: UsageBatchHandler; ids: () => string[] } {
  const batches: UsageEvent[][] = []
  const handle: UsageBatchHandler = async (events) => {
    batches.push([...events])
    return { rejected: [] }
  }
  return { batches, handle, ids: () => batches.flat().map((event) => event.id) }
}

const never = new Promise<never>(() => {})
const quick: ConsumerSettings = { maxEvents: 5, maxWaitMs: 20, idleMs: 50 }

// One suite, run against every usage bus (STYLE.md §9): at-least-once in batches, nothing lost,
// nothing altered, rejected events dead-lettered with their reason.
export function usageBusContract(
  name: string,
  create: (settings: ConsumerSettings) => Promise<UsageBusUnderTest>,
): void {
  describe(`usage bus contract: ${name}`, () => {
    const opened: UsageBusUnderTest[] = []
    const open = async (settings: ConsumerSettings = quick) => {
      const bus = await create(settings)
      opened.push(bus)
      return bus
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.dispose()))
    })

    it('delivers published events intact', async () => {
      const { publisher, consumer } = await open()
      const { handle, batches } = recorder()
      await consumer.start(handle)
      const sent = [
        usageEvent(),
        usageEvent({ status: 'error', http_status: 502, streamed: true, cost_usd: 0 }),
      ]
      for (const event of sent) await publisher.publish(event)
      await waitFor(() => batches.flat().length >= sent.length, 'both events')
      expect(batches.flat()).toEqual(sent)
    })

    it('batches events, never more than maxEvents in one batch', async () => {
      const { publisher, consumer } = await open({ maxEvents: 5, maxWaitMs: 500, idleMs: 5000 })
      const sent = Array.from({ length: 23 }, () => usageEvent())
      for (const event of sent) await publisher.publish(event)
      const { handle, batches, ids } = recorder()
      await consumer.start(handle)
      await waitFor(() => ids().length >= sent.length, 'all 23 events')
      expect(ids().sort()).toEqual(sent.map((event) => event.id).sort())
      expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(5)
      // 23 queued events within a 500 ms wait: the consumer does not hand them over one by one.
      expect(batches.filter((batch) => batch.length > 0).length).toBeLessThan(23)
    })

    it('handles a batch whose handler threw again, until it succeeds, then not again', async () => {
      const { publisher, consumer } = await open()
      const attempts: UsageEvent[][] = []
      let idleAfterSuccess = false
      await consumer.start(async (events) => {
        if (events.length === 0) {
          idleAfterSuccess = attempts.length >= 3
          return { rejected: [] }
        }
        attempts.push([...events])
        if (attempts.length < 3) throw new Error('database hiccup')
        return { rejected: [] }
      })
      const event = usageEvent()
      await publisher.publish(event)
      await waitFor(() => idleAfterSuccess, 'the retries, then an idle heartbeat')
      expect(attempts).toEqual([[event], [event], [event]])
    })

    it('dead-letters a rejected event with its reason and keeps the rest of its batch', async () => {
      const { publisher, consumer, deadLetters } = await open()
      const refused = usageEvent()
      const kept = [usageEvent(), usageEvent()]
      const stored: string[] = []
      await consumer.start(async (events) => {
        const rejected = events
          .filter((e) => e.id === refused.id)
          .map(({ id }) => ({ id, reason: 'too old' }))
        for (const e of events) if (e.id !== refused.id) stored.push(e.id)
        return { rejected }
      })
      for (const event of [kept[0], refused, kept[1]]) await publisher.publish(event as UsageEvent)
      let letters: Array<{ id: string; reason: string }> = []
      await waitFor(async () => {
        letters = await deadLetters()
        return letters.length > 0 && stored.length >= 2
      }, 'the dead letter and the stored events')
      expect(letters).toEqual([{ id: refused.id, reason: 'too old' }])
      expect(stored.sort()).toEqual(kept.map((e) => e.id).sort())
    })

    it('calls handle with an empty batch once idle, after the events it stored', async () => {
      const { publisher, consumer } = await open()
      const { handle, batches } = recorder()
      await consumer.start(handle)
      const event = usageEvent()
      await publisher.publish(event)
      await waitFor(() => batches.at(-1)?.length === 0 && batches.flat().length === 1, 'an idle heartbeat')
      expect(batches.flat()).toEqual([event])
    })

    it('reports the events waiting as its depth, down to 0 once handled', async () => {
      const { publisher, consumer } = await open({ maxEvents: 2, maxWaitMs: 10, idleMs: 50 })
      let release = () => {}
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      const seen = new Set<string>()
      let holding = false
      await consumer.start(async (events) => {
        if (events.length > 0) holding = true
        if (events.length > 0) await gate
        for (const e of events) seen.add(e.id)
        return { rejected: [] }
      })
      for (let i = 0; i < 10; i++) await publisher.publish(usageEvent())
      // The first batch holds its 2 events; the ones not delivered yet are waiting (the RabbitMQ
      // consumer also holds up to its prefetch, the memory bus only the batch).
      await waitFor(() => holding, 'the first batch')
      const waiting = async () => {
        const depth = await consumer.depth()
        return depth !== null && depth > 0 && depth <= 8
      }
      await waitFor(waiting, 'a depth of the events not yet delivered')
      release()
      await waitFor(() => seen.size >= 10, 'every event')
      await waitFor(async () => (await consumer.depth()) === 0, 'depth 0')
    })

    it('loses nothing when closed mid-batch: a second consumer gets the unacknowledged events', async () => {
      const bus = await open({ ...quick, closeTimeoutMs: 100 })
      const firstSaw: string[] = []
      await bus.consumer.start(async (events) => {
        firstSaw.push(...events.map((e) => e.id))
        if (events.length > 0) await never
        return { rejected: [] }
      })
      const sent = Array.from({ length: 3 }, () => usageEvent())
      for (const event of sent) await bus.publisher.publish(event)
      await waitFor(() => firstSaw.length >= 1, 'the first batch at the first consumer')
      await bus.consumer.close()
      const second = bus.secondConsumer()
      const { handle, ids } = recorder()
      await second.start(handle)
      await waitFor(() => new Set(ids()).size >= sent.length, 'every event at the second consumer')
      expect([...new Set(ids())].sort()).toEqual(sent.map((e) => e.id).sort())
      await second.close()
    })

    it('handles every one of 200 events at least once', async () => {
      const { publisher, consumer } = await open({ maxEvents: 50, maxWaitMs: 20, idleMs: 1000 })
      const { handle, ids } = recorder()
      await consumer.start(handle)
      const sent = Array.from({ length: 200 }, () => usageEvent())
      await Promise.all(sent.map((event) => publisher.publish(event)))
      await waitFor(() => new Set(ids()).size >= sent.length, 'all 200 events', 30_000)
      expect([...new Set(ids())].sort()).toEqual(sent.map((event) => event.id).sort())
    })

    it('does not deliver a handled event again', async () => {
      const { publisher, consumer } = await open()
      const { handle, batches, ids } = recorder()
      await consumer.start(handle)
      const event = usageEvent()
      await publisher.publish(event)
      await waitFor(() => ids().length >= 1, 'the event')
      const heartbeats = () => batches.filter((batch) => batch.length === 0).length
      const before = heartbeats()
      await waitFor(() => heartbeats() >= before + 2, 'two idle heartbeats after the event')
      expect(ids()).toEqual([event.id])
    })

    it('refuses a second start and a publish after close', async () => {
      const { publisher, consumer } = await open()
      const { handle } = recorder()
      await consumer.start(handle)
      await expect(consumer.start(handle)).rejects.toMatchObject({ code: 'USAGE_CONSUMER_STARTED' })
      await publisher.close()
      await expect(publisher.publish(usageEvent())).rejects.toMatchObject({ code: 'USAGE_BUS_UNAVAILABLE' })
    })
  })
}
