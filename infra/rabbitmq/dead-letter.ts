import type { ConfirmChannel, ConsumeMessage } from 'amqplib'
import { PACK_COUNT_HEADER, PACK_HEADER, PACK_INDEX_HEADER } from './usage-pack.ts'

export const DEAD_LETTER_REASON_HEADER = 'x-aiaas-dead-letter-reason'
export const DEAD_LETTER_AT_HEADER = 'x-aiaas-dead-letter-at'

export interface DeadLetter {
  message: ConsumeMessage
  reason: string
  /** Set when the event was cut from a pack: only its line goes to the dead-letter queue. */
  line?: { body: Buffer; index: number }
}

// The consumer dead-letters by publishing a copy itself (rather than nack → broker dead-lettering,
// which can carry no reason): the body and properties unchanged, two headers added. An event of a
// pack goes alone, as the plain one-event message it would have been (its line as the body, JSON
// content type, no pack headers) plus its line number in the pack. It resolves once the broker
// confirmed every copy; only then may the originals be acked.
export async function publishDeadLetters(
  channel: ConfirmChannel,
  queue: string,
  letters: readonly DeadLetter[],
  at: Date,
): Promise<void> {
  if (letters.length === 0) return
  for (const { message, reason, line } of letters) {
    const { properties } = message
    const { [PACK_HEADER]: _v, [PACK_COUNT_HEADER]: _n, ...kept } = properties.headers ?? {}
    const headers = {
      ...(line ? kept : properties.headers),
      ...(line && { [PACK_INDEX_HEADER]: line.index }),
      [DEAD_LETTER_REASON_HEADER]: reason,
      [DEAD_LETTER_AT_HEADER]: at.toISOString(),
    }
    const options = { ...definedOnly(properties), ...(line && { contentType: 'application/json' }), headers }
    channel.sendToQueue(queue, line ? line.body : message.content, options)
  }
  await channel.waitForConfirms()
}

// amqplib's ConsumeMessage properties hold every field, undefined when absent; publish options
// must not (an undefined field would be encoded).
function definedOnly(properties: ConsumeMessage['properties']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined))
}
