import type { Config } from '../../infra/config/config.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { startSubscription } from '../../infra/event-store/subscription.ts'
import { migrate } from '../../infra/migrations/migrate.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { createRabbitUsageConsumer } from '../../infra/rabbitmq/usage-bus.ts'
import { createRedisSpendLedger } from '../../infra/redis/spend-ledger.ts'
import { eventChainProjection } from '../../projections/audit-chain/event-chain.ts'
import { readModelsProjection } from '../../projections/read-models.ts'
import { openAdapter, openPostgres, stoppable } from './adapter.ts'
import { openAuditForwarding } from './audit-forwarding.ts'
import { tracedIngest, tracedSubscriber } from './batch-spans.ts'
import { openBudgetWebhooks } from './budget-webhooks.ts'
import { observeProjectionLag } from './projection-lag.ts'
import { onAppended } from './projection-wakeup.ts'
import { createRuntime, type Running, runWorker } from './runtime.ts'
import { openReconciler } from './spend-reconciler.ts'
import { openThresholdWatch } from './threshold-watch.ts'
import { traced } from './traced.ts'
import { ingestBatching, usageIngestHandler } from './usage-ingest.ts'
import { openPartitionMaintenance, usagePartitionPolicy } from './usage-partitions.ts'

// The headless processes: they consume a log or a queue and serve only /metrics. Their adapters
// are plugins of that server (openAdapter): they close in reverse order on stop.

async function runProjector(config: Config): Promise<Running> {
  const rt = createRuntime(config, 'projector')
  const onError = (error: unknown) => rt.log.error({ err: error }, 'projection failed; retrying')
  return runWorker(rt, async (app) => {
    const db = await openPostgres(app, config)
    const store = createEventStore(db)
    const projector = await openAdapter(app, 'projector', () =>
      stoppable(
        startSubscription(db, store, tracedSubscriber(rt.tracing, readModelsProjection), {
          onError,
          idleMs: 50,
        }),
      ),
    )
    // The tamper-evident chain follows the log right after commit (docs/audit.md, ADR 0023).
    await openAdapter(app, 'eventChain', () =>
      stoppable(
        startSubscription(db, store, tracedSubscriber(rt.tracing, eventChainProjection), {
          onError,
          idleMs: 50,
        }),
      ),
    )
    observeProjectionLag(rt.metrics.registry, db, [readModelsProjection.name, eventChainProjection.name])
    // The identity process NOTIFYs after each command: a pass starts at once, the poll stays.
    const onListenError = (error: unknown) => rt.log.warn({ err: error }, 'LISTEN failed; polling')
    await openAdapter(app, 'wakeOnAppend', async () =>
      onAppended(config.AIAAS_DATABASE_URL, () => projector.subscription.wake(), onListenError),
    )
    // Budget alerts read the routers' counters (AIAAS_REDIS_URL) and record crossings as commands.
    const ledger = await openAdapter(app, 'ledger', async () =>
      createRedisSpendLedger(config.AIAAS_REDIS_URL),
    )
    await openThresholdWatch(app, rt, { db, store, ledger }, config.AIAAS_BUDGET_ALERT_INTERVAL_MS)
    // Each crossing POSTed to its organization's budget_alert_webhook_url (budget-webhooks.ts).
    await openBudgetWebhooks(app, rt, { db, store })
    // Counters that fell behind the recorded usage are raised; the drift is a gauge on /metrics.
    await openReconciler(app, rt, { db, ledger }, config.AIAAS_BUDGET_RECONCILE_INTERVAL_MS)
    return {}
  })
}

async function runAuditForwarder(config: Config): Promise<Running> {
  const rt = createRuntime(config, 'audit-forwarder')
  return runWorker(rt, async (app) => {
    const db = await openPostgres(app, config)
    await openAuditForwarding(app, rt, db, config)
    return { topic: config.AIAAS_AUDIT_TOPIC }
  })
}

async function runIngest(config: Config): Promise<Running> {
  const rt = createRuntime(config, 'ingest')
  return runWorker(rt, async (app) => {
    const db = await openPostgres(app, config)
    await openPartitionMaintenance(app, rt, db, usagePartitionPolicy(config))
    await openAdapter(app, 'consumer', async () => {
      const consumer = createRabbitUsageConsumer(config.AIAAS_AMQP_URL, config.AIAAS_USAGE_QUEUE, {
        ...ingestBatching(config),
        logger: rt.log,
      })
      await consumer.start(
        tracedIngest(rt.tracing, usageIngestHandler(db, consumer, rt.log, rt.now, rt.metrics)),
      )
      return consumer
    })
    return { queue: config.AIAAS_USAGE_QUEUE }
  })
}

export async function runMigrate(config: Config): Promise<string[]> {
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    return await migrate(db)
  } finally {
    await db.close()
  }
}

// Each process starts the OpenTelemetry SDK first when AIAAS_TRACING=on (traced.ts).
export const startProjector = traced('projector', runProjector)
export const startAuditForwarder = traced('audit-forwarder', runAuditForwarder)
export const startIngest = traced('ingest', runIngest)
