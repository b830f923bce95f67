import { createServer } from '../../../gateways/http/server.ts'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { routerDeps } from '../../../gateways/processes/wiring.ts'
import { budgetCounter } from '../../../gateways/router/budget.ts'
import {
  createModelCatalog,
  type Model,
  type RoutedBackend,
  type Strategy,
} from '../../../gateways/router/models.ts'
import { routerRoutes } from '../../../gateways/router/routes.ts'
import type { RoutingDeps } from '../../../gateways/router/routing/route.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { createMemoryBudgetLedger } from '../../../infra/memory/budget-ledger.ts'
import { createMemoryRateLimiter } from '../../../infra/memory/rate-limiter.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import type { MockBackend } from '../../support/mock-backend.ts'
import { keyRecord, monthlyBudget } from './key-record.ts'

// A router on in-process adapters, listening on loopback, in front of mock backends: what the
// routing tests drive. Usage events are collected as published; the budget ledger is readable.
const noDatabase: Database = {
  kind: 'pglite',
  query: async () => ({ rows: [], rowCount: 0 }),
  transaction: async () => {
    throw new Error('unused')
  },
  close: async () => {},
}

/** A backend of a routed model on a mock, with its bearer key and upstream name. */
export const backendOn = (mock: MockBackend, over: Partial<RoutedBackend> = {}): RoutedBackend => ({
  id: mock.url,
  url: mock.url,
  provider: 'vllm',
  weight: 1,
  priority: 0,
  timeout_ms: 10_000,
  headers: { authorization: `Bearer key-of-${mock.name}` },
  upstream_model: 'upstream-m',
  max_output_tokens: 4096,
  ...over,
})

export const routedModel = (backends: RoutedBackend[], strategy: Strategy = 'priority'): Model => ({
  name: 'm',
  backend_url: backends[0]?.url ?? 'http://127.0.0.1:1/v1',
  backends,
  strategy,
  input_usd_per_mtok: 1,
  output_usd_per_mtok: 1,
  max_output_tokens: 4096,
})

export async function routingRouter(
  models: Model[],
  options: { routing?: Partial<RoutingDeps>; budgetUsd?: number } = {},
) {
  const rt = createRuntime(loadConfig({ AIAAS_LOG_LEVEL: 'silent' }), 'router')
  const events: UsageEvent[] = []
  const usage = { publish: async (event: UsageEvent) => void events.push(event), close: async () => {} }
  const budgets = createMemoryBudgetLedger()
  const adapters = { db: noDatabase, limiter: createMemoryRateLimiter(), budgets, usage }
  const deps = routerDeps(rt, { ...adapters, models: createModelCatalog(() => models) }, [])
  deps.routing = { ...deps.routing, ...options.routing }
  const key = keyRecord({ budgets: monthlyBudget(options.budgetUsd ?? 100) })
  deps.authenticate = async () => key
  const app = createServer({ logLevel: 'silent', metrics: rt.metrics })
  await app.register(routerRoutes, { prefix: '/v1', ...deps })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const [budget] = key.budgets
  const counter = budget ? budgetCounter(budget, 'UTC', new Date()).key : ''
  return {
    url: `${url}/v1/chat/completions`,
    events,
    /** Nano-USD held and spent on the key's organization budget now. */
    ledger: () => budgets.usage(counter),
    outcomes: async () =>
      (await rt.metrics.registry.getSingleMetricAsString('aiaas_inference_requests_total')) ?? '',
    close: () => app.close(),
  }
}
