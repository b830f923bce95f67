import { describe, expect, it } from 'vitest'
import { isAppError } from '../../../../../domain/errors.ts'
import { toChatCompletion } from '../../../../../gateways/router/providers/anthropic/response.ts'

const answer = (fields: Record<string, unknown>) => ({
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Hello' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 3 },
  ...fields,
})

describe('toChatCompletion', () => {
  it('joins text blocks and reports usage as OpenAI does', () => {
    const completion = toChatCompletion(
      answer({
        content: [
          { type: 'text', text: 'Hel' },
          { type: 'thinking', thinking: '…' },
          { type: 'text', text: 'lo' },
        ],
      }),
      { model: 'claude', created: 1_700_000_000 },
    )
    expect(completion).toMatchObject({
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    })
    expect(completion.choices[0]?.message).not.toHaveProperty('tool_calls')
  })

  it('turns tool_use blocks into tool calls with JSON-string arguments', () => {
    const completion = toChatCompletion(
      answer({
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_9', name: 'weather', input: { city: 'Oslo', days: 2 } },
        ],
        stop_reason: 'tool_use',
      }),
      { created: 1 },
    )
    const choice = completion.choices[0]
    expect(choice?.finish_reason).toBe('tool_calls')
    expect(choice?.message.tool_calls).toEqual([
      {
        id: 'toolu_9',
        type: 'function',
        function: { name: 'weather', arguments: '{"city":"Oslo","days":2}' },
      },
    ])
    expect(JSON.parse(choice?.message.tool_calls?.[0]?.function.arguments ?? '')).toEqual({
      city: 'Oslo',
      days: 2,
    })
    expect(completion.model).toBe('claude-sonnet-4-5')
  })

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('maps stop_reason %s to finish_reason %s', (stop_reason, finish) => {
    expect(toChatCompletion(answer({ stop_reason }), { created: 1 }).choices[0]?.finish_reason).toBe(finish)
  })

  it('counts cache writes and reads in prompt_tokens, reads again as cached_tokens', () => {
    const usage = {
      input_tokens: 20,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 3000,
      output_tokens: 7,
    }
    expect(toChatCompletion(answer({ usage }), { created: 1 }).usage).toEqual({
      prompt_tokens: 4020,
      completion_tokens: 7,
      total_tokens: 4027,
      prompt_tokens_details: { cached_tokens: 3000 },
    })
  })

  it('answers a JSON response_format with the forced tool input as content, finish_reason stop', () => {
    const completion = toChatCompletion(
      answer({
        content: [{ type: 'tool_use', id: 'toolu_j', name: 'aiaas_json_output', input: { city: 'Oslo' } }],
        stop_reason: 'tool_use',
      }),
      { created: 1 },
    )
    expect(completion.choices[0]?.message).toMatchObject({ content: '{"city":"Oslo"}' })
    expect(completion.choices[0]?.message).not.toHaveProperty('tool_calls')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
  })

  it('refuses an answer not in the Messages API shape as BACKEND_ERROR', () => {
    let code = ''
    try {
      toChatCompletion({ choices: [] }, { created: 1 })
    } catch (error) {
      if (isAppError(error)) code = error.code
    }
    expect(code).toBe('BACKEND_ERROR')
  })
})
