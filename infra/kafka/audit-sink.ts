import { type Admin, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs'
import { AppError } from '../../domain/errors.ts'
import { withDeadline } from '../deadline.ts'
import type { AuditRecord, AuditSink } from '../ports/audit-sink.ts'
import { fixKafkaJsRequestQueue } from './request-queue-fix.ts'

fixKafkaJsRequestQueue()

export interface KafkaAuditSinkOptions {
  /** From AIAAS_KAFKA_BROKERS (comma-separated host:port). */
  brokers: readonly string[]
  /** From AIAAS_AUDIT_TOPIC. */
  topic: string
  clientId?: string
  /** Used only when the sink creates the topic; the broker's defaults when omitted. */
  numPartitions?: number
  replicationFactor?: number
  /** retention.ms of a topic the sink creates (AIAAS_AUDIT_TOPIC_RETENTION_MS); -1 keeps forever. */
  retentionMs?: number
  /** Upper bound of one publish, connecting and topic creation included. */
  timeoutMs?: number
}

// Header names are part of the audit log's wire format: consumers route on them without parsing.
export const AUDIT_HEADER_EVENT_ID = 'aiaas-event-id'
export const AUDIT_HEADER_EVENT_TYPE = 'aiaas-event-type'

/**
 * Kafka audit sink: an idempotent producer (acks=all, one request in flight, so a retried batch is
 * neither duplicated nor reordered by the broker), keyed by stream so each stream's events stay in
 * one partition, in order.
 */
export function createKafkaAuditSink(options: KafkaAuditSinkOptions): AuditSink {
  const timeoutMs = options.timeoutMs ?? 15_000
  // Short timeouts and few retries: a down broker must fail publish in bounded time so the
  // forwarder can report it and retry from its checkpoint, not hang inside kafkajs' backoff.
  // About 4 attempts x 3 s at worst; withDeadline below is the hard bound either way.
  const retry = { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 }
  const kafka = new Kafka({
    clientId: options.clientId ?? 'aiaas-audit-forwarder',
    brokers: [...options.brokers],
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry,
    logLevel: logLevel.NOTHING,
  })
  const newProducer = () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // kafkajs retries an idempotent producer forever unless told otherwise. Bounded here: the
      // forwarder re-sends from its checkpoint, and audit readers deduplicate by event id.
      retry,
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioner: the same key lands in the same partition whichever
      // client wrote it (kafkajs' default is its legacy partitioner otherwise, with a warning).
      createPartitioner: Partitioners.DefaultPartitioner,
    })

  // A producer per session: after a failed send the broker may or may not have written the batch,
  // so the idempotent producer's sequence numbers are in doubt, and a broker restarted meanwhile
  // can leave kafkajs refusing every later send. The next publish starts a fresh producer (a new
  // producer id, sequences from zero); the forwarder re-sends from its checkpoint.
  let ready: Promise<Producer> | undefined
  const connect = (): Promise<Producer> => {
    ready ??= (async () => {
      await ensureTopic(kafka.admin(), options)
      const producer = newProducer()
      await producer.connect()
      return producer
    })().catch((error: unknown) => {
      ready = undefined // the next publish tries again from scratch
      throw error
    })
    return ready
  }
  const discard = (session: Promise<Producer>) => {
    if (ready === session) ready = undefined
    void session.then((producer) => producer.disconnect()).catch(() => undefined)
  }

  // One send at a time, even if a caller does not wait: the producer's sequence numbers and the
  // per-stream order across publish calls both assume it. A send past its deadline is abandoned
  // with its producer (discarded, so the next publish starts a fresh one) and no longer holds the
  // queue: a send that hangs in kafkajs must not stop the forwarder for good. If it lands late,
  // its records are duplicates of what the forwarder re-sends from its checkpoint, which readers
  // drop by event id (docs/audit.md).
  let tail: Promise<void> = Promise.resolve()

  return {
    async publish(records) {
      if (records.length === 0) return
      const messages = records.map(toMessage)
      let session: Promise<Producer> | undefined
      const attempt = tail.then(async () => {
        session = connect()
        await (await session).send({ topic: options.topic, acks: -1, messages })
      })
      const bounded = withDeadline(attempt, timeoutMs, () => notAcceptedWithin(timeoutMs, options.topic))
      tail = bounded.catch(() => undefined)
      try {
        await bounded
      } catch (error) {
        if (session) discard(session)
        throw toAppError(error, options.topic)
      }
    },
    async close() {
      const session = ready
      ready = undefined
      await session?.then((producer) => producer.disconnect()).catch(() => undefined)
    },
  }
}

async function ensureTopic(admin: Admin, options: KafkaAuditSinkOptions): Promise<void> {
  await admin.connect()
  try {
    const topics = await admin.listTopics()
    if (topics.includes(options.topic)) return
    // createTopics resolves false when another forwarder created it first: that is fine.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: options.topic,
          numPartitions: options.numPartitions ?? -1,
          replicationFactor: options.replicationFactor ?? -1,
          configEntries:
            options.retentionMs === undefined
              ? []
              : [{ name: 'retention.ms', value: String(options.retentionMs) }],
        },
      ],
    })
  } finally {
    await admin.disconnect()
  }
}

// The record goes out as it is (versioned JSON, docs/audit.md): auditors read it outside this
// codebase. The headers repeat id and type so consumers can route and deduplicate unparsed.
function toMessage(record: AuditRecord): Message {
  return {
    key: record.stream,
    value: JSON.stringify(record),
    headers: { [AUDIT_HEADER_EVENT_ID]: record.id, [AUDIT_HEADER_EVENT_TYPE]: record.type },
  }
}

const notAcceptedWithin = (ms: number, topic: string): AppError =>
  new AppError('AUDIT_SINK_UNAVAILABLE', `Kafka did not accept within ${ms} ms`, { topic })

interface KafkaJsErrorShape {
  name: string
  message: string
  retriable?: unknown
  cause?: unknown
}

const isKafkaJsError = (error: unknown): error is KafkaJsErrorShape =>
  error instanceof Error && error.name.startsWith('KafkaJS')

// Errors that mean "the cluster cannot be reached or is not ready", as opposed to a refusal of
// these messages; retries exhausted on them surface as KafkaJSNumberOfRetriesExceeded.
const UNAVAILABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
])

function toAppError(error: unknown, topic: string): unknown {
  if (error instanceof AppError || !isKafkaJsError(error)) return error
  const chain: KafkaJsErrorShape[] = []
  for (let e: unknown = error; isKafkaJsError(e) && chain.length < 5; e = e.cause) chain.push(e)
  const unavailable = chain.some((e) => e.retriable === true || UNAVAILABLE.has(e.name))
  const details = { topic, kafka_error: error.name, reason: chain.map((e) => e.message).join(': ') }
  return unavailable
    ? new AppError('AUDIT_SINK_UNAVAILABLE', `Kafka is unavailable: ${error.message}`, details)
    : new AppError('AUDIT_SINK_REJECTED', `Kafka rejected the audit events: ${error.message}`, details)
}
