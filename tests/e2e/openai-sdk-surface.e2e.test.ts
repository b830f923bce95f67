import OpenAI, {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded } from '../support/embedded.ts'
import { freePort } from '../support/ports.ts'
import { issueKey, sdkOptions, startMockModel } from '../support/sdk-platform.ts'

// The official openai SDK, unchanged, against the embedded platform in front of the echo mock
// model (on TCP, recording what it received): every endpoint of the surface, streamed and not,
// the fields that must reach the backend as sent, and the SDK's error class for each status.
let mock: Awaited<ReturnType<typeof startMockModel>>
let received: Awaited<ReturnType<typeof startMockModel>>['received']
let platform: Awaited<ReturnType<typeof startEmbedded>>
let client: OpenAI

const keyFor = async (fields: Record<string, unknown>) =>
  new OpenAI(sdkOptions(platform, (await issueKey(platform, fields)).key))

beforeAll(async () => {
  mock = await startMockModel()
  received = mock.received
  const price = { input_usd_per_mtok: 1, output_usd_per_mtok: 2 }
  const models = [
    { name: 'echo', backend_url: mock.url, backend_model: 'echo', ...price },
    { name: 'echo-premium', backend_url: mock.url, backend_model: 'echo', ...price },
    // Nothing listens there: every call fails at the backend.
    { name: 'down', backend_url: `http://127.0.0.1:${await freePort()}/v1`, ...price },
  ]
  platform = await startEmbedded(() => ({ AIAAS_MODELS: JSON.stringify(models) }))
  client = await keyFor({ allowed_models: ['echo', 'down'] })
})

afterAll(async () => {
  await platform?.stop()
  await mock?.close()
})

const lastBody = () => received.at(-1)?.body

describe('the openai SDK on each endpoint', () => {
  it('chat completions, with tools, json_schema, multimodal parts, n, logprobs, seed, stop and user passed through', async () => {
    const fields = {
      tools: [
        {
          type: 'function' as const,
          function: { name: 'f', parameters: { type: 'object', properties: {} } },
        },
      ],
      response_format: {
        type: 'json_schema' as const,
        json_schema: { name: 's', schema: { type: 'object', properties: { a: { type: 'string' } } } },
      },
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      seed: 42,
      stop: ['END'],
      user: 'u-1',
    }
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'Hello' },
          { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ]
    const completion = await client.chat.completions.create({ model: 'echo', messages, ...fields })
    expect(completion.choices[0]?.message.content).toBe('Hello')
    expect(lastBody()).toMatchObject({ model: 'echo', messages, ...fields })

    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      ...fields,
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('one two three')
    // Streamed, the same fields arrive, and the router asked for the usage chunk.
    expect(lastBody()).toMatchObject({ ...fields, stream: true, stream_options: { include_usage: true } })
  })

  it('text completions, streamed and not', async () => {
    const completion = await client.completions.create({
      model: 'echo',
      prompt: 'Say this',
      seed: 7,
      stop: ['x'],
      user: 'u',
    })
    expect(completion.choices[0]?.text).toBe('Say this')
    expect(lastBody()).toMatchObject({ model: 'echo', prompt: 'Say this', seed: 7, stop: ['x'], user: 'u' })
    const stream = await client.completions.create({ model: 'echo', prompt: 'a b c', stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
    expect(text).toBe('a b c')
  })

  it('embeddings: the SDK asks base64 and decodes it; dimensions pass through', async () => {
    const result = await client.embeddings.create({ model: 'echo', input: ['one', 'two'], dimensions: 4 })
    expect(result.data.map((d) => d.embedding.length)).toEqual([4, 4])
    expect(lastBody()).toMatchObject({ input: ['one', 'two'], dimensions: 4, encoding_format: 'base64' })
    expect(result.usage.prompt_tokens).toBeGreaterThan(0)
  })

  it('responses, streamed and not', async () => {
    const result = await client.responses.create({
      model: 'echo',
      input: 'Hi there',
      instructions: 'be brief',
    })
    expect(result.output_text).toBe('Hi there')
    expect(result.usage?.output_tokens).toBeGreaterThan(0)
    expect(received.at(-1)?.url).toBe('/v1/responses')

    const stream = await client.responses.create({ model: 'echo', input: 'one two three', stream: true })
    let text = ''
    const types: string[] = []
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') text += event.delta
    }
    expect(text).toBe('one two three')
    expect(types.at(-1)).toBe('response.completed')
  })

  it('models: list and retrieve what the key may use; NotFoundError for one it may not', async () => {
    const listed = await client.models.list()
    expect(listed.data.map((model) => model.id).sort()).toEqual(['down', 'echo'])
    expect(await client.models.retrieve('echo')).toMatchObject({ id: 'echo', object: 'model' })
    const barred = await client.models.retrieve('echo-premium').catch((error: unknown) => error)
    expect(barred).toBeInstanceOf(NotFoundError)
    expect(barred).toMatchObject({ status: 404, code: 'model_not_found' })
  })
})

describe('the SDK error classes', () => {
  const chat = (c: OpenAI, model = 'echo', extra: Record<string, unknown> = {}) =>
    c.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }], ...extra })
      .catch((e: unknown) => e)

  it('400 BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError', async () => {
    expect(await chat(client, 'echo', { n: 1000 })).toBeInstanceOf(BadRequestError)
    const embedded = await client.embeddings
      .create({ model: 'echo', input: 'x', api_base: 'http://e' } as never)
      .catch((e: unknown) => e)
    expect(embedded).toBeInstanceOf(BadRequestError)
    expect(embedded).toMatchObject({ param: 'api_base' })
    const stranger = new OpenAI(sdkOptions(platform, 'sk-not-a-key'))
    expect(await chat(stranger)).toBeInstanceOf(AuthenticationError)
    expect(await chat(client, 'echo-premium')).toBeInstanceOf(PermissionDeniedError)
  })

  it('429 RateLimitError once the key is over its requests per minute', async () => {
    const limited = await keyFor({ rpm_limit: 1 })
    await limited.completions.create({ model: 'echo', prompt: 'first' })
    const second = await limited.completions
      .create({ model: 'echo', prompt: 'second' })
      .catch((e: unknown) => e)
    expect(second).toBeInstanceOf(RateLimitError)
    expect(second).toMatchObject({ status: 429, code: 'rate_limited' })
  })

  it('5xx InternalServerError (an APIError) when the model backend is down', async () => {
    const failed = await client.embeddings.create({ model: 'down', input: 'x' }).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(InternalServerError)
    expect(failed).toBeInstanceOf(APIError)
    expect(failed).toMatchObject({ status: 502 })
  })
})
