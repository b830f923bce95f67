import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import {
  failed,
  markFirstByte,
  type RequestOutcome,
  type RequestTiming,
  recordUsage,
  sourceOf,
} from '../../../gateways/router/usage-recorder.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { keyRecord } from './key-record.ts'
import { routedModel } from './routing-router.ts'

// The usage event's timing and provenance as the recorder writes them: TTFB read on the same
// monotonic clock as latency and never after it, absent when no byte reached the caller, and
// cancelled / tokens_source carried as the request's path decided them.

function recorder() {
  const published: UsageEvent[] = []
  const deps = {
    usage: { publish: async (event: UsageEvent) => void published.push(event), close: async () => {} },
    metrics: createMetrics('usage-recorder-test'),
    now: () => new Date('2026-11-26T12:00:00Z'),
    newId: () => '0190a8e2-0000-7000-8000-000000000001',
  }
  const record = (fields: Partial<RequestOutcome>) =>
    recordUsage(deps, pino({ level: 'silent' }), {
      key: keyRecord(),
      model: routedModel([]),
      backend_url: 'http://backend-a:8000/v1',
      status: 'ok',
      http_status: 200,
      input_tokens: 10,
      output_tokens: 3,
      tokens_source: 'reported',
      timing: { started: performance.now(), first_byte: null },
      streamed: false,
      cancelled: false,
      ...fields,
    })
  return { record, published }
}

/** A request admitted `ago` ms back whose first byte went `firstAfter` ms after that. */
const timing = (ago: number, firstAfter: number | null): RequestTiming => {
  const started = performance.now() - ago
  return { started, first_byte: firstAfter === null ? null : started + firstAfter }
}

describe('the usage event of a request', () => {
  it('times the first byte from the same start as the latency, and never after the end', () => {
    const { record, published } = recorder()
    const event = record({ timing: timing(50, 20) })
    expect(event.ttfb_ms).toBe(20)
    expect(event.latency_ms).toBeGreaterThanOrEqual(50)
    expect(published).toEqual([event])
  })

  it('has no TTFB when no byte reached the caller (it left first)', () => {
    const { record } = recorder()
    const event = record({ timing: timing(5, null), cancelled: true, status: 'error', http_status: 499 })
    expect(event).not.toHaveProperty('ttfb_ms')
    expect(event).toMatchObject({ cancelled: true, http_status: 499 })
  })

  it('holds TTFB to the latency when a reading would put the first byte after the end', () => {
    const { record } = recorder()
    const event = record({ timing: timing(5, 60_000) })
    expect(event.ttfb_ms).toBe(event.latency_ms)
  })

  it('carries where the tokens came from and whether the caller left', () => {
    const { record } = recorder()
    expect(record({ tokens_source: 'estimated', cancelled: true })).toMatchObject({
      tokens_source: 'estimated',
      cancelled: true,
    })
    expect(record({})).toMatchObject({ tokens_source: 'reported', cancelled: false })
  })
})

describe('the request path’s readings', () => {
  it('the first byte is marked once: later writes do not move it', () => {
    const reading = timing(10, null)
    markFirstByte(reading)
    const first = reading.first_byte
    expect(first).not.toBeNull()
    markFirstByte(reading)
    expect(reading.first_byte).toBe(first)
  })

  it('tokens are reported when the backend gave usage, estimated when it gave none', () => {
    expect(sourceOf({ prompt_tokens: 1, completion_tokens: 2 })).toBe('reported')
    expect(sourceOf(null)).toBe('estimated')
    expect(sourceOf(undefined)).toBe('estimated')
  })

  it('a failure before anything was generated bills zero tokens by rule, not as an estimate', () => {
    expect(failed(502)).toEqual({
      status: 'error',
      http_status: 502,
      input_tokens: 0,
      output_tokens: 0,
      tokens_source: 'reported',
      cancelled: false,
    })
  })
})
