import type { Subscriber } from '../../infra/event-store/subscription.ts'
import type { RecordedEvent } from '../../infra/ports/event-store.ts'
import type { UsageBatchHandler } from '../../infra/ports/usage.ts'
import { inSpan, type Tracing } from '../../infra/telemetry/tracing.ts'

// The headless processes' spans (docs/observability.md, Traces): one root span per batch a
// subscription applies or forwards (projector, audit-forwarder), per usage batch ingest stores,
// per reconciliation pass. Each wraps the unit of work as it is, so tracing off (null) changes
// nothing: the subscriber or handler is returned unwrapped.

function positions(events: readonly RecordedEvent[]) {
  return {
    'aiaas.batch.events': events.length,
    'aiaas.batch.first_position': String(events[0]?.global_position ?? ''),
    'aiaas.batch.last_position': String(events.at(-1)?.global_position ?? ''),
  }
}

/** A subscriber whose every batch is a span: `project <name>` or `forward <name>`. */
export function tracedSubscriber(tracing: Tracing | null | undefined, subscriber: Subscriber): Subscriber {
  if (!tracing) return subscriber
  const { name } = subscriber
  const attributes = (events: readonly RecordedEvent[]) => ({
    'aiaas.subscription': name,
    ...positions(events),
  })
  if ('forward' in subscriber) {
    return {
      name,
      forward: (events) =>
        inSpan(tracing, null, `forward ${name}`, () => subscriber.forward(events), attributes(events)),
    }
  }
  return {
    name,
    handle: (events, tx) =>
      inSpan(tracing, null, `project ${name}`, () => subscriber.handle(events, tx), attributes(events)),
  }
}

/** Usage ingest whose every stored batch is a span; the empty heartbeat batches are not traced. */
export function tracedIngest(
  tracing: Tracing | null | undefined,
  handler: UsageBatchHandler,
): UsageBatchHandler {
  if (!tracing) return handler
  return (events) => {
    if (events.length === 0) return handler(events)
    return inSpan(
      tracing,
      null,
      'ingest usage batch',
      async (span) => {
        const outcome = await handler(events)
        span?.setAttribute('aiaas.batch.rejected', outcome.rejected.length)
        return outcome
      },
      { 'aiaas.batch.events': events.length },
    )
  }
}
