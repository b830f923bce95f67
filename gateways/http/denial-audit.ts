import type { FastifyRequest } from 'fastify'
import {
  ACCESS_DENIED_SCHEMA_VERSION,
  type AccessDeniedData,
  accessDenialStream,
} from '../../domain/authorization/access-denied.ts'
import type { Resource } from '../../domain/authorization/actions.ts'
import type { EventMetadata, NewEvent } from '../../infra/ports/event-store.ts'
import { type DenialBudget, denialBudget } from './denial-budget.ts'

// Every authorization denial becomes an AccessDenied event in the log (docs/events.md), so it is
// forwarded to Kafka with the rest of the audit trail. The refusal never depends on it: an append
// that fails is logged at error level and the caller still gets its 403 or 404.

export interface Denial {
  actor: string
  action: string | null
  resource: Resource | null
  answered: 'forbidden' | 'not_found'
}

/** Records a denial; never throws. */
export type DenialRecorder = (request: FastifyRequest, denial: Denial) => Promise<void>

export interface DenialRecorderDeps {
  /** Appends to a stream whatever its version ('any'): denials never conflict. */
  append: (stream: string, events: readonly NewEvent[]) => Promise<unknown>
  newId: () => string
  now: () => Date
  /** The event's metadata (actor, request id, peer address, User-Agent, source). */
  metadata: (request: FastifyRequest, actor: string) => EventMetadata
  budget?: DenialBudget | undefined
}

export function denialRecorder(deps: DenialRecorderDeps): DenialRecorder {
  const budget = deps.budget ?? denialBudget()
  return async (request, denial) => {
    const now = deps.now()
    const admission = budget.admit(denial.actor, now.getTime())
    if (!admission.record) return
    const data: AccessDeniedData = {
      actor: denial.actor,
      action: denial.action,
      resource_type: denial.resource?.type ?? null,
      resource_organization_id: denial.resource?.organization_id ?? null,
      route: request.routeOptions.url ?? 'unknown',
      method: request.method,
      request_id: request.id,
      answered: denial.answered,
      suppressed_before: admission.suppressed_before,
      denied_at: now.toISOString(),
    }
    const event: NewEvent = {
      id: deps.newId(),
      type: 'AccessDenied',
      schema_version: ACCESS_DENIED_SCHEMA_VERSION,
      data,
      metadata: deps.metadata(request, denial.actor),
    }
    try {
      await deps.append(accessDenialStream(data.denied_at), [event])
    } catch (error) {
      request.log.error({ err: error, denial: data }, 'access denial not recorded in the audit log')
    }
  }
}
