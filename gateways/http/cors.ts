import type { FastifyInstance } from 'fastify'

// Cross-origin access to one API for one origin: the web console's, when `aiaas analytics` is
// another origin than `aiaas identity`, which serves the console (AIAAS_CONSOLE_ORIGIN). Any other
// origin gets no CORS header, so a browser keeps its answers from the page that asked.

const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key'

export function allowOrigin(app: FastifyInstance, prefix: string, origin: string): void {
  const allowed = new URL(origin).origin
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith(prefix)) return
    // Vary on every answer of the API: a cache must not serve one origin's answer to another.
    reply.header('vary', 'origin')
    if (request.headers.origin !== allowed) return
    reply.header('access-control-allow-origin', allowed)
    reply.header('access-control-expose-headers', 'content-disposition, retry-after, x-request-id')
  })
  // The preflight of a request with Authorization: answered here, before authentication.
  app.options(`${prefix}/*`, { schema: { hide: true } }, async (request, reply) => {
    if (request.headers.origin !== allowed) return reply.code(403).send()
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send()
  })
}
