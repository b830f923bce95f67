import { connect } from 'amqplib'
import { loadConfig } from '../../infra/config/config.ts'
import { deadLetterQueueOf } from '../../infra/rabbitmq/usage-bus.ts'

/**
 * Deletes a usage queue and its dead-letter queue. Quorum queues left behind pile up over
 * repeated runs and slow the broker down. Close consumers first: a live one re-declares them.
 */
export async function deleteUsageQueues(queue: string): Promise<void> {
  const connection = await connect(loadConfig().AIAAS_AMQP_URL)
  try {
    const channel = await connection.createChannel()
    await channel.deleteQueue(queue)
    await channel.deleteQueue(deadLetterQueueOf(queue))
  } finally {
    await connection.close()
  }
}
