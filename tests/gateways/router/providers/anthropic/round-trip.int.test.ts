import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  anthropicAdapter,
  type SseEvent,
} from '../../../../../gateways/router/providers/anthropic/adapter.ts'
import { type MockAnthropic, readSseEvents, startMockAnthropic } from '../../../../support/mock-anthropic.ts'

// The adapter against the mock Messages API over HTTP (undici): OpenAI body out, the mock checks
// it as the real API would, its answer (whole or streamed) back to OpenAI's shape.
const KEY = 'sk-ant-round-trip-0123456789'
let mock: MockAnthropic
const backend = () => ({
  upstream_model: 'claude-sonnet-4-5',
  headers: { authorization: `Bearer ${KEY}`, 'x-team': 'router' },
  max_output_tokens: 4096,
})

async function post(body: Record<string, unknown>, headers: Record<string, string> = backend().headers) {
  const upstream = anthropicAdapter.chatRequest({ ...backend(), headers }, body)
  return request(`${mock.url}${upstream.path}`, {
    method: 'POST',
    headers: upstream.headers,
    body: JSON.stringify(upstream.body),
  })
}

async function complete(body: Record<string, unknown>) {
  const response = await post(body)
  const json: unknown = await response.body.json()
  if (response.statusCode !== 200)
    return { failure: anthropicAdapter.chatError(backend(), response.statusCode, json) }
  return { completion: anthropicAdapter.chatResponse(json) }
}

async function streamed(body: Record<string, unknown>) {
  const response = await post({ ...body, stream: true })
  expect(response.statusCode).toBe(200)
  const events: SseEvent[] = []
  const raw = readSseEvents(response.body)[Symbol.asyncIterator]()
  for await (const event of anthropicAdapter.chatEvents(backend(), raw)) events.push(event)
  return events.map((e) => (e.data === '[DONE]' ? '[DONE]' : JSON.parse(e.data)))
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}
const question = [
  { role: 'system', content: 'You answer with tools.' },
  { role: 'user', content: 'Weather in Paris?' },
]

beforeAll(async () => {
  mock = await startMockAnthropic({ apiKey: KEY })
})
afterAll(() => mock.close())

