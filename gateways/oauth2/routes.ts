import type { IncomingMessage } from 'node:http'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Provider } from 'oidc-provider'

// oidc-provider is a Koa application: mounted here under the plugin's prefix (/oauth2) by handing
// it the raw request with `url` relative to the prefix and `originalUrl` whole, as express and
// @fastify/middie do, so it builds every endpoint URL under the prefix (docs/adr/0015). Bodies
// are left unread: oidc-provider parses its own (form-encoded) bodies.

export interface OAuth2Deps {
  provider: Provider
}

export const oauth2Routes: FastifyPluginAsync<OAuth2Deps> = async (app, { provider }) => {
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
}
