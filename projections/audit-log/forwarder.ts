import type { AuditSink } from '../../infra/ports/audit-sink.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { RecordedEvent } from '../../infra/ports/event-store.ts'

export const AUDIT_FORWARDER = 'audit-forwarder'

/**
 * Forwards the event log to the audit sink (Kafka) as a checkpointed subscription: the checkpoint
 * moves only in the transaction that follows a batch the sink confirmed, so a sink that is down
 * holds the checkpoint still and the batch is sent again later. At least once; readers
 * deduplicate by event id (the `aiaas-event-id` header).
 */
export function auditForwarding(sink: AuditSink) {
  return {
    name: AUDIT_FORWARDER,
    async handle(events: readonly RecordedEvent[], _tx: Sql): Promise<void> {
      await sink.publish(events)
    },
  }
}
