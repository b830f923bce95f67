import { expect } from 'vitest'
import { createMetrics } from '../../gateways/http/metrics.ts'
import { createServer } from '../../gateways/http/server.ts'
import { mockModelRoutes } from '../../gateways/mock-model/routes.ts'
import { freePort } from './ports.ts'

// What the openai SDK tests share: the mock model on TCP as a backend, and keys issued through
// the admin API of a running platform, handed to the SDK as a user would.

interface Platform {
  base: string
  endpoints: { adminToken: string }
}

/** A POST to the admin API as the platform's admin; fails the test unless it creates (201). */
export async function adminPost(
  platform: Platform,
  path: string,
  body: unknown,
): Promise<Record<string, string>> {
  const response = await fetch(`${platform.base}/admin/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.endpoints.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Record<string, string>
}

/** A new organization and an api key in it with `fields`: the issued key (`key`, `signing_secret`). */
export async function issueKey(
  platform: Platform,
  fields: Record<string, unknown>,
): Promise<Record<string, string>> {
  const organization = await adminPost(platform, '/organizations', { name: `Org ${crypto.randomUUID()}` })
  return adminPost(platform, '/api-keys', { organization_id: organization.id, name: 'sdk', ...fields })
}

/** The SDK's options for a key: no retries, so a test sees each error as the router sent it. */
export const sdkOptions = (platform: Platform, apiKey: string | undefined) => ({
  apiKey,
  baseURL: `${platform.base}/v1`,
  maxRetries: 0,
})

/** The echo mock model on a free TCP port, recording what it receives (`received`). */
export async function startMockModel() {
  const mock = createServer({ logLevel: 'silent', metrics: createMetrics('mock-model') })
  const received: Array<{ url: string; body: unknown }> = []
  mock.addHook('preHandler', async (request) => {
    received.push({ url: request.url, body: request.body })
  })
  await mock.register(mockModelRoutes, { prefix: '/v1', now: () => new Date(), newId: () => 'sdk' })
  const port = await freePort()
  await mock.listen({ port, host: '127.0.0.1' })
  return { url: `http://127.0.0.1:${port}/v1`, received, close: () => mock.close() }
}