describe('anthropic adapter ⇄ mock Messages API', () => {
  it('round-trips a tool call and its result, not streamed', async () => {
    mock.script(
      {
        kind: 'message',
        content: [{ type: 'tool_use', id: 'toolu_01', name: 'weather', input: { city: 'Paris' } }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 40, output_tokens: 12 },
      },
      { kind: 'message', content: [{ type: 'text', text: 'It is 18°C in Paris.' }], stop_reason: 'end_turn' },
    )
    const first = await complete({ model: 'claude', messages: question, tools: [weatherTool] })
    const call = first.completion?.choices[0]?.message.tool_calls?.[0]
    expect(first.completion?.choices[0]?.finish_reason).toBe('tool_calls')
    expect(call).toEqual({
      id: 'toolu_01',
      type: 'function',
      function: { name: 'weather', arguments: '{"city":"Paris"}' },
    })
    expect(first.completion?.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 12 })

    const assistant = { role: 'assistant', content: null, tool_calls: [call] }
    const tool = { role: 'tool', tool_call_id: call?.id, content: '{"celsius":18}' }
    const second = await complete({
      model: 'claude',
      messages: [...question, assistant, tool],
      tools: [weatherTool],
    })
    expect(second.failure).toBeUndefined()
    expect(second.completion?.choices[0]?.message.content).toBe('It is 18°C in Paris.')

    const sent = mock.requests.at(-1)
    expect(sent?.headers).toMatchObject({
      'x-api-key': KEY,
      'anthropic-version': '2023-06-01',
      'x-team': 'router',
    })
    expect(sent?.headers.authorization).toBeUndefined()
    expect(sent?.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 4096 })
  })

  it('round-trips a streamed tool call: id and name first, arguments in pieces, usage, [DONE]', async () => {
    mock.script({
      kind: 'message',
      content: [
        { type: 'text', text: 'Checking the weather.' },
        { type: 'tool_use', id: 'toolu_02', name: 'weather', input: { city: 'Reykjavík' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 30, output_tokens: 20, cache_read_input_tokens: 10 },
    })
    const chunks = await streamed({ model: 'claude', messages: question, tools: [weatherTool] })
    expect(chunks.at(-1)).toBe('[DONE]')
    const deltas = chunks.filter((c) => c !== '[DONE]' && c.choices.length > 0).map((c) => c.choices[0])
    expect(deltas[0]?.delta).toEqual({ role: 'assistant', content: '' })
    expect(deltas.map((d) => d.delta.content ?? '').join('')).toBe('Checking the weather.')
    const calls = deltas.flatMap((d) => d.delta.tool_calls ?? [])
    expect(calls[0]).toMatchObject({ index: 0, id: 'toolu_02', function: { name: 'weather' } })
    expect(calls.length).toBeGreaterThan(2)
    expect(
      JSON.parse(calls.map((c: { function: { arguments: string } }) => c.function.arguments).join('')),
    ).toEqual({
      city: 'Reykjavík',
    })
    expect(deltas.at(-1)?.finish_reason).toBe('tool_calls')
    expect(chunks.at(-2).usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 20 })
  })

  it('ends a stream the provider fails mid-way with an in-band error and no [DONE]', async () => {
    mock.script({
      kind: 'message',
      content: [{ type: 'text', text: 'A long answer that will not finish' }],
      stop_reason: 'end_turn',
      error_after: { events: 5, type: 'overloaded_error', message: 'Overloaded' },
    })
    const chunks = await streamed({ model: 'claude', messages: [{ role: 'user', content: 'Go' }] })
    expect(chunks).not.toContain('[DONE]')
    expect(chunks.at(-1)).toEqual({
      error: {
        message: 'Model provider overloaded',
        type: 'api_error',
        param: null,
        code: 'backend_overloaded',
      },
    })
    expect(chunks.some((c) => c !== '[DONE]' && c.choices?.[0]?.delta?.content)).toBe(true)
  })

  it('round-trips a JSON schema response_format, whole and streamed', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
    const body = {
      model: 'claude',
      messages: [{ role: 'user', content: 'Capital of Norway, as JSON' }],
      response_format: { type: 'json_schema', json_schema: { name: 'capital', schema } },
    }
    const answer = {
      kind: 'message' as const,
      content: [
        { type: 'tool_use' as const, id: 'toolu_03', name: 'aiaas_json_output', input: { city: 'Oslo' } },
      ],
      stop_reason: 'tool_use' as const,
    }
    mock.script(answer, answer)
    const whole = await complete(body)
    expect(whole.failure).toBeUndefined()
    expect(JSON.parse(whole.completion?.choices[0]?.message.content ?? '')).toEqual({ city: 'Oslo' })
    expect(mock.requests.at(-1)?.body).toMatchObject({
      tool_choice: { type: 'tool', name: 'aiaas_json_output' },
    })

    const chunks = await streamed(body)
    const content = chunks
      .filter((c) => c !== '[DONE]' && c.choices.length > 0)
      .map((c) => c.choices[0].delta.content ?? '')
      .join('')
    expect(JSON.parse(content)).toEqual({ city: 'Oslo' })
    expect(chunks.at(-1)).toBe('[DONE]')
  })

  it('maps the provider errors, keeping a fixable message and never the key', async () => {
    mock.script({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'prompt is too long: 201000 tokens',
    })
    const tooLong = await complete({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }] })
    expect(tooLong.failure?.error.code).toBe('BACKEND_REQUEST_REFUSED')
    expect(tooLong.failure?.error.message).toContain('prompt is too long: 201000 tokens')

    mock.script({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' })
    const overloaded = await complete({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }] })
    expect(overloaded.failure).toMatchObject({ error: { code: 'BACKEND_OVERLOADED' }, retryable: true })

    const response = await post(
      { model: 'claude', messages: [{ role: 'user', content: 'Hi' }] },
      {
        authorization: 'Bearer sk-ant-wrong-key-999',
      },
    )
    expect(response.statusCode).toBe(401)
    const failure = anthropicAdapter.chatError(
      { ...backend(), headers: { authorization: 'Bearer sk-ant-wrong-key-999' } },
      response.statusCode,
      await response.body.json(),
    )
    expect(failure).toMatchObject({ error: { code: 'BACKEND_ERROR' }, retryable: false })
    expect(failure.error.message).not.toContain('sk-ant-wrong-key-999')
  })
})
