import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

// One registry per process; every process serves it on GET /metrics.
export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status'>
  inferenceRequests: Counter<'model' | 'outcome'>
  inferenceTokens: Counter<'model' | 'direction'>
  /** Time from admission to the first body byte handed to the caller, per model and streamed or not. */
  inferenceTtfb: Histogram<'model' | 'streamed'>
  /** Backend attempts by backend and result: success, failure (5xx, network, timeout), refused (no call made). */
  backendAttempts: Counter<'backend' | 'result'>
  usagePublishFailures: Counter
  /** Requests admitted unmetered because the spend ledger was down (fail-open organizations). */
  ledgerFailOpen: Counter
  /** Settles whose actual cost was above the worst case held (the estimate was wrong). */
  settleOverHold: Counter
  /** Per budget, the spend ledger's counter minus the recorded spend after reconciliation (USD). */
  budgetLedgerDrift: Gauge<'budget_id'>
  /** Usage events of ingested batches: stored (new), duplicate (already stored), rejected (dead-lettered). */
  usageIngested: Counter<'outcome'>
  /** Time to store one batch (one transaction). */
  usageIngestBatch: Histogram
  /** Seconds from the oldest event of the last batch (or the last idle heartbeat) to its commit. */
  usageIngestLag: Gauge
}

export function createMetrics(processName: string): Metrics {
  const registry = new Registry()
  registry.setDefaultLabels({ process: processName })
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'aiaas_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    inferenceRequests: new Counter({
      name: 'aiaas_inference_requests_total',
      help: 'Inference requests by model and outcome (ok, backend_error, rate_limited, ...)',
      labelNames: ['model', 'outcome'],
      registers: [registry],
    }),
    inferenceTokens: new Counter({
      name: 'aiaas_inference_tokens_total',
      help: 'Tokens by model and direction (input, output)',
      labelNames: ['model', 'direction'],
      registers: [registry],
    }),
    inferenceTtfb: new Histogram({
      name: 'aiaas_inference_ttfb_seconds',
      help: 'Seconds from admission to the first body byte sent to the caller, by model and streamed (true/false)',
      labelNames: ['model', 'streamed'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    backendAttempts: new Counter({
      name: 'aiaas_backend_attempts_total',
      help: 'Backend attempts by backend id and result: success, failure (5xx, network, timeout), refused (the adapter made no call); attempts beyond one per request are failovers or retries',
      labelNames: ['backend', 'result'],
      registers: [registry],
    }),
    usagePublishFailures: new Counter({
      name: 'aiaas_usage_publish_failures_total',
      help: 'Usage events the bus did not accept',
      registers: [registry],
    }),
    ledgerFailOpen: new Counter({
      name: 'aiaas_ledger_fail_open_total',
      help: 'Requests admitted without budgets or limits: the spend ledger was down and the organization fails open',
      registers: [registry],
    }),
    settleOverHold: new Counter({
      name: 'aiaas_budget_settle_over_hold_total',
      help: 'Requests whose actual cost was above the worst case held for them (counted in full)',
      registers: [registry],
    }),
    budgetLedgerDrift: new Gauge({
      name: 'aiaas_budget_ledger_drift_usd',
      help: "The spend ledger's counter of a budget's current period minus the recorded spend, in USD, after the last reconciliation (positive: usage events still in flight)",
      labelNames: ['budget_id'],
      registers: [registry],
    }),
    usageIngested: new Counter({
      name: 'aiaas_usage_ingested_events_total',
      help: 'Usage events of ingested batches by outcome: stored, duplicate (already stored), rejected (dead-lettered with a reason)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    usageIngestBatch: new Histogram({
      name: 'aiaas_usage_ingest_batch_duration_seconds',
      help: 'Time to store one batch of usage events (raw rows and rollups, one transaction)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    usageIngestLag: new Gauge({
      name: 'aiaas_usage_ingest_lag_seconds',
      help: 'Seconds from the oldest usage event of the last batch to its commit (0 after an idle heartbeat)',
      registers: [registry],
    }),
  }
}
