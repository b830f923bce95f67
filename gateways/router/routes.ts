import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { ApiKeyRecord } from '../../projections/api-keys/api-keys.ts'
import { clip } from '../http/clip.ts'
import { useErrorFormat } from '../http/errors/reply.ts'
import { statusRoutes } from '../http/readiness.ts'
import { countInvalidRequest } from './admit.ts'
import { requestSpan } from './call-trace.ts'
import { admitDeps, chatCompletions, inference } from './chat-completions.ts'
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
    /** Set once the request weighed on its limits (admitted or refused), so it counts once. */
    limitsCounted: boolean
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
      request.apiKey = await requestSpan(deps, request, 'aiaas.auth', () => deps.authenticate(request))
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

    // A request refused before its admission (a body that fails validation or does not parse, an
    // unknown or forbidden model) still weighs on the key's and the organization's request limits
    // (admit.ts, countInvalidRequest), so malformed requests are not free; it keeps its own error.
    authed.decorateRequest('limitsCounted', false)
    const countRefused = async (request: FastifyRequest) => {
      if (request.limitsCounted || !request.apiKey) return
      request.limitsCounted = true
      await countInvalidRequest(admitDeps(deps, request), request.apiKey)
    }
    const post = { onError: countRefused }
    for (const url of ['/chat/completions', '/inference']) {
      authed.post(url, { ...post, schema: { body: chatCompletionRequest } }, (request, reply) =>
        chatCompletions(deps, request, reply, keyOf(request), request.body),
      )
    }
    const exchange = (request: FastifyRequest, reply: FastifyReply) => ({
      request,
      reply,
      key: keyOf(request),
    })
    authed.post('/completions', { ...post, schema: { body: completionRequest } }, (request, reply) =>
      inference(deps, exchange(request, reply), completionsEndpoint, request.body),
    )
    authed.post('/embeddings', { ...post, schema: { body: embeddingRequest } }, (request, reply) =>
      inference(deps, exchange(request, reply), embeddingsEndpoint, request.body),
    )
    authed.post('/responses', { ...post, schema: { body: responsesRequest } }, (request, reply) =>
      inference(deps, exchange(request, reply), responsesEndpoint, request.body),
    )
  })
}
