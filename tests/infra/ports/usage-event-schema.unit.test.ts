import { describe, expect, it } from 'vitest'
import { parseUsageMessage } from '../../../infra/ports/usage-event-schema.ts'
import { usageEvent } from '../contracts/usage-bus.contract.ts'

const body = (value: unknown) => Buffer.from(JSON.stringify(value))

describe('parseUsageMessage', () => {
  it('accepts a usage event and strips fields it does not know', () => {
    const event = usageEvent()
    expect(parseUsageMessage(body({ ...event, added_later: 1 }))).toEqual({ ok: true, event })
  })

  it.each([
    ['not JSON', Buffer.from('{oops')],
    ['a missing field', body({ ...usageEvent(), model: undefined })],
    ['negative tokens', body({ ...usageEvent(), output_tokens: -1 })],
    ['an unknown status', body({ ...usageEvent(), status: 'maybe' })],
    ['a bad timestamp', body({ ...usageEvent(), occurred_at: 'yesterday' })],
    ['an id that is not a uuid', body({ ...usageEvent(), id: 'evt-1' })],
  ])('refuses %s without throwing', (_, message) => {
    expect(parseUsageMessage(message)).toMatchObject({ ok: false, reason: expect.any(String) })
  })
})
