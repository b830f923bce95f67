import { describe, expect, it } from 'vitest'
import { validateMessagesRequest } from '../../../../support/mock-anthropic-validate.ts'

// The mock refuses what the Messages API refuses; otherwise a round trip through it proves nothing.
const KEY = 'sk-ant-mock'
const headers = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }
const valid = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }
const check = (body: unknown, sent: Record<string, string> = headers) =>
  validateMessagesRequest(sent, body, KEY)

describe('the mock Messages API checks requests as the real one does', () => {
  it('accepts a minimal request', () => {
    expect(check(valid)).toBeNull()
  })

  it('refuses a missing or wrong key (401) and a missing version (400)', () => {
    expect(check(valid, { ...headers, 'x-api-key': 'other' })).toMatchObject({
      status: 401,
      type: 'authentication_error',
    })
    const { 'anthropic-version': _, ...noVersion } = headers
    expect(check(valid, noVersion)).toMatchObject({
      status: 400,
      message: 'anthropic-version: header is required',
    })
    const { 'x-api-key': __, ...noKey } = headers
    expect(check(valid, { ...noKey, authorization: `Bearer ${KEY}` })).toMatchObject({ status: 401 })
  })

  it('requires max_tokens and refuses unknown fields', () => {
    const { max_tokens: _, ...noMax } = valid
    expect(check(noMax)?.message).toBe('max_tokens: Field required')
    expect(check({ ...valid, n: 1 })?.message).toBe('n: Extra inputs are not permitted')
    expect(check({ ...valid, temperature: 1.2 })?.message).toContain('temperature')
  })

  it('refuses two turns of one role in a row, a system role and empty text', () => {
    const two = { ...valid, messages: [valid.messages[0], { role: 'user', content: 'again' }] }
    expect(check(two)?.message).toContain('roles must alternate')
    expect(check({ ...valid, messages: [{ role: 'system', content: 'x' }] })?.message).toContain(
      "'user' or 'assistant'",
    )
    expect(
      check({ ...valid, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] })?.message,
    ).toContain('non-empty')
  })

  it('pairs every tool_use with a tool_result in the next user turn, results first', () => {
    const use = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] }
    const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' })
    const convo = (next: unknown[]) => ({
      ...valid,
      messages: [valid.messages[0], use, { role: 'user', content: next }],
    })
    expect(check(convo([result('toolu_1')]))).toBeNull()
    expect(check(convo([result('toolu_2')]))?.message).toContain('unexpected `tool_use_id`')
    expect(check(convo([{ type: 'text', text: 'no result' }]))?.message).toContain(
      'without `tool_result` blocks',
    )
    expect(check(convo([{ type: 'text', text: 'first' }, result('toolu_1')]))?.message).toContain(
      'must come first',
    )
  })
})
