import { SpanStatusCode } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { describe, expect, it } from 'vitest'
import { tracedIngest, tracedSubscriber } from '../../../gateways/processes/batch-spans.ts'
import type { Forwarder, Projection } from '../../../infra/event-store/subscription.ts'
import type { Sql } from '../../../infra/ports/database.ts'
import type { RecordedEvent } from '../../../infra/ports/event-store.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import type { Tracing } from '../../../infra/telemetry/tracing.ts'

// The headless processes' spans: one per batch, around the work as it is; nothing when off.

function collector() {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const tracing: Tracing = { tracer: provider.getTracer('test'), propagator: new W3CTraceContextPropagator() }
  return { exporter, tracing }
}

const recorded = (position: bigint) => ({ global_position: position }) as RecordedEvent
const tx = {} as Sql

describe('batch spans', () => {
  it('off: the subscriber and the handler are returned as they are', () => {
    const projection: Projection = { name: 'read-models', handle: async () => {} }
    const handler = async () => ({ rejected: [] })
    expect(tracedSubscriber(null, projection)).toBe(projection)
    expect(tracedIngest(null, handler)).toBe(handler)
  })

  it('a projection batch: a root span with its positions; a failed batch fails its span and still throws', async () => {
    const { exporter, tracing } = collector()
    const handled: number[] = []
    let fail = false
    const projection = tracedSubscriber(tracing, {
      name: 'read-models',
      handle: async (events) => {
        if (fail) throw Object.assign(new Error('down'), { code: 'DATABASE_UNAVAILABLE' })
        handled.push(events.length)
      },
    }) as Projection
    await projection.handle([recorded(5n), recorded(7n)], tx)
    fail = true
    await expect(projection.handle([recorded(8n)], tx)).rejects.toThrow('down')
    expect(handled).toEqual([2])
    const [ok, failed] = exporter.getFinishedSpans()
    expect(ok?.name).toBe('project read-models')
    expect(ok?.parentSpanContext).toBeUndefined()
    expect(ok?.attributes).toMatchObject({
      'aiaas.subscription': 'read-models',
      'aiaas.batch.events': 2,
      'aiaas.batch.first_position': '5',
      'aiaas.batch.last_position': '7',
    })
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed?.attributes['error.type']).toBe('DATABASE_UNAVAILABLE')
  })

  it('a forwarder batch is a `forward <name>` span', async () => {
    const { exporter, tracing } = collector()
    const sent: number[] = []
    const forwarder: Forwarder = {
      name: 'audit-forwarder',
      forward: async (events) => void sent.push(events.length),
    }
    await (tracedSubscriber(tracing, forwarder) as Forwarder).forward([recorded(1n)])
    expect(sent).toEqual([1])
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['forward audit-forwarder'])
  })

  it('ingest: a span per stored batch with its rejected count; the empty heartbeat is not traced', async () => {
    const { exporter, tracing } = collector()
    const handler = tracedIngest(tracing, async (events) => ({
      rejected: events.slice(0, 1).map((event) => ({ id: event.id, reason: 'too old' })),
    }))
    await handler([])
    const outcome = await handler([{ id: 'e1' } as UsageEvent, { id: 'e2' } as UsageEvent])
    expect(outcome.rejected).toHaveLength(1)
    const spans = exporter.getFinishedSpans()
    expect(spans.map((span) => span.name)).toEqual(['ingest usage batch'])
    expect(spans[0]?.attributes).toMatchObject({ 'aiaas.batch.events': 2, 'aiaas.batch.rejected': 1 })
  })
})
