import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { loadConfig } from '../../infra/config/config.ts'
import { fixKafkaJsRequestQueue } from '../../infra/kafka/request-queue-fix.ts'

// The test reader is a kafkajs client too: without the fix it prints TimeoutNegativeWarning (ADR 0007).
fixKafkaJsRequestQueue()

export interface AuditMessage {
  key: string
  id: string
  type: string
  value: string
}

/**
 * Reads a topic from the beginning until `done` holds for what arrived (`timeoutMs`, 20 s by
 * default), from the shared broker unless `brokers` names another (tests/support/kafka-broker.ts).
 */
export async function readTopic(
  topic: string,
  done: (messages: AuditMessage[]) => boolean,
  { brokers = loadConfig().AIAAS_KAFKA_BROKERS.split(','), timeoutMs = 20_000 } = {},
): Promise<AuditMessage[]> {
  const kafka = new Kafka({ clientId: 'aiaas-test-reader', brokers, logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `aiaas-test-${randomUUID()}` })
  const messages: AuditMessage[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not done after ${messages.length} messages in ${timeoutMs} ms`)),
        timeoutMs,
      )
      consumer
        .run({
          eachMessage: async ({ message }) => {
            messages.push({
              key: message.key?.toString() ?? '',
              id: String(message.headers?.['aiaas-event-id']),
              type: String(message.headers?.['aiaas-event-type']),
              value: message.value?.toString() ?? '',
            })
            if (done(messages)) {
              clearTimeout(timer)
              resolve()
            }
          },
        })
        .catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return messages
}

/** Deletes test topics: left behind, they pile up over repeated runs (partitions, files, metadata). */
export async function deleteTopics(topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return
  const brokers = loadConfig().AIAAS_KAFKA_BROKERS.split(',')
  const admin = new Kafka({ clientId: 'aiaas-test-cleanup', brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await admin.deleteTopics({ topics: [...topics] })
  } finally {
    await admin.disconnect()
  }
}
