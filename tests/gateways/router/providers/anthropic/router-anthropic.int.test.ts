import OpenAI from 'openai'
import { afterEach, describe, expect, it } from 'vitest'
import { routerModelsOf } from '../../../../../gateways/router/catalogue-models.ts'
import type { RoutedBackend } from '../../../../../gateways/router/models.ts'
import type { SecretBox } from '../../../../../infra/ports/secret-box.ts'
import { type MockAnthropic, startMockAnthropic } from '../../../../support/mock-anthropic.ts'
import { startMockBackend } from '../../../../support/mock-backend.ts'
import { anthropicAt, backendOn, routedModel, routingRouter } from '../../routing-router.ts'

// Through the router (routing, failover, relay, metering) to anthropic backends on the mock
// Messages API: what an OpenAI client sends and sees, and what is billed.
const KEY = 'sk-ant-router-test-key'
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function anthropic(): Promise<MockAnthropic> {
  const mock = await startMockAnthropic({ apiKey: KEY })
  closers.push(() => mock.close())
  return mock
}

const anthropicOn = (mock: MockAnthropic, over: Partial<RoutedBackend> = {}) =>
  anthropicAt(mock.url, KEY, over)

async function router(backends: RoutedBackend[]) {
  const started = await routingRouter([routedModel(backends)])
  closers.push(started.close)
  return started
}

const post = (url: string, body: object) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    body: JSON.stringify({ model: 'm', ...body }),
  })
const dataOf = (text: string) =>
  text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice(6))

const weather = {
  type: 'function',
  function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
}
const ask = [{ role: 'user', content: 'Weather in Paris?' }]

