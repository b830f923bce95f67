import { randomUUID } from 'node:crypto'
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import {
  AUDIT_HEADER_EVENT_ID,
  AUDIT_HEADER_EVENT_TYPE,
  createKafkaAuditSink,
} from '../../../infra/kafka/audit-sink.ts'
import type { AuditRecord, AuditSink } from '../../../infra/ports/audit-sink.ts'
import { deleteTopics } from '../../support/kafka.ts'

// Runs against the real broker of `make services` (infra/services/kafka.sh).
const config = loadConfig()
const brokers = config.AIAAS_KAFKA_BROKERS.split(',')
const sinks: AuditSink[] = []
const topics: string[] = []

afterAll(async () => {
  await Promise.all(sinks.map((sink) => sink.close()))
  await deleteTopics(topics)
})

function record(stream: string, version: number, position: number, type: string): AuditRecord {
  return {
    v: 1,
    id: randomUUID(),
    // Past 2^53, as positions are (docs/event-store.md): the message must carry it exactly.
    global_position: (2n ** 62n + BigInt(position)).toString(),
    stream,
    stream_version: version,
    type,
    schema_version: 1,
    recorded_at: `2026-01-01T00:00:0${position}.123456Z`,
    data: { organization_id: 'org-1', name: `n${position}` },
    metadata: { actor: 'admin', correlation_id: randomUUID(), causation_id: null, source: 'test' },
    prev_hash: '00'.repeat(32),
    hash: `${position}`.padStart(64, '0'),
  }
}

interface Received {
  key: string
  partition: number
  value: unknown
  headers: Record<string, string>
}

async function consume(topic: string, count: number): Promise<Received[]> {
  const kafka = new Kafka({ clientId: 'audit-sink-test', brokers, logLevel: logLevel.NOTHING })
  const consumer = kafka.consumer({ groupId: `audit-sink-test-${randomUUID()}` })
  const received: Received[] = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${received.length} of ${count} messages`)), 30_000)
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {}
          for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value)
          received.push({
            key: String(message.key),
            partition,
            value: JSON.parse(String(message.value)),
            headers,
          })
          if (received.length === count) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return received
}

describe('Kafka audit sink', () => {
  it('publishes records keyed by stream, in order per stream, as versioned JSON with id and type headers', async () => {
    const topic = `aiaas.audit.test.${randomUUID()}`
    topics.push(topic)
    const sink = createKafkaAuditSink({ brokers, topic, numPartitions: 3 })
    sinks.push(sink)
    const events = [
      record('organization-a', 0, 1, 'OrganizationCreated'),
      record('organization-b', 0, 2, 'OrganizationCreated'),
      record('organization-a', 1, 3, 'OrganizationRenamed'),
    ]

    await sink.publish(events)
    const received = await consume(topic, events.length)

    for (const stream of ['organization-a', 'organization-b']) {
      const sent = events.filter((e) => e.stream === stream)
      const got = received.filter((r) => r.key === stream)
      // Same key, same partition, same order: per-stream order is what the audit log promises.
      expect(new Set(got.map((r) => r.partition)).size).toBe(1)
      expect(got.map((r) => r.value)).toEqual(sent)
      expect(got.map((r) => r.headers)).toEqual(
        sent.map((e) => ({ [AUDIT_HEADER_EVENT_ID]: e.id, [AUDIT_HEADER_EVENT_TYPE]: e.type })),
      )
    }
    expect(received).toHaveLength(3)
  })

  it('creates a missing topic with the configured partitions and retention', async () => {
    const topic = `aiaas.audit.test.${randomUUID()}`
    topics.push(topic)
    const sink = createKafkaAuditSink({ brokers, topic, numPartitions: 2, retentionMs: 3_600_000 })
    sinks.push(sink)

    await sink.publish([record('organization-a', 0, 1, 'OrganizationCreated')])

    const admin = new Kafka({ clientId: 'audit-sink-test', brokers, logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      const {
        topics: [metadata],
      } = await admin.fetchTopicMetadata({ topics: [topic] })
      expect(metadata?.partitions).toHaveLength(2)
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
      })
      expect(resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue).toBe(
        '3600000',
      )
    } finally {
      await admin.disconnect()
    }
  })

  it('rejects with AUDIT_SINK_UNAVAILABLE in bounded time when no broker listens', async () => {
    const sink = createKafkaAuditSink({ brokers: ['127.0.0.1:1'], topic: 'aiaas.audit.unreachable' })
    sinks.push(sink)
    const started = Date.now()

    const error = await sink
      .publish([record('organization-a', 0, 1, 'OrganizationCreated')])
      .catch((e: unknown) => e)

    expect(isAppError(error) && error.code).toBe('AUDIT_SINK_UNAVAILABLE')
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
