// The event store port. Event data and metadata are stored and published as they are typed here
// (snake_case), since auditors and the audit log read them outside this codebase.
export interface EventMetadata {
  actor: string
  correlation_id: string
  causation_id: string | null
  source: string
  /**
   * The client's address and User-Agent (clipped) when an HTTP request caused the event; absent
   * from events of other entry points (tests, seeds) and from events stored before they existed.
   */
  source_ip?: string | null
  user_agent?: string | null
  /** The git commit a reconciler applied (source `git`, docs/tenants-as-code.md); absent elsewhere. */
  commit?: string
}

export interface NewEvent {
  /** uuidv7, chosen by the caller: a retry with the same ids is idempotent. */
  id: string
  type: string
  schema_version: number
  data: Record<string, unknown>
  metadata: EventMetadata
}

export interface RecordedEvent extends NewEvent {
  stream: string
  /** 0-based position of the event inside its stream. */
  stream_version: number
  /**
   * Position in the global log; strictly increasing in commit-visible order for readers, and in
   * stream order within a stream. A bigint: positions pass 2^53 (docs/event-store.md); in JSON it
   * is written as a decimal string.
   */
  global_position: bigint
  recorded_at: Date
}

/** -1 means "the stream must not exist"; 'any' skips the check. */
export type ExpectedVersion = number | 'any'
export const NO_STREAM = -1

export interface AppendResult {
  /** Version of the last event of the stream after the append. */
  stream_version: number
  /** Global positions of the appended events, in order. */
  positions: bigint[]
}

export interface EventStore {
  append(stream: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult>
  readStream(
    stream: string,
    options?: { from?: number; direction?: 'forward' | 'backward'; limit?: number },
  ): Promise<RecordedEvent[]>
  /** Global log, events with global_position > after, never skipping one that commits later. */
  readAll(options: { after: bigint; limit?: number }): Promise<RecordedEvent[]>
}
