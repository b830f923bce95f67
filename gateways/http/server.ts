import Fastify, { type FastifyInstance, LogController } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Tracing } from '../../infra/telemetry/tracing.ts'
import { trackAllowedMethods } from './allowed-methods.ts'
import { clientErrorHandler } from './client-error.ts'
import { errorFormatFor, sendError, useErrorFormat } from './errors/reply.ts'
import { useBoundedJsonParser } from './json-depth.ts'
import type { Metrics } from './metrics.ts'
import { requestForLog, requestId } from './request-log.ts'
import { useServerSpans } from './tracing.ts'

export interface ServerOptions {
  logLevel: string
  metrics: Metrics
  /** Where log lines go (stdout when unset); tests read them to check what is logged. */
  logStream?: { write(line: string): void }
  /** The text of GET /metrics; unset, this process' registry (a clustered router's worker sets it). */
  metricsText?: () => Promise<string>
  /** A server span per request (gateways/http/tracing.ts); unset: tracing is off, no hook. */
  tracing?: Tracing | null
}

export type App = FastifyInstance

/**
 * A fastify instance with zod schemas, request ids (x-request-id in and out), pino JSON logs,
 * problem+json errors by default (scopes such as /v1 override), JSON bodies of bounded depth
 * (any other content type is a 415), 405 with `Allow` for a known path under another method,
 * Node's own client errors (400, 408, 431) in our error shapes, and GET /metrics.
 */
export function createServer(options: ServerOptions) {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      serializers: { req: requestForLog },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    // The id is read by genReqId, which refuses one that does not look like an id.
    requestIdHeader: false,
    genReqId: requestId,
    // One line per request (below), not fastify's two: a log line is a write.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4 * 1024 * 1024,
    // Adapters open as plugins (gateways/processes/adapter.ts). Embedded mode's first start creates
    // its PGlite database (initdb in WebAssembly): 9–10 s measured on a loaded 2-core machine,
    // at fastify's 10 s default; a plugin that never opens still fails, after 2 minutes.
    pluginTimeout: 120_000,
    return503OnClosing: true,
    clientErrorHandler,
    // Errors fastify raises before routing (a path with bad percent-encoding, an over-long path
    // parameter) would otherwise answer in fastify's own shape, quoting the whole path.
    frameworkErrors: (error, request, reply) => sendError(reply, request, errorFormatFor(request.url), error),
  }).withTypeProvider<ZodTypeProvider>()
  trackAllowedMethods(app)
  useBoundedJsonParser(app)
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  useErrorFormat(app, 'problem')

  if (options.tracing) useServerSpans(app, options.tracing)
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
    const route = request.routeOptions.url ?? 'unmatched'
    options.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(options.metrics.registry.contentType)
    return options.metricsText ? options.metricsText() : options.metrics.registry.metrics()
  })
  return app
}

export type ZodApp = ReturnType<typeof createServer>
