import type { ConsumeMessage } from 'amqplib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deliveriesOf, lastWholePerChannel } from '../../../infra/rabbitmq/pack-deliveries.ts'
import { PACK_HEADER, packProperties, packsOf } from '../../../infra/rabbitmq/usage-pack.ts'
import { usageEvent } from '../../support/usage-event.ts'

/** A message as amqplib delivers it, with only what the consumer reads. */
function message(content: Buffer, headers: Record<string, unknown> | undefined, tag: number): ConsumeMessage {
  const properties = { headers } as ConsumeMessage['properties']
  return { content, properties, fields: { deliveryTag: tag } as ConsumeMessage['fields'] }
}

/** `sizes` events per message (1: a plain message), each sent as the publisher would. */
function messagesOf(sizes: readonly number[]): ConsumeMessage[] {
  return sizes.map((size, tag) => {
    const events = Array.from({ length: size }, () => usageEvent())
    const [pack] = packsOf(events, { maxEvents: size, maxBytes: Number.POSITIVE_INFINITY })
    return message(pack?.body ?? Buffer.alloc(0), packProperties(size).headers, tag)
  })
}

describe('pack deliveries', () => {
  it('makes one delivery per event of a pack, the last one marked, each event parsed alone', () => {
    const [pack] = messagesOf([3])
    const deliveries = deliveriesOf('ch', pack as ConsumeMessage)
    expect(deliveries.map((d) => [d.parsed.ok, d.line?.index, d.last])).toEqual([
      [true, 0, false],
      [true, 1, false],
      [true, 2, true],
    ])
  })

  it('makes one delivery of a plain message, and one bad delivery of a pack format it does not know', () => {
    const [plain] = messagesOf([1])
    expect(deliveriesOf('ch', plain as ConsumeMessage)).toMatchObject([{ parsed: { ok: true }, last: true }])
    const unknown = message(Buffer.from('{}\n{}'), { [PACK_HEADER]: 9 }, 0)
    expect(deliveriesOf('ch', unknown)).toEqual([
      expect.objectContaining({ parsed: { ok: false, reason: 'unknown usage pack format 9' }, last: true }),
    ])
  })

  // Whatever the packs and however the batches are cut (never more than maxEvents, any fewer when
  // the wait ends first), after each batch the acked messages (allUpTo the one named) are exactly
  // those whose every event has been handled: never one with an event still waiting, never a
  // complete one left unacked.
  it('acks, after each batch, exactly the messages whose every event is handled', () => {
    const sizes = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 30 })
    const cuts = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 40 })
    fc.assert(
      fc.property(sizes, cuts, fc.integer({ min: 1, max: 12 }), (sizes, cuts, maxEvents) => {
        const messages = messagesOf(sizes)
        const deliveries = messages.flatMap((m) => deliveriesOf('ch', m))
        let handled = 0
        let ackedUpTo = -1
        for (let b = 0; handled < deliveries.length; b++) {
          const size = Math.min(maxEvents, cuts[b % cuts.length] ?? maxEvents)
          const batch = deliveries.slice(handled, handled + size)
          handled += batch.length
          for (const { message } of lastWholePerChannel(batch)) {
            expect(message.fields.deliveryTag).toBeGreaterThan(ackedUpTo)
            ackedUpTo = message.fields.deliveryTag
          }
          const whole = deliveries.slice(0, handled).filter((d) => d.last).length
          expect(ackedUpTo).toBe(whole - 1)
        }
        expect(ackedUpTo).toBe(messages.length - 1)
      }),
    )
  })
})
