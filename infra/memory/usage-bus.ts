import { AppError } from '../../domain/errors.ts'
import type { UsageConsumer, UsageEvent, UsagePublisher } from '../ports/usage.ts'

export interface MemoryUsageBusOptions {
  /** Wait before an event whose handler threw is delivered again. Default 100 ms. */
  redeliveryDelayMs?: number
}

type Handle = (event: UsageEvent) => Promise<void>

// In-process twin of infra/rabbitmq/usage-bus.ts for embedded mode and unit tests, with the same
// at-least-once contract within the process: events published before start are buffered, a
// handler that throws gets the event again after a delay, and close() hands every unsettled event
// back to the buffer. Nothing survives a process restart: embedded mode accepts that.
export function createMemoryUsageBus(options: MemoryUsageBusOptions = {}): {
  publisher: UsagePublisher
  consumer: UsageConsumer
} {
  const delayMs = options.redeliveryDelayMs ?? 100
  const buffered: UsageEvent[] = []
  const waiting = new Map<NodeJS.Timeout, UsageEvent>()
  const inFlight = new Set<Promise<void>>()
  let handle: Handle | undefined
  let publisherClosed = false
  let consumerClosed = false

  const redeliverLater = (event: UsageEvent) => {
    if (handle === undefined) {
      buffered.push(event)
      return
    }
    const timer = setTimeout(() => {
      waiting.delete(timer)
      deliver(event)
    }, delayMs)
    waiting.set(timer, event)
  }

  const deliver = (event: UsageEvent) => {
    const handler = handle
    if (handler === undefined) {
      buffered.push(event)
      return
    }
    // A copy per delivery, as a broker would: a handler that mutates its event cannot change what
    // the next delivery sees. Called in a later tick so publish() never runs the handler inline.
    const work = Promise.resolve()
      .then(() => handler(structuredClone(event)))
      .catch(() => redeliverLater(event))
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  }

  const publisher: UsagePublisher = {
    async publish(event) {
      if (publisherClosed) throw new AppError('USAGE_BUS_UNAVAILABLE', 'usage publisher is closed')
      deliver(structuredClone(event))
    },
    async close() {
      publisherClosed = true
    },
  }

  const consumer: UsageConsumer = {
    async start(handler) {
      if (handle) throw new AppError('USAGE_CONSUMER_STARTED', 'usage consumer already started')
      if (consumerClosed) throw new AppError('USAGE_BUS_UNAVAILABLE', 'usage consumer is closed')
      handle = handler
      for (const event of buffered.splice(0)) deliver(event)
    },
    async close() {
      consumerClosed = true
      handle = undefined
      for (const [timer, event] of waiting) {
        clearTimeout(timer)
        buffered.push(event)
      }
      waiting.clear()
      await Promise.allSettled(inFlight)
    },
  }

  return { publisher, consumer }
}
