import fastifySwagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'

// The admin API's OpenAPI 3.1 document, generated from the zod schemas that validate its
// requests (docs/adr/0011): @fastify/swagger collects every route registered after it in this
// scope, jsonSchemaTransform turns their zod schemas into JSON Schema. Served without the admin
// token: it describes the API, it holds no data.

/** Registers the collector; call before any route of the admin API, then serve with openApiRoute. */
export async function collectOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'AIaaS admin API',
        version: '1',
        description: 'Conventions (idempotency, ETags, pagination, errors): docs/admin-api.md',
      },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
      security: [{ adminToken: [] }],
    },
    transform: jsonSchemaTransform,
  })
}

/** GET openapi.json: the document of every route of this scope. */
export function openApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
