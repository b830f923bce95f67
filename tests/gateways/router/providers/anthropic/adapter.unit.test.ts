import { describe, expect, it } from 'vitest'
import {
  anthropicAdapter,
  type SseEvent,
} from '../../../../../gateways/router/providers/anthropic/adapter.ts'

const backend = {
  upstream_model: 'claude-haiku',
  headers: { Authorization: 'Bearer sk-ant-abc', 'x-extra': '1' },
  max_output_tokens: 2048,
}

/** An upstream event iterator that records whether it was closed. */
function upstream(datas: string[]) {
  const state = { closed: false, read: 0 }
  const iterator: AsyncIterator<SseEvent> = {
    next: async () => {
      const data = datas[state.read++]
      return data === undefined
        ? { done: true, value: undefined }
        : { done: false, value: { raw: `data: ${data}\n\n`, data } }
    },
    return: async () => {
      state.closed = true
      return { done: true, value: undefined }
    },
  }
  return { iterator, state }
}

describe('anthropicAdapter', () => {
  it('sends the catalogue key as x-api-key, drops the bearer header, and the model limit as max_tokens', () => {
    const call = anthropicAdapter.chatRequest(backend, {
      model: 'm',
      messages: [{ role: 'user', content: 'Hi' }],
    })
    expect(call.path).toBe('/messages')
    expect(call.headers).toMatchObject({
      'x-api-key': 'sk-ant-abc',
      'x-extra': '1',
      'anthropic-version': '2023-06-01',
    })
    expect(Object.keys(call.headers).map((h) => h.toLowerCase())).not.toContain('authorization')
    expect(call.body).toMatchObject({ model: 'claude-haiku', max_tokens: 2048 })
  })

  it('stops reading and closes the upstream once the stream failed, relaying nothing after', async () => {
    const { iterator, state } = upstream([
      JSON.stringify({
        type: 'message_start',
        message: { id: 'msg_1', model: 'c', usage: { input_tokens: 1 } },
      }),
      JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'boom sk-ant-abc' } }),
      JSON.stringify({ type: 'message_stop' }),
    ])
    const out: SseEvent[] = []
    for await (const event of anthropicAdapter.chatEvents(backend, iterator)) out.push(event)
    expect(out.map((e) => JSON.parse(e.data))).toEqual([
      { error: { message: 'Model backend error', type: 'api_error', param: null, code: 'backend_error' } },
    ])
    expect(state).toEqual({ closed: true, read: 2 })
  })

  it('closes the upstream when its consumer stops early (the client left)', async () => {
    const { iterator, state } = upstream([
      JSON.stringify({
        type: 'message_start',
        message: { id: 'msg_1', model: 'c', usage: { input_tokens: 1 } },
      }),
      JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi' } }),
      JSON.stringify({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: ' there' },
      }),
    ])
    for await (const event of anthropicAdapter.chatEvents(backend, iterator)) {
      expect(event.data).toContain('assistant')
      break
    }
    expect(state.closed).toBe(true)
  })
})
