import fastifySwagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import { z } from 'zod'

// The admin API's OpenAPI 3.1 document, generated from the zod schemas that validate its
// requests (docs/adr/0011): @fastify/swagger collects every route registered after it in this
// scope, jsonSchemaTransform turns their zod schemas into JSON Schema. Served without the admin
// token: it describes the API, it holds no data.

/** The one error body of the admin API (gateways/http/errors/reply.ts, docs/errors.md). */
export const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  /** The stable code: docs/errors.md lists every one. */
  code: z.string(),
  /** Details of the error: the offending fields, the current version, … */
  errors: z.record(z.string(), z.unknown()).optional(),
})

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
})

type TransformInput = Parameters<typeof jsonSchemaTransform>[0]

/** Every route may answer an error; the document says so once per route, in the one shape. */
function withProblems(input: TransformInput) {
  const { schema } = input
  if (!schema || schema.hide) return jsonSchemaTransform(input)
  const declared = typeof schema.response === 'object' && schema.response !== null ? schema.response : {}
  const response = {
    ...declared,
    '4XX': problemResponse('Refused: problem+json with a stable code (docs/errors.md)'),
    '5XX': problemResponse('Failed: problem+json; the x-request-id header finds it in the logs'),
  }
  return jsonSchemaTransform({ ...input, schema: { ...schema, response } })
}

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
    transform: withProblems,
  })
}

/** GET openapi.json: the document of every route of this scope. */
export function openApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
