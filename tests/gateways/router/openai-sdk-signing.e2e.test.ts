import OpenAI, { AuthenticationError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signingFetch } from '../../../gateways/router/sign-request.ts'
import { startEmbedded } from '../../support/embedded.ts'
import { issueKey, sdkOptions } from '../../support/sdk-platform.ts'

// The official openai SDK against the embedded platform (`echo`, the built-in mock model), with a
// key that requires signed requests: unchanged, the SDK gets AuthenticationError
// (signature_missing); given `fetch: signingFetch(signingSecret)` (the README's recipe), it
// completes, streams and lists models.
let platform: Awaited<ReturnType<typeof startEmbedded>>

beforeAll(async () => {
  platform = await startEmbedded()
})

afterAll(async () => {
  await platform?.stop()
})

describe('the openai SDK and a key that requires signed requests', () => {
  it('is refused unsigned, and completes, streams and lists models through signingFetch', async () => {
    const issued = await issueKey(platform, { name: 'signed sdk', require_signature: true })
    const options = sdkOptions(platform, issued.key)

    const unsigned = new OpenAI(options)
    const refused = await unsigned.chat.completions
      .create({ model: 'echo', messages: [{ role: 'user', content: 'unsigned' }] })
      .then(
        () => null,
        (error: unknown) => error,
      )
    expect(refused).toBeInstanceOf(AuthenticationError)
    expect(refused).toMatchObject({ status: 401, code: 'signature_missing', type: 'authentication_error' })

    const client = new OpenAI({ ...options, fetch: signingFetch(issued.signing_secret ?? '') })
    const completion = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'Hello, signed AIaaS!' }],
    })
    expect(completion.choices[0]?.message.content).toBe('Hello, signed AIaaS!')
    // The same request three times at once (as an SDK retry can be): signingFetch stamps each
    // repeat a second later, so the router takes none of them for a replay of another.
    const same = { model: 'echo', messages: [{ role: 'user' as const, content: 'the same, thrice' }] }
    const repeated = await Promise.all([1, 2, 3].map(() => client.chat.completions.create(same)))
    expect(repeated.map((answer) => answer.choices[0]?.message.content)).toEqual(
      Array(3).fill('the same, thrice'),
    )

    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'streamed and signed' }],
      stream: true,
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text).toBe('streamed and signed')

    const listed = await client.models.list()
    expect(listed.data.map((model) => model.id)).toContain('echo')

    const wrong = new OpenAI({ ...options, fetch: signingFetch('aiaas-sig-not-the-secret') })
    const forged = await wrong.models.list().then(
      () => null,
      (error: unknown) => error,
    )
    expect(forged).toBeInstanceOf(AuthenticationError)
    expect(forged).toMatchObject({ status: 401, code: 'signature_invalid' })
  })
})
