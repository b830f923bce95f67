import type { IncomingMessage } from 'node:http'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Provider } from 'oidc-provider'
import { requestedClientId, type TokenRateLimit, tokenRateCheck } from './token-rate-limit.ts'

// oidc-provider is a Koa application: mounted here under the plugin's prefix (/oauth2) by handing
// it the raw request with `url` relative to the prefix and `originalUrl` whole, as express and
// @fastify/middie do, so it builds every endpoint URL under the prefix (docs/adr/0015). Bodies
// are left unread: oidc-provider parses its own (form-encoded) bodies.

export interface OAuth2Deps {
  provider: Provider
  /** The limit on POST /token (token-rate-limit.ts); none in tests that do not need one. */
  tokenRateLimit?: TokenRateLimit
}

// oidc-provider's own limit on a form body: a larger one is refused before it reaches it.
const TOKEN_BODY_LIMIT = 56 * 1024

export const oauth2Routes: FastifyPluginAsync<OAuth2Deps> = async (app, { provider, tokenRateLimit }) => {
  const handle = provider.callback()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))

  const mounted = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack()
    const raw: IncomingMessage & { originalUrl?: string } = request.raw
    const whole = raw.url ?? '/'
    raw.originalUrl = whole
    raw.url = whole.slice(app.prefix.length) || '/'
    await handle(raw, reply.raw)
  }
  app.all('/*', { schema: { hide: true } }, mounted)
  if (tokenRateLimit) {
    const check = tokenRateCheck(tokenRateLimit)
    // The client id may be in the body, so the body is read here and handed to oidc-provider as
    // `req.body`, which it parses as it would have parsed the stream (its documented fallback).
    app.post('/token', { schema: { hide: true } }, async (request, reply) => {
      const body = await readBody(request.raw, TOKEN_BODY_LIMIT)
      if (body === undefined)
        return oauthError(reply, 400, 'invalid_request', 'the request body is too large')
      const decision = await check(requestedClientId(request.headers, body.toString('utf8')), request.ip)
      if (!decision.allowed) {
        reply.header('retry-after', String(decision.retryAfterSeconds))
        const wait = `too many token requests; retry in ${decision.retryAfterSeconds} s`
        return oauthError(reply, 429, 'slow_down', wait)
      }
      Object.assign(request.raw, { body })
      return mounted(request, reply)
    })
  }
}

/** The whole body, or undefined past `limit` bytes. */
async function readBody(stream: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buffer.length
    if (size > limit) return undefined
    chunks.push(buffer)
  }
  return Buffer.concat(chunks, size)
}

/** An error in the token endpoint's own shape (RFC 6749 §5.2), never cached. */
function oauthError(reply: FastifyReply, status: number, error: string, description: string) {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ error, error_description: description })
}
