import type { HealthBoard } from '../../infra/ports/health-board.ts'
import type { ReadinessCheck } from '../http/readiness.ts'
import type { ZodApp } from '../http/server.ts'
import { startProbing } from '../router/health/probing.ts'
import type { KeyCache } from '../router/key-cache.ts'
import type { RouterReplica } from '../router/replica.ts'
import { routerRoutes } from '../router/routes.ts'
import { openAdapter } from './adapter.ts'
import { sharedHealth } from './router-health.ts'
import type { Runtime } from './runtime.ts'
import { routerDeps } from './wiring.ts'

// The router's /v1 routes as each process serving them mounts them (`aiaas router`, `aiaas dev`):
// on that process's adapters, its replica's key cache, and backend health shared through a board
// (Redis when separate, memory when embedded), which closes with the app.

type Adapters = Omit<Parameters<typeof routerDeps>[1], 'keys' | 'health' | 'feed'>

export async function mountRouter(
  app: ZodApp,
  rt: Runtime,
  adapters: Adapters,
  router: {
    keys: KeyCache
    feed: RouterReplica['feed']
    healthBoard: () => HealthBoard
    readiness: readonly ReadinessCheck[]
  },
): Promise<void> {
  const health = await openAdapter(app, 'health', () => sharedHealth(rt, router.healthBoard()))
  // Probes of the catalogue's probed backends feed that view; closed first (adapters close in reverse).
  const probing = () =>
    startProbing({
      health,
      models: () => adapters.models.list(),
      backendTimeoutMs: rt.config.AIAAS_BACKEND_TIMEOUT_MS,
      onError: (error) => rt.log.warn({ err: error }, 'backend probe: a probe broke; its timer goes on'),
    })
  await openAdapter(app, 'prober', probing, ['health'])
  const deps = routerDeps(rt, { ...adapters, keys: router.keys, feed: router.feed, health }, router.readiness)
  await app.register(routerRoutes, { prefix: '/v1', ...deps })
}
