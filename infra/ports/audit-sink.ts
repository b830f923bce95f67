// Where the audit-forwarder sends the event log (Kafka in production). Fed only by the
// checkpointed subscription, never from a request handler (no dual writes, ARCHITECTURE.md).

/**
 * One event of the log as the audit topic carries it (docs/audit.md, "Kafka messages"), version 1:
 * the chain's columns as PostgreSQL stores them plus the event's chain hashes (hex), so a reader
 * can recompute the chain from the topic alone. global_position is a decimal string (it passes
 * 2^53); recorded_at is UTC with microseconds, the chain's encoding.
 */
export interface AuditRecord {
  v: 1
  id: string
  global_position: string
  stream: string
  stream_version: number
  type: string
  schema_version: number
  recorded_at: string
  data: unknown
  metadata: unknown
  prev_hash: string
  hash: string
}

export interface AuditSink {
  /**
   * Resolves once the sink has durably accepted every record, in order per stream. Rejects with
   * AppError AUDIT_SINK_UNAVAILABLE (retry later from the same checkpoint) or AUDIT_SINK_REJECTED.
   * A retry may publish a record twice: readers deduplicate by event id.
   */
  publish(records: readonly AuditRecord[]): Promise<void>
  close(): Promise<void>
}
