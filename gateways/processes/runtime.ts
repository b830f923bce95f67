import { pino } from 'pino'
import { v7 as uuidv7 } from 'uuid'
import type { Config } from '../../infra/config/config.ts'
import { createMetrics, type Metrics } from '../http/metrics.ts'
import { createServer, type ZodApp } from '../http/server.ts'

// What every process shares: a logger, a metrics registry, a clock and an id source.
export interface Runtime {
  config: Config
  log: pino.Logger
  metrics: Metrics
  now: () => Date
  newId: () => string
}

export function createRuntime(config: Config, processName: string): Runtime {
  return {
    config,
    log: pino({ level: config.AIAAS_LOG_LEVEL, base: { process: processName } }),
    metrics: createMetrics(processName),
    now: () => new Date(),
    newId: () => uuidv7(),
  }
}

export interface Running {
  /** Where it listens, when it has an HTTP port. */
  url?: string
  /** Lines for the person who started it (the CLI prints them after the URL). */
  notes?: readonly string[]
  stop(): Promise<void>
}

/** /metrics (and a health probe) for processes without an HTTP API of their own. */
async function serveMetricsOnly(runtime: Runtime): Promise<{ url: string; close(): Promise<void> }> {
  const app = createServer({ logLevel: runtime.config.AIAAS_LOG_LEVEL, metrics: runtime.metrics })
  app.get('/healthz', async () => ({ status: 'ok' }))
  const url = await app.listen({ host: runtime.config.AIAAS_HOST, port: runtime.config.AIAAS_METRICS_PORT })
  return { url, close: () => app.close() }
}

type Close = () => Promise<void>

/** Serves one API on `port`; stop() closes the server first, then `closers` in order. */
export async function serveApi(
  rt: Runtime,
  port: number,
  register: (app: ZodApp) => PromiseLike<unknown>,
  closers: readonly Close[],
): Promise<Running> {
  const app = createServer({ logLevel: rt.config.AIAAS_LOG_LEVEL, metrics: rt.metrics })
  await register(app)
  const url = await app.listen({ host: rt.config.AIAAS_HOST, port })
  return {
    url,
    async stop() {
      await app.close()
      for (const close of closers) await close()
    },
  }
}

/** A headless process: /metrics on AIAAS_METRICS_PORT; stop() runs `closers` in order, then closes it. */
export async function runWorker(
  rt: Runtime,
  closers: readonly Close[],
  details: Record<string, unknown>,
): Promise<Running> {
  const metrics = await serveMetricsOnly(rt)
  rt.log.info({ metrics: metrics.url, ...details }, 'running')
  return {
    async stop() {
      for (const close of closers) await close()
      await metrics.close()
    },
  }
}
