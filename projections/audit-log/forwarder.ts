import type { Forwarder } from '../../infra/event-store/subscription.ts'
import type { AuditSink } from '../../infra/ports/audit-sink.ts'

export const AUDIT_FORWARDER = 'audit-forwarder'

/**
 * Forwards the event log to the audit sink (Kafka) as a checkpointed forwarder: the checkpoint
 * moves only after the sink confirmed a batch, so a sink that is down holds the checkpoint still
 * and the batch is sent again later, without holding a transaction open meanwhile. At least
 * once; readers deduplicate by event id (the `aiaas-event-id` header).
 */
export function auditForwarding(sink: AuditSink): Forwarder {
  return { name: AUDIT_FORWARDER, forward: (events) => sink.publish(events) }
}
