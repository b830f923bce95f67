import OpenAI, { PermissionDeniedError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { mockModelRoutes } from '../../../gateways/mock-model/routes.ts'
import { startEmbedded } from '../../support/embedded.ts'
import { freePort } from '../../support/ports.ts'

// The official openai SDK against the embedded platform, with a key whose allowed_models lists
// one of two models: the SDK gets its completion for that model and PermissionDeniedError (403
// model_not_allowed) for the other. Both models are the mock model, on TCP, named in AIAAS_MODELS.
const mock = createServer({ logLevel: 'silent', metrics: createMetrics('mock-model') })
let platform: Awaited<ReturnType<typeof startEmbedded>>

beforeAll(async () => {
  await mock.register(mockModelRoutes, { prefix: '/v1', now: () => new Date(), newId: () => 'sdk-test' })
  const mockPort = await freePort()
  await mock.listen({ port: mockPort, host: '127.0.0.1' })
  const backend = { backend_url: `http://127.0.0.1:${mockPort}/v1`, backend_model: 'echo' }
  const price = { input_usd_per_mtok: 1, output_usd_per_mtok: 2 }
  const models = [
    { name: 'echo', ...backend, ...price },
    { name: 'echo-premium', ...backend, ...price },
  ]
  platform = await startEmbedded(() => ({ AIAAS_MODELS: JSON.stringify(models) }))
})

afterAll(async () => {
  await platform?.stop()
  await mock.close()
})

async function adminPost(path: string, body: unknown): Promise<Record<string, string>> {
  const response = await fetch(`${platform.base}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.endpoints.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Record<string, string>
}

describe('the openai SDK and a key limited to one model', () => {
  it('completes with the allowed model and raises PermissionDeniedError (model_not_allowed) for another', async () => {
    const organization = await adminPost('/organizations', { name: 'Acme' })
    const issued = await adminPost('/api-keys', {
      organization_id: organization.id,
      name: 'sdk',
      allowed_models: ['echo'],
    })
    const client = new OpenAI({ apiKey: issued.key, baseURL: `${platform.base}/v1`, maxRetries: 0 })

    const completion = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'Hello, AIaaS!' }],
    })
    expect(completion.choices[0]?.message.content).toBe('Hello, AIaaS!')

    const refused = await client.chat.completions
      .create({ model: 'echo-premium', messages: [{ role: 'user', content: 'Hello' }] })
      .then(
        () => null,
        (error: unknown) => error,
      )
    expect(refused).toBeInstanceOf(PermissionDeniedError)
    expect(refused).toMatchObject({ status: 403, code: 'model_not_allowed', type: 'permission_error' })

    const listed = await client.models.list()
    expect(listed.data.map((model) => model.id)).toEqual(['echo'])
  })
})
