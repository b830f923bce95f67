import { createServer } from '../../../gateways/http/server.ts'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { routerDeps } from '../../../gateways/processes/wiring.ts'
import { createModelCatalog, type Model } from '../../../gateways/router/models.ts'
import { routerRoutes } from '../../../gateways/router/routes.ts'
import type { RoutingDeps } from '../../../gateways/router/routing/route.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import { createMemoryUsageBus } from '../../../infra/memory/usage-bus.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { RecordedSpend } from '../../../infra/ports/recorded-spend.ts'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import type { UsagePublisher } from '../../../infra/ports/usage.ts'
import type { Tracing } from '../../../infra/telemetry/tracing.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'

// The router's /v1 routes on in-process adapters, with one API key every request authenticates
// as: what the router tests drive, by inject or over loopback. Nothing reads the database (the
// key is given, the models too); each test passes only the adapters it is about.
export const noDatabase: Database = {
  kind: 'pglite',
  query: async () => ({ rows: [], rowCount: 0 }),
  transaction: async () => {
    throw new Error('unused')
  },
  close: async () => {},
}

export interface RouterAppOptions {
  models: () => readonly Model[]
  key: ApiKeyRecord
  /** Settings as AIAAS_* variables; the log level is silent unless given. */
  env?: Record<string, string>
  /** The spend ledger (budgets and limits); default: in memory. */
  ledger?: SpendLedger
  /** The recorded usage counters are seeded from; default: nothing recorded. */
  recorded?: RecordedSpend
  /** Default: an in-memory bus nobody reads. */
  usage?: UsagePublisher
  /** The router's clock (budget periods); default the wall clock. */
  now?: () => Date
  /** Request logs at level info go here; without it the app logs nothing. */
  logStream?: { write(line: string): void }
  routing?: Partial<RoutingDeps>
  /** Spans of the router (as the SDK gives a process with AIAAS_TRACING=on); default: off. */
  tracing?: Tracing
}

export async function routerApp(options: RouterAppOptions) {
  const runtime = createRuntime(loadConfig({ AIAAS_LOG_LEVEL: 'silent', ...options.env }), 'router')
  const rt = options.now ? { ...runtime, now: options.now } : runtime
  const adapters = {
    db: noDatabase,
    ledger: options.ledger ?? createMemorySpendLedger(),
    recorded: options.recorded ?? { spentNanos: async () => 0 },
    usage: options.usage ?? createMemoryUsageBus().publisher,
    models: createModelCatalog(options.models),
  }
  const deps = routerDeps(rt, adapters, [])
  deps.routing = { ...deps.routing, ...options.routing }
  deps.authenticate = async () => options.key
  deps.tracing = options.tracing ?? null
  const logs = options.logStream ? { logLevel: 'info', logStream: options.logStream } : { logLevel: 'silent' }
  const app = createServer({ ...logs, metrics: rt.metrics, tracing: options.tracing ?? null })
  await app.register(routerRoutes, { prefix: '/v1', ...deps })
  /** The aiaas_inference_requests_total metric as exposed. */
  const outcomes = async () =>
    (await rt.metrics.registry.getSingleMetricAsString('aiaas_inference_requests_total')) ?? ''
  /** One metric of the app's registry as exposed ('' when it has no value yet). */
  const metric = async (name: string) => (await rt.metrics.registry.getSingleMetricAsString(name)) ?? ''
  return { app, outcomes, metric }
}
