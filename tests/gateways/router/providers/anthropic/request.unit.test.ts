import { describe, expect, it } from 'vitest'
import { isAppError } from '../../../../../domain/errors.ts'
import type { ChatCompletionRequest } from '../../../../../gateways/router/chat-schema.ts'
import {
  messagesHeaders,
  toMessagesRequest,
} from '../../../../../gateways/router/providers/anthropic/request.ts'
import { validateMessagesRequest } from '../../../../support/mock-anthropic-validate.ts'

const target = { upstream_model: 'claude-sonnet-4-5', max_output_tokens: 8192 }
const headers = messagesHeaders('sk-ant-test')

/** Translates, and checks the result is a request the Messages API accepts. */
function translate(body: Record<string, unknown>) {
  const request = toMessagesRequest({ model: 'claude', ...body } as ChatCompletionRequest, target)
  expect(validateMessagesRequest(headers, request, 'sk-ant-test')).toBeNull()
  return request
}

function refusal(body: Record<string, unknown>) {
  try {
    toMessagesRequest({ model: 'claude', ...body } as ChatCompletionRequest, target)
  } catch (error) {
    if (isAppError(error)) return { code: error.code, param: error.details?.param, message: error.message }
  }
  throw new Error('not refused')
}

const user = (content: unknown) => ({ role: 'user', content })

describe('toMessagesRequest', () => {
  it('sends every system and developer message, in order, as system; the rest as turns', () => {
    const request = translate({
      messages: [
        { role: 'system', content: 'Be brief.' },
        user('Hi'),
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'assistant', content: 'Bonjour' },
        user('Again'),
      ],
    })
    expect(request.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Answer in French.' },
    ])
    expect(request.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user'])
    expect(request.model).toBe('claude-sonnet-4-5')
  })

  it('merges consecutive messages of one role into one turn, as the API requires', () => {
    const request = translate({ messages: [user('one'), user('two'), { role: 'assistant', content: 'ok' }] })
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ])
  })

  it('sends the model output limit as max_tokens when the request names none, else the one asked', () => {
    expect(translate({ messages: [user('Hi')] }).max_tokens).toBe(8192)
    expect(translate({ messages: [user('Hi')], max_tokens: 100 }).max_tokens).toBe(100)
    expect(translate({ messages: [user('Hi')], max_completion_tokens: 50, max_tokens: 100 }).max_tokens).toBe(
      50,
    )
  })

  it('maps function tools and each tool_choice', () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'Weather now',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
      { type: 'function', function: { name: 'time' } },
    ]
    const base = { messages: [user('Weather?')], tools }
    const request = translate(base)
    expect(request.tools).toEqual([
      { name: 'weather', description: 'Weather now', input_schema: tools[0]?.function.parameters },
      { name: 'time', input_schema: { type: 'object', properties: {} } },
    ])
    expect(request.tool_choice).toBeUndefined()
    expect(translate({ ...base, tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' })
    expect(translate({ ...base, tool_choice: 'required' }).tool_choice).toEqual({ type: 'any' })
    expect(
      translate({ ...base, tool_choice: { type: 'function', function: { name: 'time' } } }).tool_choice,
    ).toEqual({
      type: 'tool',
      name: 'time',
    })
    expect(translate({ ...base, parallel_tool_calls: false }).tool_choice).toEqual({
      type: 'auto',
      disable_parallel_tool_use: true,
    })
  })

  it('turns assistant tool calls into tool_use blocks and tool messages into tool_result blocks first in a user turn', () => {
    const request = translate({
      messages: [
        user('Weather in Paris and Oslo?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '9°C' }] },
        user('Which is warmer?'),
      ],
    })
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Oslo' } },
      ],
    })
    expect(request.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C' }] },
        { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: '9°C' }] },
        { type: 'text', text: 'Which is warmer?' },
      ],
    })
  })

  it('sends a data URL image as a base64 source and an https URL as a url source', () => {
    const request = translate({
      messages: [
        user([
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ]),
      ],
    })
    expect(request.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ])
  })

  it('maps stop, temperature, top_p, stream and user', () => {
    const request = translate({
      messages: [user('Hi')],
      stop: 'END',
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      user: 'u-42',
    })
    expect(request).toMatchObject({
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: 'u-42' },
    })
    expect(translate({ messages: [user('Hi')], stop: ['a', 'b'] }).stop_sequences).toEqual(['a', 'b'])
  })

  it('drops seed, store and metadata, and the default values of fields it cannot honour', () => {
    const request = translate({
      messages: [user('Hi')],
      seed: 7,
      store: false,
      metadata: { a: 'b' },
      n: 1,
      logprobs: false,
      presence_penalty: 0,
      response_format: { type: 'text' },
    })
    expect(Object.keys(request).sort()).toEqual(['max_tokens', 'messages', 'model'])
  })

  it.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ top_logprobs: 3 }, 'top_logprobs'],
    [{ frequency_penalty: 0.5 }, 'frequency_penalty'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
    [
      { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array' } } } },
      'response_format',
    ],
    [
      { response_format: { type: 'json_object' }, tools: [{ type: 'function', function: { name: 'f' } }] },
      'response_format',
    ],
    [{ reasoning_effort: 'high' }, 'reasoning_effort'],
    [{ temperature: 1.5 }, 'temperature'],
  ])('refuses %j with 400 naming %s', (fields, param) => {
    expect(refusal({ messages: [user('Hi')], ...fields })).toMatchObject({ code: 'VALIDATION_FAILED', param })
  })

  it('asks for a JSON response_format with one forced tool whose input schema is the schema', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
    const request = translate({
      messages: [user('Where?')],
      response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } },
    })
    expect(request.tools).toEqual([
      { name: 'aiaas_json_output', description: expect.stringContaining('place'), input_schema: schema },
    ])
    expect(request.tool_choice).toEqual({ type: 'tool', name: 'aiaas_json_output' })
    const object = translate({ messages: [user('Any JSON')], response_format: { type: 'json_object' } })
    expect(object.tools?.[0]?.input_schema).toEqual({ type: 'object' })
  })

  it('refuses what has no Messages API equivalent, naming where it is', () => {
    expect(
      refusal({ messages: [user([{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }])] }),
    ).toMatchObject({
      param: 'messages[0].content[0].type',
    })
    expect(
      refusal({
        messages: [user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA==' } }])],
      }),
    ).toMatchObject({
      param: 'messages[0].content[0].image_url.url',
    })
    expect(refusal({ messages: [{ role: 'function', name: 'f', content: 'x' }] })).toMatchObject({
      param: 'messages[0].role',
    })
    expect(refusal({ messages: [{ role: 'system', content: 'only a system prompt' }] })).toMatchObject({
      param: 'messages',
    })
    expect(
      refusal({
        messages: [
          user('Hi'),
          {
            role: 'assistant',
            tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      }),
    ).toMatchObject({ param: 'messages[1].tool_calls[0].function.arguments' })
    expect(refusal({ messages: [user('Hi')], tools: [{ type: 'web_search' }] })).toMatchObject({
      param: 'tools[0]',
    })
  })
})

describe('messagesHeaders', () => {
  it('sends the key as x-api-key with the API version, never as a bearer token', () => {
    const sent = messagesHeaders('sk-ant-1', { 'x-team': 'a' })
    expect(sent).toMatchObject({ 'x-api-key': 'sk-ant-1', 'anthropic-version': '2023-06-01', 'x-team': 'a' })
    expect(Object.keys(sent).map((k) => k.toLowerCase())).not.toContain('authorization')
  })
})
