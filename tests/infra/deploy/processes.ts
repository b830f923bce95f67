/**
 * Every long-running AIaaS process (`aiaas <name>`, gateways/cli/aiaas.ts) but `dev`: the Compose
 * file and the chart each run all of them. A new process is added here and then to both.
 */
export const PROCESSES = [
  'router',
  'identity',
  'analytics',
  'projector',
  'ingest',
  'audit-forwarder',
  'reconciler',
  'mock-model',
] as const

/** The HTTP APIs and the paths of their liveness and readiness (docs/architecture.md). */
export const API_HEALTH: Record<string, { port: number; live: string; ready: string }> = {
  router: { port: 8080, live: '/v1/status/healthz', ready: '/v1/status/readyz' },
  identity: { port: 8081, live: '/admin/v1/status/healthz', ready: '/admin/v1/status/readyz' },
  analytics: { port: 8082, live: '/analytics/v1/status/healthz', ready: '/analytics/v1/status/readyz' },
}

/** The headless processes answer /healthz and /metrics on AIAAS_METRICS_PORT. */
export const METRICS_PORT = 9464

/** Variables whose values are secrets: never a literal in a deployment file. */
export const SECRET_VARIABLES = [
  'AIAAS_DATABASE_URL',
  'AIAAS_REDIS_URL',
  'AIAAS_AMQP_URL',
  'AIAAS_S3_ACCESS_KEY_ID',
  'AIAAS_S3_SECRET_ACCESS_KEY',
  'AIAAS_ADMIN_TOKEN',
  'AIAAS_KEK',
] as const
