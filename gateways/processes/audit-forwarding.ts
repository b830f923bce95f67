import type { FastifyInstance } from 'fastify'
import { Gauge } from 'prom-client'
import type { Config } from '../../infra/config/config.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { startSubscription } from '../../infra/event-store/subscription.ts'
import { createKafkaAuditSink } from '../../infra/kafka/audit-sink.ts'
import type { Database } from '../../infra/ports/database.ts'
import { chainedLog } from '../../projections/audit-log/chained-records.ts'
import { auditForwarding } from '../../projections/audit-log/forwarder.ts'
import { forwarderLag } from '../../projections/audit-log/lag.ts'
import { openAdapter, stoppable } from './adapter.ts'
import { openAnchoring } from './audit-anchor.ts'
import { tracedSubscriber } from './batch-spans.ts'
import type { Runtime } from './runtime.ts'

/**
 * The audit-forwarder's adapters: the Kafka sink (topic created with the configured partitions
 * and retention) and the checkpointed forwarder, reading the log up to the event chain's
 * checkpoint (the projector writes the chain). Its lag is on /metrics, read from PostgreSQL at
 * each scrape.
 */
export async function openAuditForwarding(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  db: Database,
  config: Config,
): Promise<void> {
  const onError = (error: unknown) =>
    rt.log.error({ err: error }, 'audit forwarding failed; retrying from the checkpoint')
  const sink = await openAdapter(app, 'sink', () =>
    createKafkaAuditSink({
      brokers: config.AIAAS_KAFKA_BROKERS.split(',').map((b) => b.trim()),
      topic: config.AIAAS_AUDIT_TOPIC,
      numPartitions: config.AIAAS_AUDIT_TOPIC_PARTITIONS,
      retentionMs: config.AIAAS_AUDIT_TOPIC_RETENTION_MS,
    }),
  )
  await openAdapter(app, 'forwarder', () =>
    stoppable(
      startSubscription(
        db,
        chainedLog(db, createEventStore(db)),
        tracedSubscriber(rt.tracing, auditForwarding(db, sink)),
        { onError },
      ),
    ),
  )
  observeLag(rt, db)
  // Signed anchors of the chain head each AIAAS_AUDIT_ANCHOR_INTERVAL_MS (0: off).
  await openAnchoring(app, rt, db)
}

function observeLag(rt: Runtime, db: Database): void {
  const registers = [rt.metrics.registry]
  new Gauge({
    name: 'aiaas_audit_forwarder_lag_events',
    help: 'Events in the log that the broker has not acknowledged yet (after the forwarder checkpoint)',
    registers,
    async collect() {
      this.set((await forwarderLag(db)).events)
    },
  })
  new Gauge({
    name: 'aiaas_audit_forwarder_lag_seconds',
    help: 'Age of the oldest event the broker has not acknowledged yet; 0 when caught up',
    registers,
    async collect() {
      this.set((await forwarderLag(db)).seconds)
    },
  })
}
