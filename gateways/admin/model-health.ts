import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AppError } from '../../domain/errors.ts'
import type { CircuitOpening } from '../../infra/ports/health-board.ts'
import { findModel } from '../../projections/models/model-query.ts'
import type { AdminDeps } from './context.ts'
import { type BackendHealthView, modelHealth } from './model-health-schemas.ts'
import { nameParams } from './model-schemas.ts'

/** A URL's host, or the URL itself if it does not parse (a stored URL always should). */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** One backend as the board shows it: the router keys a backend's circuit by its URL. */
export function backendView(url: string, opening: CircuitOpening | undefined): BackendHealthView {
  const common = { backend_id: url, host: hostOf(url) }
  if (!opening) return { ...common, state: 'closed', cooldown_remaining_ms: null, openings: 0 }
  return {
    ...common,
    state: 'open',
    cooldown_remaining_ms: Math.max(0, Math.round(opening.cooldown_ms)),
    openings: opening.openings,
  }
}

/**
 * /models/{name}/health: each backend's circuit from the health board the routers share (Redis,
 * or the embedded router's own board). Without a board, or Redis down, a 503 with Retry-After.
 */
export const modelHealthRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  app.get(
    '/models/:name/health',
    { schema: { params: nameParams, response: { 200: modelHealth } } },
    async (request) => {
      const { name } = request.params
      const record = await findModel(deps.readModels, name)
      if (!record)
        throw new AppError('MODEL_NOT_FOUND', `The model \`${name}\` does not exist`, { model: name })
      if (!deps.healthBoard)
        throw new AppError('HEALTH_BOARD_UNAVAILABLE', 'this process has no backend health board')
      const openings = await deps.healthBoard.openings()
      return {
        object: 'model_health' as const,
        model: record.name,
        backends: record.backends.map((backend) => backendView(backend.url, openings.get(backend.url))),
      }
    },
  )
}
