import type { RateLimiter } from '../../infra/ports/rate-limiter.ts'
import type { ReadinessCheck } from '../http/readiness.ts'
import type { BudgetDeps } from './budget.ts'
import type { Authenticate } from './key-auth.ts'
import type { ModelCatalog } from './models.ts'
import type { RoutingDeps } from './routing/route.ts'
import type { RequestSigningDeps } from './signature.ts'
import type { UsageRecorderDeps } from './usage-recorder.ts'

export interface RouterDeps extends UsageRecorderDeps, BudgetDeps {
  authenticate: Authenticate
  models: ModelCatalog
  limiter: RateLimiter
  keyRpm: number
  backendTimeoutMs: number
  /** Strategies, health, attempts and their limits (routing/). */
  routing: RoutingDeps
  readiness: readonly ReadinessCheck[]
  /** Request signing: the secret box, the nonce store, the clock (signature.ts). */
  signing: RequestSigningDeps
}
