import { z } from 'zod'

// Wire shape of GET /admin/v1/models/{name}/health: each backend's circuit as the router replicas
// share it on the health board (docs/routing.md, Health and failover). Half-open trials and a
// replica's own view are not on the board, so not here.

export const backendHealth = z.object({
  /** The router's key for the backend's circuit: its URL. */
  backend_id: z.string(),
  /** The URL's host, for a glance. */
  host: z.string(),
  /** `open`: the routers send it nothing until its cooldown is over (then one trial request). */
  state: z.enum(['closed', 'open']),
  /** What is left of an open circuit's cooldown; null when closed. */
  cooldown_remaining_ms: z.number().int().nonnegative().nullable(),
  /** Openings in a row (each doubles the cooldown); 0 when closed. */
  openings: z.number().int().nonnegative(),
})

export const modelHealth = z.object({
  object: z.literal('model_health'),
  model: z.string(),
  backends: z.array(backendHealth),
})

export type BackendHealthView = z.infer<typeof backendHealth>
