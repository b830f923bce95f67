import type { Forwarder } from '../../infra/event-store/subscription.ts'
import type { AuditSink } from '../../infra/ports/audit-sink.ts'
import type { Sql } from '../../infra/ports/database.ts'
import { chainedRecords } from './chained-records.ts'

export const AUDIT_FORWARDER = 'audit-forwarder'

/**
 * Forwards the event log to the audit sink (Kafka) as a checkpointed forwarder: the checkpoint
 * moves only after the sink confirmed a batch, so a sink that is down holds the checkpoint still
 * and the batch is sent again later, without holding a transaction open meanwhile. At least
 * once; readers deduplicate by event id (the `aiaas-event-id` header). Run it on chainedLog():
 * each record carries its chain hashes.
 */
export function auditForwarding(db: Sql, sink: AuditSink): Forwarder {
  return {
    name: AUDIT_FORWARDER,
    async forward(events) {
      const records = await chainedRecords(db, events[0]!.global_position, events.at(-1)!.global_position)
      // Fewer records than events: chain rows are missing (a chain rebuild in progress). Sending
      // the rest would skip events for good once the checkpoint moves; fail and retry instead.
      if (records.length !== events.length) {
        throw new Error(`${events.length - records.length} events of the batch are not chained yet`)
      }
      await sink.publish(records)
    },
  }
}
