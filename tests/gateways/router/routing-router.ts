import { spendCounters } from '../../../gateways/router/admission.ts'
import type { Model, RoutedBackend, Strategy } from '../../../gateways/router/models.ts'
import type { RoutingDeps } from '../../../gateways/router/routing/route.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import type { UsageEvent } from '../../../infra/ports/usage.ts'
import type { Tracing } from '../../../infra/telemetry/tracing.ts'
import type { ApiKeyRecord } from '../../../projections/api-keys/key-lookup.ts'
import type { MockBackend } from '../../support/mock-backend.ts'
import { keyRecord, monthlyBudget } from './key-record.ts'
import { routerApp } from './router-app.ts'

// A router on in-process adapters, listening on loopback, in front of mock backends: what the
// routing tests drive. Usage events are collected as published; the spend ledger is readable.
/** A backend of a routed model on a mock, with its bearer key and upstream name. */
export const backendOn = (
  mock: Pick<MockBackend, 'url' | 'name'>,
  over: Partial<RoutedBackend> = {},
): RoutedBackend => ({
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

/** An anthropic backend at `url` (the mock Messages API, or anything to see what it makes of it). */
export const anthropicAt = (url: string, apiKey: string, over: Partial<RoutedBackend> = {}) =>
  backendOn(
    { url, name: 'anthropic' },
    {
      provider: 'anthropic',
      headers: { authorization: `Bearer ${apiKey}` },
      upstream_model: 'claude-sonnet-4-5',
      ...over,
    },
  )

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
  options: {
    routing?: Partial<RoutingDeps>
    budgetUsd?: number
    key?: Partial<ApiKeyRecord>
    /** The ledger the router uses, around the in-memory one the test reads (e.g. to hold an admission). */
    ledger?: (memory: SpendLedger) => SpendLedger
    /** The router's spans (tracing on); default off. */
    tracing?: Tracing
  } = {},
) {
  const events: UsageEvent[] = []
  const usage = { publish: async (event: UsageEvent) => void events.push(event), close: async () => {} }
  const ledger = createMemorySpendLedger()
  const key = keyRecord({ budgets: monthlyBudget(options.budgetUsd ?? 100), ...options.key })
  const { app, outcomes } = await routerApp({
    models: () => models,
    key,
    ledger: options.ledger?.(ledger) ?? ledger,
    usage,
    routing: options.routing,
    ...(options.tracing ? { tracing: options.tracing } : {}),
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  // The organization's monthly counter: where the key's organization budget holds and spends.
  const monthly = spendCounters(key, new Date()).find((c) => c.api_key_id === null && c.period === 'monthly')
  return {
    url: `${url}/v1/chat/completions`,
    events,
    /** Nano-USD held and spent on the key's organization's monthly counter now. */
    ledger: async () => {
      const [state] = await ledger.counters(key.organization_id, monthly ? [monthly] : [])
      return { spent_nanos: state?.spent_nanos ?? 0, reserved_nanos: state?.reserved_nanos ?? 0 }
    },
    outcomes,
    /** Client connections the router has open. */
    connections: () =>
      new Promise<number>((resolve, reject) =>
        app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    close: () => app.close(),
  }
}
