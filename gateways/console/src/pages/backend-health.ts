import { formatMs } from './figures.ts'

// A model's backends as GET /admin/v1/models/{name}/health shows them: the circuits the routers
// share (docs/routing.md, Health and failover). Pure: tested in
// tests/gateways/console/backend-health.unit.test.ts.

export interface BackendHealth {
  /** The backend's URL: the routers key its circuit by it. */
  backend_id: string
  host: string
  state: 'closed' | 'open'
  cooldown_remaining_ms: number | null
  openings: number
}

export interface ModelHealth {
  model: string
  backends: BackendHealth[]
}

export const healthPath = (model: string) => `/admin/v1/models/${encodeURIComponent(model)}/health`

/** One backend's health by its URL; undefined while unread or when the answer does not name it. */
export function healthOf(health: ModelHealth | null, url: string): BackendHealth | undefined {
  return health?.backends.find((backend) => backend.backend_id === url)
}

/** "closed: serving", "open: skipped for 4.5 s more (2nd opening in a row)", "—" when unknown. */
export function healthText(backend: BackendHealth | undefined): string {
  if (!backend) return '—'
  if (backend.state === 'closed') return 'closed: serving'
  const left = `open: skipped for ${formatMs(backend.cooldown_remaining_ms)} more`
  return backend.openings > 1 ? `${left} (opening ${backend.openings} in a row)` : left
}
