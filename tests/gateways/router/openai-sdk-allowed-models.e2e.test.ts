import OpenAI, { PermissionDeniedError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded } from '../../support/embedded.ts'
import { issueKey, sdkOptions, startMockModel } from '../../support/sdk-platform.ts'

// The official openai SDK against the embedded platform, with a key whose allowed_models lists
// one of two models: the SDK gets its completion for that model and PermissionDeniedError (403
// model_not_allowed) for the other. Both models are the mock model, on TCP, named in AIAAS_MODELS.
let mock: Awaited<ReturnType<typeof startMockModel>>
let platform: Awaited<ReturnType<typeof startEmbedded>>

beforeAll(async () => {
  mock = await startMockModel()
  const backend = { backend_url: mock.url, backend_model: 'echo' }
  const price = { input_usd_per_mtok: 1, output_usd_per_mtok: 2 }
  const models = [
    { name: 'echo', ...backend, ...price },
    { name: 'echo-premium', ...backend, ...price },
  ]
  platform = await startEmbedded(() => ({ AIAAS_MODELS: JSON.stringify(models) }))
})

afterAll(async () => {
  await platform?.stop()
  await mock?.close()
})

describe('the openai SDK and a key limited to one model', () => {
  it('completes with the allowed model and raises PermissionDeniedError (model_not_allowed) for another', async () => {
    const issued = await issueKey(platform, { allowed_models: ['echo'] })
    const client = new OpenAI(sdkOptions(platform, issued.key))

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
