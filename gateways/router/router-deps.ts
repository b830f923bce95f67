import type { Tracing } from '../../infra/telemetry/tracing.ts'
import type { ReadinessCheck } from '../http/readiness.ts'
import type { AdmitDeps } from './admit.ts'
import type { Authenticate } from './key-auth.ts'
import type { ModelCatalog } from './models.ts'
import type { RoutingDeps } from './routing/route.ts'
import type { RequestSigningDeps } from './signature.ts'
import type { UsageRecorderDeps } from './usage-recorder.ts'

/** The spend ledger's side of the router: what admit.ts needs besides the request's own log. */
export type SpendDeps = Pick<
  AdmitDeps,
  | 'ledger'
  | 'seeder'
  | 'knownPosition'
  | 'beyondLog'
  | 'keyRpm'
  | 'leaseMs'
  | 'onFailOpen'
  | 'onSettleOverHold'
> & {
  /** Wakes the change feed and resolves once the caches hold what the read models hold. */
  refresh: () => Promise<void>
}

export interface RouterDeps extends UsageRecorderDeps {
  authenticate: Authenticate
  models: ModelCatalog
  /** Budgets and RPM/TPM limits: one admission per request (admit.ts). */
  spend: SpendDeps
  backendTimeoutMs: number
  /** Strategies, health, attempts and their limits (routing/). */
  routing: RoutingDeps
  readiness: readonly ReadinessCheck[]
  /** Request signing: the secret box, the nonce store, the clock (signature.ts). */
  signing: RequestSigningDeps
  /** The request's spans (call-trace.ts); null or unset: tracing is off. */
  tracing?: Tracing | null
}
