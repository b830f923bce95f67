import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startEmbedded } from '../../support/embedded.ts'
import { freePort } from '../../support/processes.ts'
import { createOrgAndKey, type Endpoints, json } from '../../support/walkthrough.ts'

// Limits shared by more than one key, set through the admin API and enforced by the router of the
// embedded platform: an organization's RPM across all its keys (issuing more keys does not
// multiply it), and a catalogue model's RPM across every organization.

describe('organization and model request limits', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let e: Endpoints

  beforeAll(async () => {
    platform = await startEmbedded(() => ({ AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback' }))
    e = platform.endpoints
  })
  afterAll(async () => {
    await platform?.stop()
  })

  const admin = (method: string, path: string, body: unknown) =>
    fetch(`${e.admin}/admin/v1${path}`, { method, headers: json(e.adminToken), body: JSON.stringify(body) })
  const chat = (key: string, model: string) =>
    fetch(`${e.router}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({ model, max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
    })
  async function issueKey(organization_id: string): Promise<string> {
    const issued = await admin('POST', '/api-keys', { organization_id, name: 'second' })
    expect(issued.status).toBe(201)
    return ((await issued.json()) as { key: string }).key
  }
  /** Sends `count` requests in turn over `keys`; answers the statuses, refused ones checked. */
  async function send(keys: string[], model: string, count: number): Promise<number[]> {
    const statuses: number[] = []
    for (let i = 0; i < count; i++) {
      const response = await chat(keys[i % keys.length] as string, model)
      if (response.status === 429) {
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/)
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('rate_limited')
      } else await response.body?.cancel()
      statuses.push(response.status)
    }
    return statuses
  }

  it("counts every key of an organization against the organization's RPM", async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    const second = await issueKey(organizationId)
    const patched = await admin('PATCH', `/organizations/${organizationId}`, { settings: { rpm_limit: 3 } })
    expect(patched.status).toBe(200)
    const statuses = await send([key, second], 'echo', 8)
    expect(statuses.filter((s) => s === 200)).toHaveLength(3)
    expect(statuses.filter((s) => s === 429)).toHaveLength(5)
    // Another organization is not held back by it.
    const other = await createOrgAndKey(e)
    expect((await chat(other.key, 'echo')).status).toBe(200)
  })

  it("counts every organization against a catalogue model's RPM", async () => {
    // Nothing listens on this port: an admitted request fails at the backend (5xx), a refused one
    // never gets there (429).
    const nowhere = `http://127.0.0.1:${await freePort()}/v1`
    const created = await admin('POST', '/models', {
      name: 'scarce',
      input_price_per_million_usd: '1',
      output_price_per_million_usd: '1',
      max_output_tokens: 64,
      rpm_limit: 2,
      backends: [{ url: nowhere, provider: 'vllm' }],
    })
    expect(created.status).toBe(201)
    const first = await createOrgAndKey(e)
    const second = await createOrgAndKey(e)
    // The router's catalogue follows the change feed: wait until it knows the model (listing
    // models is not limited).
    await vi.waitFor(
      async () => {
        const known = await fetch(`${e.router}/v1/models/scarce`, { headers: json(first.key) })
        expect(known.status).toBe(200)
      },
      { timeout: 10_000, interval: 50 },
    )
    const statuses = await send([first.key, second.key], 'scarce', 6)
    expect(statuses.filter((s) => s === 429)).toHaveLength(4)
    expect(statuses.filter((s) => s >= 500)).toHaveLength(2)
  })
})
