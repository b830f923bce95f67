import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../../domain/errors.ts'
import { attemptBackend } from '../../../../gateways/router/routing/attempt.ts'
import { adapterFor, type ProviderAdapter } from '../../../../gateways/router/routing/provider-seam.ts'
import { type MockBackend, startMockBackend } from '../../../support/mock-backend.ts'
import { backendOn } from '../routing-router.ts'

// The provider seam as a provider adapter (gateways/router/providers/) uses it: its request goes
// out as built, its error mapping decides final or retried, its event translation runs before
// the preamble is held.
let mock: MockBackend
afterEach(async () => {
  await mock.close()
})

const openAi = adapterFor(backendOn({ url: 'http://x/v1', name: 'x' }))
const request = (stream = false) => ({
  model: 'm',
  body: { messages: [{ role: 'user', content: 'hi' }], stream },
  stream,
  client: new AbortController().signal,
})
const limits = { limitMs: 10_000, onHeaders: () => {} }

describe('provider seam', () => {
  it("an adapter's request is sent as built: its path, headers and body", async () => {
    mock = await startMockBackend('p')
    const adapter: ProviderAdapter = {
      ...openAi,
      chatRequest: (backend) => ({
        path: '/chat/completions',
        headers: { 'x-api-key': 'k' },
        body: { model: backend.upstream_model, translated: true, messages: [] },
      }),
    }
    const result = await attemptBackend(backendOn(mock), adapter, request(), limits)
    expect('delivered' in result).toBe(true)
    expect(mock.received[0]?.headers['x-api-key']).toBe('k')
    expect(mock.received[0]?.headers.authorization).toBeUndefined()
    expect(mock.received[0]?.body).toEqual({ model: 'upstream-m', translated: true, messages: [] })
  })

  it("chatError decides: a non-retryable error is final, a retryable one is another attempt's chance", async () => {
    mock = await startMockBackend('p')
    mock.always({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'no' } },
    })
    const seen: unknown[] = []
    const adapter = (retryable: boolean): ProviderAdapter => ({
      ...openAi,
      chatError: (_backend, status, json) => {
        seen.push({ status, json })
        return { error: new AppError('BACKEND_REQUEST_REFUSED', 'refused'), retryable }
      },
    })
    const final = await attemptBackend(backendOn(mock), adapter(false), request(), limits)
    expect(final).toMatchObject({ refused: { code: 'BACKEND_REQUEST_REFUSED' } })
    const retried = await attemptBackend(backendOn(mock), adapter(true), request(), limits)
    expect(retried).toMatchObject({ error: { code: 'BACKEND_REQUEST_REFUSED' } })
    expect(seen[0]).toEqual({
      status: 400,
      json: { type: 'error', error: { type: 'invalid_request_error', message: 'no' } },
    })
  })

  it('chatEvents runs before the preamble is held: a translated error before content is a failure', async () => {
    mock = await startMockBackend('p')
    const adapter: ProviderAdapter = {
      ...openAi,
      async *chatEvents() {
        yield {
          raw: 'data: {"error":{"message":"overloaded"}}\n\n',
          data: '{"error":{"message":"overloaded"}}',
        }
      },
    }
    const result = await attemptBackend(backendOn(mock), adapter, request(true), limits)
    expect(result).toMatchObject({ error: { code: 'BACKEND_ERROR' }, verdict: 'failure' })
  })
})
