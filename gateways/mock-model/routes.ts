import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { useErrorFormat } from '../http/errors/reply.ts'
import { chatCompletionRequest } from '../router/chat-schema.ts'
import { completionRequest, embeddingRequest } from '../router/completions-schema.ts'
import { responsesRequest } from '../router/responses.ts'
import { echoDeltas, echoReply, echoUsage } from './echo.ts'
import {
  embeddings,
  response,
  responseEvents,
  textCompletion,
  textCompletionEvents,
} from './echo-endpoints.ts'
import { pacedBody, paceOf } from './pace.ts'

export interface MockModelOptions {
  now: () => Date
  newId: () => string
}

/** An OpenAI-compatible backend serving `echo` (mounted at /v1 by `aiaas mock-model`, /mock/v1 in dev). */
export const mockModelRoutes: FastifyPluginAsyncZod<MockModelOptions> = async (app, options) => {
  useErrorFormat(app, 'openai')
  app.get('/models', async () => ({
    object: 'list',
    data: [{ id: 'echo', object: 'model', created: 0, owned_by: 'aiaas-mock' }],
  }))

  app.post('/chat/completions', { schema: { body: chatCompletionRequest } }, async (request, reply) => {
    const body = request.body
    const id = `chatcmpl-${options.newId()}`
    const created = Math.floor(options.now().getTime() / 1000)
    const text = echoReply(body)
    const usage = echoUsage(body, text)
    if (!body.stream) {
      return {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null },
        ],
        usage,
      }
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices, ...extra })}\n\n`
    const events = [
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      ...echoDeltas(text).map((delta) =>
        chunk([{ index: 0, delta: { content: delta }, finish_reason: null }]),
      ),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      ...(body.stream_options?.include_usage ? [chunk([], { usage })] : []),
      'data: [DONE]\n\n',
    ]
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache')
    const pace = paceOf(body)
    if (!pace) return reply.send(events.join(''))
    const gone = new AbortController()
    reply.raw.once('close', () => gone.abort())
    // Event 1 is the first content delta (event 0 is the role chunk).
    return reply.send(pacedBody(events, 1, pace, gone.signal))
  })

  const stamp = () => ({ id: options.newId(), created: Math.floor(options.now().getTime() / 1000) })
  app.post('/completions', { schema: { body: completionRequest } }, async (request, reply) => {
    const { id, created } = stamp()
    if (!request.body.stream) return textCompletion(request.body, `cmpl-${id}`, created)
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache')
    return reply.send(textCompletionEvents(request.body, `cmpl-${id}`, created))
  })
  app.post('/embeddings', { schema: { body: embeddingRequest } }, async (request) => embeddings(request.body))
  app.post('/responses', { schema: { body: responsesRequest } }, async (request, reply) => {
    const { id, created } = stamp()
    if (!request.body.stream) return response(request.body, id, created)
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache')
    return reply.send(responseEvents(request.body, id, created))
  })
}
