import { describe, expect, it } from 'vitest'
import { backendOn, routedModel } from '../routing-router.ts'
import { mocks, surfaceRouter } from './surface-router.ts'

// GET /v1/models/{id}: a key sees a model only if it may call it; any other id is a 404 in
// OpenAI's shape, the same for a model that exists but is barred to the key.

const get = (url: string) => fetch(url, { headers: { authorization: 'Bearer sk' } })

describe('GET /v1/models/{id}', () => {
  it('answers a model the key may use as OpenAI does', async () => {
    const [a] = await mocks('a')
    const r = await surfaceRouter([routedModel([backendOn(a!)])])
    const response = await get(`${r.base}/models/m`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      id: 'm',
      object: 'model',
      created: expect.any(Number),
      owned_by: 'aiaas',
    })
  })

  it('a model the key may not use is indistinguishable from one that does not exist', async () => {
    const [a] = await mocks('a')
    const r = await surfaceRouter([routedModel([backendOn(a!)])], { key: { allowed_models: ['other'] } })
    const barred = await get(`${r.base}/models/m`)
    const missing = await get(`${r.base}/models/nope`)
    expect([barred.status, missing.status]).toEqual([404, 404])
    const barredBody = (await barred.json()) as { error: Record<string, unknown> }
    const missingBody: unknown = await missing.json()
    expect(barredBody).toEqual({
      error: {
        message: 'The model `m` does not exist',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    })
    expect(missingBody).toEqual({
      error: { ...barredBody.error, message: 'The model `nope` does not exist' },
    })
  })
})
