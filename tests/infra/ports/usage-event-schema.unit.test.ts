import { describe, expect, it } from 'vitest'
import { parseUsageMessage } from '../../../infra/ports/usage-event-schema.ts'
import { usageEvent } from '../contracts/usage-bus.contract.ts'

const body = (value: unknown) => Buffer.from(JSON.stringify(value))

describe('parseUsageMessage', () => {
  it('accepts a usage event and strips fields it does not know', () => {
    const event = usageEvent()
    expect(parseUsageMessage(body({ ...event, added_later: 1 }))).toEqual({ ok: true, event })
  })

  it('keeps the time to first byte, the cancellation and where the tokens came from', () => {
    const event = usageEvent({ ttfb_ms: 12.25, cancelled: true, tokens_source: 'estimated' })
    expect(parseUsageMessage(body(event))).toEqual({ ok: true, event })
  })

  it('accepts an event from a router older than those fields, as it was sent', () => {
    const event = usageEvent()
    expect(event).not.toHaveProperty('tokens_source')
    expect(parseUsageMessage(body(event))).toEqual({ ok: true, event })
  })

  it.each([
    ['not JSON', Buffer.from('{oops')],
    ['a missing field', body({ ...usageEvent(), model: undefined })],
    ['negative tokens', body({ ...usageEvent(), output_tokens: -1 })],
    ['an unknown status', body({ ...usageEvent(), status: 'maybe' })],
    ['a bad timestamp', body({ ...usageEvent(), occurred_at: 'yesterday' })],
    ['an id that is not a uuid', body({ ...usageEvent(), id: 'evt-1' })],
    ['an unknown tokens_source', body({ ...usageEvent(), tokens_source: 'guessed' })],
    ['a negative ttfb_ms', body({ ...usageEvent(), ttfb_ms: -1 })],
    ['a cancelled that is not a boolean', body({ ...usageEvent(), cancelled: 'yes' })],
  ])('refuses %s without throwing', (_, message) => {
    expect(parseUsageMessage(message)).toMatchObject({ ok: false, reason: expect.any(String) })
  })
})
