import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../../domain/errors.ts'
import { clip } from '../clip.ts'
import { type ErrorCode, errorCatalog } from './catalog.ts'
import { type NormalizedError, normalizeError } from './normalize.ts'

export type ErrorFormat = 'openai' | 'problem'

/** Codes whose answer always says when to try again (others set it where they are raised). */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = {
  READ_MODEL_LAGGING: 1,
  HEALTH_BOARD_UNAVAILABLE: 1,
}

/** The shape a path's errors take when no route scope says: OpenAI's under /v1, else problem+json. */
export const errorFormatFor = (path: string): ErrorFormat =>
  path === '/v1' || path.startsWith('/v1/') || path.startsWith('/v1?') ? 'openai' : 'problem'

/** OpenAI's error body: { error: { message, type, param, code } }. */
function openAiBody(e: NormalizedError) {
  return {
    error: {
      message: e.message,
      type: errorCatalog[e.code].openai_type,
      param: e.param,
      code: e.code.toLowerCase(),
    },
  }
}

/** RFC 9457 problem details, with our stable code as an extension member. */
function problemBody(e: NormalizedError, instance: string) {
  return {
    type: `https://aiaas.dev/errors/${e.code.toLowerCase().replaceAll('_', '-')}`,
    title: errorCatalog[e.code].title,
    status: e.status,
    detail: e.message,
    instance,
    code: e.code,
    ...(e.details ? { errors: e.details } : {}),
  }
}

export function sendError(reply: FastifyReply, request: FastifyRequest, format: ErrorFormat, error: unknown) {
  const normalized = normalizeError(error)
  if (normalized.status >= 500) request.log.error({ err: error }, 'request failed')
  const retryAfter = RETRY_AFTER_SECONDS[normalized.code]
  if (retryAfter !== undefined && !reply.hasHeader('retry-after'))
    reply.header('retry-after', String(retryAfter))
  else request.log.info({ code: normalized.code }, clip(normalized.message))
  if (format === 'openai')
    return reply.code(normalized.status).type('application/json').send(openAiBody(normalized))
  return reply
    .code(normalized.status)
    .type('application/problem+json')
    .send(problemBody(normalized, request.url.split('?')[0] ?? request.url))
}

/** A path the route table knows under other methods is a 405 with `Allow`, else a 404. */
function notFound(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, format: ErrorFormat) {
  const path = request.url.split('?')[0] ?? request.url
  const allowed = app.allowedMethods.of(path)
  const what = `${clip(request.method, 20)} ${clip(path)}`
  if (allowed.length === 0)
    return sendError(reply, request, format, new AppError('NOT_FOUND', `no route ${what}`))
  reply.header('allow', allowed.join(', '))
  const message = `${what} is not allowed; allowed: ${allowed.join(', ')}`
  return sendError(reply, request, format, new AppError('METHOD_NOT_ALLOWED', message))
}

/** One error handler and one not-found handler per scope (a fastify plugin context). */
export function useErrorFormat(app: FastifyInstance, format: ErrorFormat): void {
  app.setErrorHandler((error, request, reply) => sendError(reply, request, format, error))
  app.setNotFoundHandler((request, reply) => notFound(app, request, reply, format))
}
