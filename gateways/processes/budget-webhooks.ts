import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { Counter } from 'prom-client'
import { type BudgetAlertBody, backoffMs, budgetAlertBody } from '../../commands/budgets/alert-webhook.ts'
import { loadState } from '../../commands/handle-command.ts'
import { budgetEventSchema, budgetStream } from '../../domain/budgets/budget.ts'
import { type AddressClass, refusedAddress } from '../../domain/models/backend-address.ts'
import { organizationDecider } from '../../domain/organizations/decider.ts'
import { organizationStream } from '../../domain/organizations/organization.ts'
import { type Forwarder, startSubscription } from '../../infra/event-store/subscription.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { EventStore, RecordedEvent } from '../../infra/ports/event-store.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'

// The budget alert webhook: a checkpointed subscription (`budget-alert-webhooks`) that POSTs each
// BudgetThresholdCrossed to its organization's `budget_alert_webhook_url`. The checkpoint moves
// only after the batch's deliveries are over (2xx, or dropped after every attempt failed), so a
// crash resends (at least once; receivers dedupe on `x-aiaas-event-id`). Retries are bounded so
// one dead receiver delays the others by minutes at most, never forever.

export const BUDGET_WEBHOOK_SUBSCRIPTION = 'budget-alert-webhooks'

export interface BudgetWebhookOptions {
  /** Attempts per delivery before it is dropped; default 8. */
  attempts?: number
  /** Wait after the first failure, doubled after each next one; default 1000 ms. */
  baseDelayMs?: number
  /** The longest wait between attempts; default 60 s. */
  maxDelayMs?: number
  /** Bound of one attempt (connect, send, answer); default 5 s. */
  timeoutMs?: number
}

export interface BudgetWebhookDeps extends BudgetWebhookOptions {
  store: EventStore
  /**
   * Address classes a webhook may reach beyond public ones (AIAAS_BACKEND_ALLOWED_ADDRESSES, as for
   * model backends): an organization must not make the platform POST to its internal services.
   */
  allowedAddresses: readonly AddressClass[]
  /** Aborted on stop: a wait or an attempt in progress ends, the batch is not checkpointed. */
  signal: AbortSignal
  onDelivered: (body: BudgetAlertBody) => void
  onDropped: (body: BudgetAlertBody, error: unknown) => void
  onRetry: (body: BudgetAlertBody, attempt: number, error: unknown) => void
}

/** The organization's webhook URL now, folded from its stream (no read-model lag, no migration). */
async function webhookUrl(store: EventStore, organization_id: string): Promise<string | null> {
  const { state } = await loadState(store, organizationStream(organization_id), organizationDecider)
  return state.status === 'Absent' ? null : state.settings.budget_alert_webhook_url
}

/** The budget's key (null: an organization budget), from the BudgetCreated of its stream. */
async function budgetKey(store: EventStore, budget_id: string): Promise<string | null> {
  for (const recorded of await store.readStream(budgetStream(budget_id), { limit: 1 })) {
    const event = budgetEventSchema.safeParse({ type: recorded.type, data: recorded.data })
    if (event.success && event.data.type === 'BudgetCreated') return event.data.data.api_key_id
  }
  return null
}

/** The body to send for a recorded event, or null when it is no crossing or has nowhere to go. */
async function alertFor(store: EventStore, recorded: RecordedEvent) {
  if (recorded.type !== 'BudgetThresholdCrossed') return null
  const event = budgetEventSchema.parse({ type: recorded.type, data: recorded.data })
  if (event.type !== 'BudgetThresholdCrossed') return null
  const url = await webhookUrl(store, event.data.organization_id)
  if (url === null) return null
  const api_key_id = await budgetKey(store, event.data.budget_id)
  return { url, body: budgetAlertBody({ ...event.data, event_id: recorded.id, api_key_id }) }
}

/** One POST, bounded by the timeout; resolves only on a 2xx. */
async function post(url: string, body: BudgetAlertBody, deps: BudgetWebhookDeps): Promise<void> {
  const timeout = AbortSignal.timeout(deps.timeoutMs ?? 5_000)
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-aiaas-event-id': body.id },
    body: JSON.stringify(body),
    signal: AbortSignal.any([deps.signal, timeout]),
    redirect: 'manual',
  })
  await response.body?.cancel()
  if (response.status < 200 || response.status > 299) {
    throw new Error(`budget webhook answered ${response.status}`)
  }
}

/** Attempts until a 2xx or the last attempt; a stop (deps.signal) rejects and nothing is dropped. */
async function deliver(url: string, body: BudgetAlertBody, deps: BudgetWebhookDeps): Promise<void> {
  // A host written as an address of a class not allowed is never called (like a model backend's);
  // a name is resolved by the operating system, as for backends (docs/security.md).
  const refused = refusedAddress(url, deps.allowedAddresses)
  if (refused !== null) return deps.onDropped(body, new Error(`webhook address is ${refused}: not allowed`))
  const attempts = deps.attempts ?? 8
  for (let attempt = 1; ; attempt++) {
    try {
      await post(url, body, deps)
      deps.onDelivered(body)
      return
    } catch (error) {
      deps.signal.throwIfAborted()
      if (attempt >= attempts) return deps.onDropped(body, error)
      deps.onRetry(body, attempt, error)
      const wait = backoffMs(attempt, deps.baseDelayMs ?? 1_000, deps.maxDelayMs ?? 60_000)
      await sleep(wait, undefined, { signal: deps.signal })
    }
  }
}

/** The forwarder: crossings in log order, one delivery (with its retries) at a time. */
export function budgetWebhookForwarder(deps: BudgetWebhookDeps): Forwarder {
  return {
    name: BUDGET_WEBHOOK_SUBSCRIPTION,
    async forward(events) {
      for (const recorded of events) {
        const alert = await alertFor(deps.store, recorded)
        if (alert) await deliver(alert.url, alert.body, deps)
      }
    },
  }
}

/** The forwarder as adapter `budgetWebhooks` (projector process and embedded), with its counters. */
export function openBudgetWebhooks(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  adapters: { db: Database; store: EventStore },
  options: BudgetWebhookOptions = {},
) {
  const registers = [rt.metrics.registry]
  const delivered = new Counter({
    name: 'aiaas_budget_webhook_delivered_total',
    help: 'Budget alert webhooks answered with a 2xx',
    registers,
  })
  const dropped = new Counter({
    name: 'aiaas_budget_webhook_dropped_total',
    help: 'Budget alert webhooks given up after every attempt failed',
    registers,
  })
  const stopping = new AbortController()
  const forwarder = budgetWebhookForwarder({
    ...options,
    store: adapters.store,
    allowedAddresses: rt.config.AIAAS_BACKEND_ALLOWED_ADDRESSES,
    signal: stopping.signal,
    onDelivered: () => delivered.inc(),
    onDropped: (body, err) => {
      dropped.inc()
      rt.log.error(
        { err, event_id: body.id, organization_id: body.organization_id },
        'budget webhook dropped',
      )
    },
    onRetry: (body, attempt, err) =>
      rt.log.warn({ err, event_id: body.id, attempt }, 'budget webhook failed; retrying'),
  })
  const onError = (error: unknown) => {
    // A stop aborts the batch in progress on purpose: it is resent on the next start.
    if (!stopping.signal.aborted) rt.log.error({ err: error }, 'budget webhooks failed; retrying')
  }
  return openAdapter(app, 'budgetWebhooks', () => {
    const subscription = startSubscription(adapters.db, adapters.store, forwarder, { onError })
    const close = async () => {
      stopping.abort()
      await subscription.stop()
    }
    return { subscription, close }
  })
}
