import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { clip } from '../http/clip.ts'
import { useErrorFormat } from '../http/errors/reply.ts'
import { statusRoutes } from '../http/readiness.ts'
import { chatCompletions, enforceRateLimit, inference } from './chat-completions.ts'
import { CHAT_BOUNDS, chatCompletionRequest } from './chat-schema.ts'
import { completionsEndpoint, embeddingsEndpoint } from './completions.ts'
import { completionRequest, embeddingRequest } from './completions-schema.ts'
import { isModelAllowed } from './model-access.ts'
import { responsesEndpoint, responsesRequest } from './responses.ts'
import type { RouterDeps } from './router-deps.ts'
import { useRequestSigning } from './signature.ts'

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null
  }
}

const modelEntry = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number(),
  owned_by: z.string(),
})
const modelList = z.object({ object: z.literal('list'), data: z.array(modelEntry) })
const modelParams = z.object({ id: z.string().min(1).max(CHAT_BOUNDS.name_chars) })

function keyOf(request: { apiKey: ApiKeyRecord | null }): ApiKeyRecord {
  if (!request.apiKey) throw new AppError('UNAUTHENTICATED', 'Incorrect API key provided.')
  return request.apiKey
}

/** The OpenAI-compatible API, mounted at /v1, answering errors in OpenAI's shape. */
export const routerRoutes: FastifyPluginAsyncZod<RouterDeps> = async (app, deps) => {
  useErrorFormat(app, 'openai')
  const created = Math.floor(deps.now().getTime() / 1000)

  statusRoutes(app, deps.readiness)

  await app.register(async (scope) => {
    const authed = scope.withTypeProvider<ZodTypeProvider>()
    // Authentication runs before body validation, so a caller without a valid key learns
    // nothing about the API beyond the 401 (as OpenAI answers).
    authed.decorateRequest('apiKey', null)
    authed.addHook('onRequest', async (request) => {
      request.apiKey = await deps.authenticate(request)
    })
    // Signed requests are checked for every route of this scope, after the key is known.
    useRequestSigning(authed, deps.signing)

    authed.get('/models', { schema: { response: { 200: modelList } } }, async (request) => {
      // A key sees the models it may call, as OpenAI lists a restricted project's models.
      const key = keyOf(request)
      const data = deps.models
        .list()
        .filter((m) => isModelAllowed(key, [m.name]))
        .map((m) => ({ id: m.name, object: 'model' as const, created, owned_by: 'aiaas' }))
      return { object: 'list' as const, data }
    })

    authed.get(
      '/models/:id',
      { schema: { params: modelParams, response: { 200: modelEntry } } },
      async (request) => {
        // A model the key may not use answers as one that does not exist (OpenAI: 404
        // model_not_found), so a key learns nothing of the models it cannot call.
        const key = keyOf(request)
        const model = deps.models.list().find((m) => m.name === request.params.id)
        if (!model || !isModelAllowed(key, [model.name])) {
          const shown = clip(request.params.id)
          throw new AppError('MODEL_NOT_FOUND', `The model \`${shown}\` does not exist`, { param: 'model' })
        }
        return { id: model.name, object: 'model' as const, created, owned_by: 'aiaas' }
      },
    )

    // The key's limit is counted after authentication and before the body is parsed or
    // validated, so requests that fail validation cost the caller as much as any other.
    const limit = async (request: FastifyRequest, reply: FastifyReply) => {
      await enforceRateLimit(deps, reply, keyOf(request))
    }
    for (const url of ['/chat/completions', '/inference']) {
      authed.post(url, { schema: { body: chatCompletionRequest }, onRequest: limit }, (request, reply) =>
        chatCompletions(deps, request, reply, keyOf(request), request.body),
      )
    }
    const exchange = (request: FastifyRequest, reply: FastifyReply) => ({
      request,
      reply,
      key: keyOf(request),
    })
    authed.post('/completions', { schema: { body: completionRequest }, onRequest: limit }, (request, reply) =>
      inference(deps, exchange(request, reply), completionsEndpoint, request.body),
    )
    authed.post('/embeddings', { schema: { body: embeddingRequest }, onRequest: limit }, (request, reply) =>
      inference(deps, exchange(request, reply), embeddingsEndpoint, request.body),
    )
    authed.post('/responses', { schema: { body: responsesRequest }, onRequest: limit }, (request, reply) =>
      inference(deps, exchange(request, reply), responsesEndpoint, request.body),
    )
  })
}
