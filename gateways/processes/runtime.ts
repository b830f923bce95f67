import { pino } from 'pino'
import type { Config } from '../../infra/config/config.ts'
import { newUuidV7 } from '../../infra/crypto/uuid-v7.ts'
import { activeTracing } from '../../infra/telemetry/active.ts'
import type { Tracing } from '../../infra/telemetry/tracing.ts'
import { logDestination } from '../http/log-destination.ts'
import { createMetrics, type Metrics } from '../http/metrics.ts'
import { createServer, type ZodApp } from '../http/server.ts'

// What every process shares: a logger, a metrics registry, a clock and an id source.
export interface Runtime {
  config: Config
  log: pino.Logger
  metrics: Metrics
  now: () => Date
  newId: () => string
  /** /metrics of this process; set in a clustered router's worker to the whole router's. */
  metricsText?: () => Promise<string>
  /** Spans of this process (gateways/processes/traced.ts); null or unset: tracing is off. */
  tracing?: Tracing | null
}

export function createRuntime(config: Config, processName: string): Runtime {
  return {
    config,
    log: pino({ level: config.AIAAS_LOG_LEVEL, base: { process: processName } }, logDestination()),
    metrics: createMetrics(processName),
    now: () => new Date(),
    newId: newUuidV7,
    tracing: activeTracing(),
  }
}

export interface Running {
  /** Where it listens, when it has an HTTP port. */
  url?: string
  /** Lines for the person who started it (the CLI prints them after the URL). */
  notes?: readonly string[]
  stop(): Promise<void>
}

type Register = (app: ZodApp) => PromiseLike<unknown>

/**
 * Serves one API on `port`: `register` opens its adapters (openAdapter) and routes, then it
 * listens; if either fails, what was opened is closed. stop() stops the server (in-flight
 * requests finish), then closes the adapters in reverse order of opening.
 */
export async function serveApi(
  rt: Runtime,
  port: number,
  register: Register,
): Promise<Running & { url: string }> {
  const app = createServer({
    logLevel: rt.config.AIAAS_LOG_LEVEL,
    metrics: rt.metrics,
    logStream: logDestination(),
    ...(rt.metricsText ? { metricsText: rt.metricsText } : {}),
    tracing: rt.tracing ?? null,
  })
  try {
    await register(app)
    const url = await app.listen({ host: rt.config.AIAAS_HOST, port })
    return { url, stop: () => closeServer(app) }
  } catch (error) {
    await app.close()
    throw error
  }
}

/**
 * Stops the server: in-flight requests finish, then adapters close (a router's usage spool waits
 * for its events, ADR 0005). Node closes the keep-alive connections idle when close starts,
 * but one that finishes its request later stays open until keepAliveTimeout (72 s in fastify), and
 * so would the process: those are closed as they go idle.
 */
async function closeServer(app: ZodApp): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100)
  try {
    await app.close()
  } finally {
    clearInterval(sweep)
  }
}

/**
 * A headless process: `register` opens its adapters on a server that only answers /metrics and
 * /healthz on AIAAS_METRICS_PORT, and returns what the start-up log line says about it.
 */
export async function runWorker(
  rt: Runtime,
  register: (app: ZodApp) => PromiseLike<Record<string, unknown>>,
): Promise<Running> {
  let details: Record<string, unknown> = {}
  const server = await serveApi(rt, rt.config.AIAAS_METRICS_PORT, async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }))
    details = await register(app)
  })
  rt.log.info({ metrics: server.url, ...details }, 'running')
  // No API of its own: its URL is only for /metrics, and the CLI announces API URLs.
  return { stop: server.stop }
}
