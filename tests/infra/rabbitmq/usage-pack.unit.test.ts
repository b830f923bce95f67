import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import { parseUsageMessage } from '../../../infra/ports/usage-event-schema.ts'
import {
  eventBodiesOf,
  PACK_COUNT_HEADER,
  PACK_HEADER,
  type PackBounds,
  packProperties,
  packsOf,
} from '../../../infra/rabbitmq/usage-pack.ts'
import { usageEvent } from '../../support/usage-event.ts'

const bounds: PackBounds = { maxEvents: 64, maxBytes: 64 * 1024 }
const events = (n: number) => Array.from({ length: n }, () => usageEvent())

/** What a consumer reads back from the messages `packsOf` made, in order. */
function readBack(all: readonly UsageEvent[], limits: PackBounds): unknown[] {
  return packsOf(all, limits).flatMap((pack) => {
    const read = eventBodiesOf(pack.body, { headers: packProperties(pack.count).headers })
    if (!read.ok) throw new Error(read.reason)
    return read.bodies.map((body) => parseUsageMessage(body))
  })
}

describe('usage packs', () => {
  it('cuts a batch into packs of at most maxEvents, in order', () => {
    const packs = packsOf(events(200), bounds)
    expect(packs.map(({ first, count }) => [first, count])).toEqual([
      [0, 64],
      [64, 64],
      [128, 64],
      [192, 8],
    ])
  })

  it('cuts before a pack would pass maxBytes, and sends an event larger than that alone', () => {
    const big = usageEvent({ model: 'm'.repeat(3000) })
    const small = events(4)
    const packs = packsOf([small[0], small[1], big, small[2], small[3]] as UsageEvent[], {
      maxEvents: 64,
      maxBytes: 1200,
    })
    expect(packs.map(({ count }) => count)).toEqual([2, 1, 2])
    expect(JSON.parse(packs[1]?.body.toString() ?? '')).toEqual(big)
  })

  it('sends one event as the plain message of old: its JSON, no pack header', () => {
    const event = usageEvent()
    const [pack] = packsOf([event], bounds)
    expect(pack?.body.toString()).toBe(JSON.stringify(event))
    expect(packProperties(1)).toEqual({ contentType: 'application/json' })
    expect(packProperties(3)).toEqual({
      contentType: 'application/x-ndjson',
      headers: { [PACK_HEADER]: 1, [PACK_COUNT_HEADER]: 3 },
    })
  })

  it('reads back every event, in order, whatever the events and bounds', () => {
    const event = fc.record({
      model: fc.string({ minLength: 1, maxLength: 40 }),
      backend: fc.string({ minLength: 1, maxLength: 40 }),
    })
    const limits = fc.record({
      maxEvents: fc.integer({ min: 1, max: 20 }),
      maxBytes: fc.integer({ min: 1, max: 4000 }),
    })
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), limits, (fields, limits) => {
        // Newlines, quotes and non-ASCII in strings included: JSON.stringify escapes what must be.
        const all = fields.map((f) => usageEvent(f))
        expect(readBack(all, limits)).toEqual(all.map((e) => ({ ok: true, event: e })))
        for (const pack of packsOf(all, limits)) {
          expect(pack.count).toBeLessThanOrEqual(limits.maxEvents)
          if (pack.count > 1) expect(pack.body.toString().length).toBeLessThanOrEqual(limits.maxBytes)
        }
      }),
    )
  })

  it('reads a message without the pack header as one event, whatever its body', () => {
    const body = Buffer.from('{"a":1}\n{"b":2}')
    expect(eventBodiesOf(body, { headers: {} })).toEqual({ ok: true, pack: false, bodies: [body] })
    expect(eventBodiesOf(body, { headers: undefined })).toMatchObject({ ok: true, pack: false })
  })

  it('reads the pack header sent as text by another client', () => {
    const read = eventBodiesOf(Buffer.from('{"a":1}\n{"b":2}'), { headers: { [PACK_HEADER]: '1' } })
    expect(read).toMatchObject({ ok: true, pack: true, bodies: [expect.any(Buffer), expect.any(Buffer)] })
  })

  it('reads each line of a pack on its own, skipping blank lines', () => {
    const read = eventBodiesOf(Buffer.from('{"a":1}\n\nnot json\n'), { headers: { [PACK_HEADER]: 1 } })
    expect(read.ok && read.bodies.map(String)).toEqual(['{"a":1}', 'not json'])
  })

  it.each([
    ['a pack format it does not know', 'a', { [PACK_HEADER]: 2 }, /unknown usage pack format 2/],
    ['a pack holding no event', '\n\n', { [PACK_HEADER]: 1 }, /no event/],
  ])('refuses %s with a reason', (_, body, headers, reason) => {
    expect(eventBodiesOf(Buffer.from(body), { headers })).toEqual({
      ok: false,
      reason: expect.stringMatching(reason),
    })
  })
})
