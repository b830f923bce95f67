import type { ConfirmChannel, ConsumeMessage } from 'amqplib'

export const DEAD_LETTER_REASON_HEADER = 'x-aiaas-dead-letter-reason'
export const DEAD_LETTER_AT_HEADER = 'x-aiaas-dead-letter-at'

export interface DeadLetter {
  message: ConsumeMessage
  reason: string
}

// The consumer dead-letters by publishing a copy itself (rather than nack → broker dead-lettering,
// which can carry no reason): the body and properties unchanged, two headers added. It resolves
// once the broker confirmed every copy; only then may the originals be acked.
export async function publishDeadLetters(
  channel: ConfirmChannel,
  queue: string,
  letters: readonly DeadLetter[],
  at: Date,
): Promise<void> {
  if (letters.length === 0) return
  for (const { message, reason } of letters) {
    const { properties } = message
    const headers = {
      ...properties.headers,
      [DEAD_LETTER_REASON_HEADER]: reason,
      [DEAD_LETTER_AT_HEADER]: at.toISOString(),
    }
    channel.sendToQueue(queue, message.content, { ...definedOnly(properties), headers })
  }
  await channel.waitForConfirms()
}

// amqplib's ConsumeMessage properties hold every field, undefined when absent; publish options
// must not (an undefined field would be encoded).
function definedOnly(properties: ConsumeMessage['properties']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined))
}