describe('the router in front of anthropic backends', () => {
  it("sends a catalogue model's output limit as max_tokens when the request names none", async () => {
    const mock = await anthropic()
    const noSecrets: SecretBox = {
      seal: () => Promise.reject(new Error('unused')),
      open: () => Promise.reject(new Error('unused')),
    }
    const backend = { url: mock.url, provider: 'anthropic' as const, weight: 1, priority: 0 }
    const models = await routerModelsOf(
      {
        name: 'm',
        aliases: [],
        input_price_per_million_usd: '1',
        output_price_per_million_usd: '1',
        // Below the router's default limit (32,768), which Anthropic refuses for such a model.
        max_output_tokens: 1024,
        strategy: 'priority',
        backends: [
          {
            ...backend,
            timeout_ms: 10_000,
            api_key: null,
            api_key_hint: null,
            headers: { authorization: `Bearer ${KEY}` },
          },
        ],
        created_at: '2026-11-26T10:00:00.000Z',
        updated_at: '2026-11-26T10:00:00.000Z',
        version: 1,
      },
      noSecrets,
    )
    const r = await routingRouter(models)
    closers.push(r.close)
    expect((await post(r.url, { messages: ask })).status).toBe(200)
    expect((await post(r.url, { messages: ask, max_tokens: 100 })).status).toBe(200)
    expect(mock.requests.map((request) => request.body)).toMatchObject([
      { max_tokens: 1024 },
      { max_tokens: 100 },
    ])
  })

  it('answers a tool call as OpenAI does and bills the tokens Anthropic counted', async () => {
    const mock = await anthropic()
    mock.script({
      kind: 'message',
      content: [{ type: 'tool_use', id: 'toolu_r1', name: 'weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 31, output_tokens: 9, cache_read_input_tokens: 100 },
    })
    const r = await router([anthropicOn(mock)])
    const response = await post(r.url, { messages: ask, tools: [weather] })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          finish_reason: 'tool_calls',
          message: {
            tool_calls: [{ id: 'toolu_r1', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
          },
        },
      ],
      usage: { prompt_tokens: 131, completion_tokens: 9 },
    })
    expect(mock.requests[0]?.headers['x-api-key']).toBe(KEY)
    expect(mock.requests[0]?.headers.authorization).toBeUndefined()
    expect(r.events).toHaveLength(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', input_tokens: 131, output_tokens: 9 })
  })

  it('streams OpenAI chunks with usage when asked, ending with [DONE], billed from the stream', async () => {
    const mock = await anthropic()
    mock.script({
      kind: 'message',
      content: [{ type: 'text', text: 'Sunny, 18 degrees.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 14, output_tokens: 6 },
    })
    const r = await router([anthropicOn(mock)])
    const response = await post(r.url, {
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(response.status).toBe(200)
    const data = dataOf(await response.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Sunny, 18 degrees.')
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 14, completion_tokens: 6 } })
    await expect.poll(() => r.events.length).toBe(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', streamed: true, input_tokens: 14, output_tokens: 6 })
  })

  it('a stream whose client asked no usage: no usage chunk reaches it, yet the exact counts are billed', async () => {
    const mock = await anthropic()
    mock.script({
      kind: 'message',
      content: [{ type: 'text', text: 'Short.' }],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 21, output_tokens: 2 },
    })
    const r = await router([anthropicOn(mock)])
    const data = dataOf(await (await post(r.url, { messages: ask, stream: true })).text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true)
    expect(chunks.at(-1).choices[0].finish_reason).toBe('length')
    await expect.poll(() => r.events.length).toBe(1)
    expect(r.events[0]).toMatchObject({ status: 'ok', input_tokens: 21, output_tokens: 2 })
  })

  it('fails over from an overloaded (529) anthropic backend to the next', async () => {
    const [busy, spare] = [await anthropic(), await anthropic()]
    busy.script({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' })
    spare.script({
      kind: 'message',
      content: [{ type: 'text', text: 'from spare' }],
      stop_reason: 'end_turn',
    })
    const r = await router([anthropicOn(busy), anthropicOn(spare, { priority: 1 })])
    const response = await post(r.url, { messages: ask })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ choices: [{ message: { content: 'from spare' } }] })
    expect([busy.requests.length, spare.requests.length]).toEqual([1, 1])
  })

  it('fails over across providers: an overloaded anthropic backend to a vllm one, a failing vllm one to anthropic', async () => {
    const [claude, vllm] = [await anthropic(), await startMockBackend('v')]
    closers.push(() => vllm.close())
    claude.script(
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { kind: 'message', content: [{ type: 'text', text: 'from claude' }], stop_reason: 'end_turn' },
    )
    const first = await router([anthropicOn(claude), backendOn(vllm, { priority: 1 })])
    expect(await (await post(first.url, { messages: ask })).json()).toMatchObject({
      choices: [{ message: { content: 'hello from v' } }],
    })
    vllm.always({ status: 503 })
    const second = await router([backendOn(vllm), anthropicOn(claude, { priority: 1 })])
    expect(await (await post(second.url, { messages: ask })).json()).toMatchObject({
      choices: [{ message: { content: 'from claude' } }],
    })
    expect(claude.requests).toHaveLength(2)
  })

  it('an anthropic backend overloaded on every attempt: 503 backend_overloaded, retryable by the SDKs', async () => {
    const mock = await anthropic()
    const overloaded = {
      kind: 'error' as const,
      status: 529,
      type: 'overloaded_error',
      message: 'Overloaded',
    }
    mock.script(overloaded, overloaded, overloaded)
    const r = await router([anthropicOn(mock)])
    const response = await post(r.url, { messages: ask })
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({ error: { code: 'backend_overloaded', type: 'api_error' } })
    expect(mock.requests.length).toBeGreaterThan(1)
  })

  it('a stream whose provider fails before any content fails over: the client sees one clean stream', async () => {
    const [flaky, spare] = [await anthropic(), await anthropic()]
    flaky.script({
      kind: 'message',
      content: [{ type: 'text', text: 'never sent' }],
      stop_reason: 'end_turn',
      error_after: { events: 2, type: 'overloaded_error', message: 'Overloaded' },
    })
    spare.script({
      kind: 'message',
      content: [{ type: 'text', text: 'from spare' }],
      stop_reason: 'end_turn',
    })
    const r = await router([anthropicOn(flaky), anthropicOn(spare, { priority: 1 })])
    const data = dataOf(await (await post(r.url, { messages: ask, stream: true })).text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    expect(chunks.filter((c) => c.choices[0]?.delta?.role === 'assistant')).toHaveLength(1)
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('from spare')
    expect([flaky.requests.length, spare.requests.length]).toEqual([1, 1])
  })

  it('answers a request the provider refuses with 400 and its message, without trying another backend', async () => {
    const [first, second] = [await anthropic(), await anthropic()]
    first.script({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'prompt is too long: 250000 tokens',
    })
    const r = await router([anthropicOn(first), anthropicOn(second, { priority: 1 })])
    const response = await post(r.url, { messages: ask })
    expect(response.status).toBe(400)
    const body = (await response.json()) as { error: { message: string } }
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'backend_request_refused' })
    expect(body.error.message).toContain('prompt is too long: 250000 tokens')
    expect(second.requests).toHaveLength(0)
  })

  it('refuses an OpenAI field the provider cannot honour with 400 naming it, calling no backend', async () => {
    const mock = await anthropic()
    const r = await router([anthropicOn(mock)])
    const response = await post(r.url, { messages: ask, n: 3 })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({
      param: 'n',
      code: 'validation_failed',
    })
    expect(mock.requests).toHaveLength(0)
    expect(await r.ledger()).toMatchObject({ reserved_nanos: 0 })
  })

  it('ends a stream the provider fails after content with an in-band error and no [DONE]', async () => {
    const mock = await anthropic()
    mock.script({
      kind: 'message',
      content: [{ type: 'text', text: 'This answer will be cut short' }],
      stop_reason: 'end_turn',
      error_after: { events: 6, type: 'overloaded_error', message: 'Overloaded' },
    })
    const r = await router([anthropicOn(mock)])
    const response = await post(r.url, { messages: ask, stream: true })
    const data = dataOf(await response.text())
    expect(data).not.toContain('[DONE]')
    // The router's relay ends it with its own in-band error, never the provider's words.
    expect(JSON.parse(data.at(-1) ?? '{}')).toMatchObject({
      error: { code: 'backend_error', type: 'api_error' },
    })
    await expect.poll(() => r.events.length).toBe(1)
    expect(r.events[0]).toMatchObject({ status: 'error', streamed: true })
  })

  it('works with the openai SDK unchanged: tools, a streamed answer, and its BadRequestError', async () => {
    const mock = await anthropic()
    mock.script(
      {
        kind: 'message',
        content: [{ type: 'tool_use', id: 'toolu_sdk', name: 'weather', input: { city: 'Lima' } }],
        stop_reason: 'tool_use',
      },
      { kind: 'message', content: [{ type: 'text', text: 'Cloudy in Lima.' }], stop_reason: 'end_turn' },
      { kind: 'error', status: 400, type: 'invalid_request_error', message: 'messages: too many images' },
    )
    const r = await router([anthropicOn(mock)])
    const client = new OpenAI({
      apiKey: 'sk',
      baseURL: r.url.replace('/chat/completions', ''),
      maxRetries: 0,
    })
    const tools = [
      { type: 'function' as const, function: { name: 'weather', parameters: weather.function.parameters } },
    ]
    const first = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'Lima?' }],
      tools,
    })
    const call = first.choices[0]?.message.tool_calls?.[0]
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Lima' })

    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [
        { role: 'user', content: 'Lima?' },
        { role: 'assistant', content: null, tool_calls: first.choices[0]?.message.tool_calls ?? [] },
        { role: 'tool', tool_call_id: call?.id ?? '', content: 'cloudy' },
      ],
      tools,
      stream: true,
    })
    let text = ''
    for await (const part of stream) text += part.choices[0]?.delta.content ?? ''
    expect(text).toBe('Cloudy in Lima.')

    const refused = client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError)
    await expect(refused).rejects.toMatchObject({ code: 'backend_request_refused' })
  })
})
