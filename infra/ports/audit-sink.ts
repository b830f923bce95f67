import type { RecordedEvent } from './event-store.ts'

// Where the audit-forwarder sends the event log (Kafka in production). Fed only by the
// checkpointed subscription, never from a request handler (no dual writes, ARCHITECTURE.md).
export interface AuditSink {
  /**
   * Resolves once the sink has durably accepted every event, in order per stream. Rejects with
   * AppError AUDIT_SINK_UNAVAILABLE (retry later from the same checkpoint) or AUDIT_SINK_REJECTED.
   * A retry may publish an event twice: readers deduplicate by event id.
   */
  publish(events: readonly RecordedEvent[]): Promise<void>
  close(): Promise<void>
}
