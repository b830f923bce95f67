import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ChatCompletionRequest } from '../../../gateways/router/chat-schema.ts'
import type { CompletionRequest, EmbeddingRequest } from '../../../gateways/router/completions-schema.ts'
import type { Model } from '../../../gateways/router/models.ts'
import type { ResponsesRequest } from '../../../gateways/router/responses.ts'
import {
  chatWorstCase,
  completionsWorstCase,
  embeddingsWorstCase,
  IMAGE_TOKENS,
  responsesWorstCase,
  TOKENS_PER_MESSAGE,
  worstCaseUsd,
} from '../../../gateways/router/worst-case.ts'

const model: Model = {
  name: 'm',
  backend_url: 'http://backend.test',
  input_usd_per_mtok: 2,
  output_usd_per_mtok: 8,
  max_output_tokens: 16_384,
}

const chat = (fields: Partial<ChatCompletionRequest>): ChatCompletionRequest =>
  ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...fields }) as ChatCompletionRequest

describe('the worst case of a request, per endpoint', () => {
  it('holds the model cap when the caller sets no output limit, times n', () => {
    expect(chatWorstCase(model, chat({})).output).toBe(16_384)
    expect(chatWorstCase(model, chat({ max_tokens: 100, n: 3 })).output).toBe(300)
    expect(chatWorstCase(model, chat({ max_completion_tokens: 50, max_tokens: 100 })).output).toBe(50)
  })

  it('counts every byte of the messages, the tools and the response format, plus the per-message overhead', () => {
    const base = chatWorstCase(model, chat({})).input
    expect(base).toBeGreaterThanOrEqual(2 + TOKENS_PER_MESSAGE)
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }]
    const withTools = chatWorstCase(model, chat({ tools } as Partial<ChatCompletionRequest>)).input
    expect(withTools - base).toBe(Buffer.byteLength(JSON.stringify(tools)))
    const format = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } }
    const withFormat = chatWorstCase(
      model,
      chat({ response_format: format } as Partial<ChatCompletionRequest>),
    ).input
    expect(withFormat - base).toBe(Buffer.byteLength(JSON.stringify(format)))
  })

  it('counts each image at its stated bound', () => {
    const content = [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'https://example.test/cat.png' } },
    ]
    const tokens = chatWorstCase(
      model,
      chat({ messages: [{ role: 'user', content }] } as Partial<ChatCompletionRequest>),
    )
    expect(tokens.input).toBeGreaterThan(IMAGE_TOKENS)
  })

  it('gives completions max(n, best_of) generations per prompt', () => {
    const body = { model: 'm', prompt: ['a', 'bb'], max_tokens: 10, n: 2, best_of: 5 } as CompletionRequest
    expect(completionsWorstCase(model, body)).toEqual({ input: 3, output: 10 * 5 * 2 })
    expect(completionsWorstCase(model, { model: 'm', prompt: 'x' } as CompletionRequest).output).toBe(16_384)
  })

  it('bills embeddings on their input only', () => {
    expect(embeddingsWorstCase(model, { model: 'm', input: ['abc', 'de'] } as EmbeddingRequest)).toEqual({
      input: 5,
      output: 0,
    })
  })

  it('counts the instructions, input items, tools and text format of a response', () => {
    const body = { model: 'm', input: 'hello', instructions: 'be brief' } as ResponsesRequest
    const tokens = responsesWorstCase(model, body)
    expect(tokens.output).toBe(16_384)
    expect(tokens.input).toBeGreaterThanOrEqual(Buffer.byteLength('hellobe brief'))
    const text = { format: { type: 'json_schema', name: 'x', schema: { type: 'object' } } }
    const withText = responsesWorstCase(model, { ...body, text } as ResponsesRequest)
    expect(withText.input - tokens.input).toBe(Buffer.byteLength(JSON.stringify(text)))
  })

  it('prices the tokens at the model rates', () => {
    expect(worstCaseUsd(model, { input: 1_000_000, output: 500_000 })).toBe(2 + 4)
  })
})

const text = fc.string({ maxLength: 200 })
const message = fc.record({ role: fc.constantFrom('user', 'assistant', 'system'), content: text })
const chatBody = fc.record({
  messages: fc.array(message, { minLength: 1, maxLength: 6 }),
  max_tokens: fc.option(fc.integer({ min: 1, max: 16_384 }), { nil: undefined }),
  n: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
})

describe('the chat worst case, on random bodies', () => {
  it('is never below what any tokenizer can bill: at most a token per byte, the output limit per choice', () => {
    fc.assert(
      fc.property(chatBody, (fields) => {
        const tokens = chatWorstCase(model, chat(fields as Partial<ChatCompletionRequest>))
        const bytes = fields.messages.reduce((sum, m) => sum + Buffer.byteLength(m.content), 0)
        expect(tokens.input).toBeGreaterThanOrEqual(bytes + TOKENS_PER_MESSAGE * fields.messages.length)
        expect(tokens.output).toBe((fields.max_tokens ?? model.max_output_tokens) * (fields.n ?? 1))
      }),
    )
  })

  it('grows with every billable field: one more message, more text, a higher limit, more choices', () => {
    fc.assert(
      fc.property(chatBody, message, fc.string({ minLength: 1, maxLength: 20 }), (fields, extra, more) => {
        const body = chat(fields as Partial<ChatCompletionRequest>)
        const usd = worstCaseUsd(model, chatWorstCase(model, body))
        const grown = [
          chat({ ...fields, messages: [...fields.messages, extra] } as Partial<ChatCompletionRequest>),
          chat({
            ...fields,
            messages: fields.messages.map((m, i) => (i === 0 ? { ...m, content: m.content + more } : m)),
          } as Partial<ChatCompletionRequest>),
          chat({ ...fields, max_tokens: (fields.max_tokens ?? model.max_output_tokens) + 1 }),
          chat({ ...fields, n: (fields.n ?? 1) + 1 }),
        ]
        for (const bigger of grown)
          expect(worstCaseUsd(model, chatWorstCase(model, bigger))).toBeGreaterThan(usd)
      }),
    )
  })
})
