import type { HealthBoard } from '../../infra/ports/health-board.ts'
import { createSharedHealth } from '../router/health/shared-health.ts'
import type { Runtime } from './runtime.ts'

/** Backends' circuits, shared with the other router replicas through `board` (ADR 0019). */
export function sharedHealth(rt: Runtime, board: HealthBoard) {
  const health = createSharedHealth({
    board,
    registry: rt.metrics.registry,
    onError: (error) =>
      rt.log.warn(
        { err: error },
        'backend health board: a call failed; this replica goes on with its own view',
      ),
  })
  return {
    ...health,
    close: async () => {
      await health.close()
      await board.close()
    },
  }
}
