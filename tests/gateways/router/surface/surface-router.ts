import { afterEach } from 'vitest'
import { type MockBackend, startMockBackend } from '../../../support/mock-backend.ts'
import { routingRouter } from '../routing-router.ts'

// The routing router and mock backends of the OpenAI-surface tests, closed after each test.
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

export async function mocks(...names: string[]): Promise<MockBackend[]> {
  const started = await Promise.all(names.map((name) => startMockBackend(name)))
  for (const mock of started) closers.push(() => mock.close())
  return started
}

/** A routing router whose `base` is its /v1 URL. */
export async function surfaceRouter(...args: Parameters<typeof routingRouter>) {
  const started = await routingRouter(...args)
  closers.push(started.close)
  return { ...started, base: started.url.replace(/\/chat\/completions$/, '') }
}

export const post = (url: string, body: object) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
    body: JSON.stringify(body),
  })

/** The data payloads of an SSE body, in order (an event's `event:` line left out). */
export const dataOf = (text: string) =>
  text
    .split('\n\n')
    .map((event) => event.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line) => line !== undefined)
    .map((line) => line.slice(6))
