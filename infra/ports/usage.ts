// One usage event per inference request, published by the router, consumed by analytics ingest.
// At-least-once end to end; ingest deduplicates by id.
export interface UsageEvent {
  /** uuidv7, the dedupe key. */
  id: string
  organization_id: string
  api_key_id: string
  model: string
  /** host:port of the backend that answered, or was tried last. */
  backend: string
  status: 'ok' | 'error'
  /** The status the caller received; its class (2xx, 4xx, 5xx) is a rollup dimension. */
  http_status: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
  /** From the request's arrival to its last byte, ms. */
  latency_ms: number
  /** From the request's arrival to the first byte sent to the caller, ms; absent in older events. */
  ttfb_ms?: number | undefined
  streamed: boolean
  /** The caller went away before the response ended (billed for what was generated). */
  cancelled?: boolean | undefined
  /** `reported` by the backend's usage, or `estimated` by the router (no usage came back). */
  tokens_source?: 'reported' | 'estimated' | undefined
  /** ISO 8601, when the request finished. */
  occurred_at: string
}

/** Per event of a batch, by index: `undefined` once the bus confirmed it, else why it did not. */
export type BatchOutcome = readonly (Error | undefined)[]

export interface UsagePublisher {
  /**
   * Resolves once the bus has durably accepted the event (publisher confirm for RabbitMQ; for the
   * LMDB spool in front of it, that confirm or the event flushed to the spool).
   */
  publish(event: UsageEvent): Promise<void>
  /**
   * Optional: publishes `events` in order, with one wait for all their confirms (one deadline, not
   * one per event); RabbitMQ packs them several to a message, so the events of one pack share its
   * outcome. Never rejects: it resolves to each event's outcome, by index. A decorator (the LMDB
   * spool) uses it when present, else `publish` per event.
   */
  publishBatch?(events: readonly UsageEvent[]): Promise<BatchOutcome>
  /** Stops publishing; the spool first waits for every publish in flight to settle (ADR 0005). */
  close(): Promise<void>
}

/** An event the handler will never accept (e.g. older than raw retention): dead-lettered with why. */
export interface RejectedUsageEvent {
  id: string
  reason: string
}

/** What a batch handler says of its batch: everything not rejected is stored (or was already). */
export interface UsageBatchOutcome {
  rejected: readonly RejectedUsageEvent[]
}

/**
 * Handles a batch of parsed events; resolves once they are durably stored. Throwing means none
 * of the batch was acknowledged: the consumer retries the whole batch (it is idempotent).
 */
export type UsageBatchHandler = (events: readonly UsageEvent[]) => Promise<UsageBatchOutcome>

export interface UsageConsumerBatching {
  /** The most events in one batch. */
  maxEvents: number
  /** The longest a batch waits to fill, from its first event, ms. */
  maxWaitMs: number
  /** Quiet time after which handle gets an empty batch (the idle heartbeat), ms. */
  idleMs: number
}

export interface UsageConsumer {
  /**
   * Delivers events in batches bounded by size and time; a batch is acknowledged only after
   * handle resolves (rejected events are dead-lettered with their reason, then acknowledged), and
   * redelivered or retried when it throws or the process dies first. A body that is not a usage
   * event is dead-lettered with its reason and never reaches handle. One batch is handled at a
   * time. When the consumer is idle (nothing delivered, pending or being handled for `idleMs`,
   * default 1000) it calls handle with an EMPTY batch, at most once per idleMs, so the handler can
   * record that everything delivered so far is stored; the outcome of an empty batch is ignored.
   */
  start(handle: UsageBatchHandler): Promise<void>
  /**
   * Ready messages waiting in the queue (not yet delivered to this or any consumer): on RabbitMQ a
   * message is one event or a pack of up to 64; null when the bus cannot say (e.g. the broker is
   * unreachable).
   */
  depth(): Promise<number | null>
  /** Stops delivering; events delivered but not yet acknowledged go back to the queue. */
  close(): Promise<void>
}
