import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'
import { createOrgAndKey, json } from '../../support/walkthrough.ts'

// Property: whatever JSON or query string arrives, every route answers 2xx or a 4xx in its
// ecosystem's shape, never a 5xx (DEVELOPERS.md: "no input produces a 500").
const ADMIN = TEST_ADMIN_TOKEN
let platform: Awaited<ReturnType<typeof startEmbedded>>
let base: string
let key: string

beforeAll(async () => {
  platform = await startEmbedded(() => ({ AIAAS_DEFAULT_KEY_RPM: '100000' }))
  base = platform.base
  key = (await createOrgAndKey(platform.endpoints)).key
})

afterAll(async () => {
  await platform?.stop()
})

const messages = fc.array(
  fc.record(
    { role: fc.oneof(fc.constantFrom('user', 'system', 'assistant'), fc.string()), content: fc.jsonValue() },
    { requiredKeys: [] },
  ),
)
// Bodies near the valid shape reach deeper code than random JSON alone.
const chatBody = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      model: fc.oneof(fc.constant('echo'), fc.jsonValue()),
      messages,
      stream: fc.oneof(fc.boolean(), fc.jsonValue()),
      max_tokens: fc.jsonValue(),
      temperature: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
)
const adminBody = fc.oneof(
  fc.jsonValue(),
  fc.record(
    { name: fc.jsonValue(), organization_id: fc.oneof(fc.uuid(), fc.jsonValue()) },
    { requiredKeys: [] },
  ),
)

async function status(
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; type: string }> {
  const init =
    body === undefined
      ? { headers: json(token) }
      : { method: 'POST', headers: json(token), body: JSON.stringify(body) }
  const response = await fetch(`${base}${path}`, init)
  await response.arrayBuffer()
  return { status: response.status, type: response.headers.get('content-type') ?? '' }
}

const runs = { numRuns: 60, interruptAfterTimeLimit: 20_000 }

describe('no input produces a 5xx', () => {
  it('POST /v1/chat/completions', async () => {
    await fc.assert(
      fc.asyncProperty(chatBody, async (body) => {
        const r = await status('/v1/chat/completions', key, body)
        expect(r.status).toBeLessThan(500)
      }),
      runs,
    )
  })

  it('POST /admin/v1/organizations and /admin/v1/api-keys (problem+json on 4xx)', async () => {
    await fc.assert(
      fc.asyncProperty(
        adminBody,
        fc.constantFrom('/admin/v1/organizations', '/admin/v1/api-keys'),
        async (body, path) => {
          const r = await status(path, ADMIN, body)
          expect(r.status).toBeLessThan(500)
          if (r.status >= 400) expect(r.type).toContain('application/problem+json')
        },
      ),
      runs,
    )
  })

  it('GET /analytics/v1/usage with any query string', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.uuid(),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    )
    const query = fc.dictionary(fc.constantFrom('organization_id', 'from', 'to', 'granularity', 'x'), value)
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const r = await status(`/analytics/v1/usage?${new URLSearchParams(params)}`, ADMIN)
        expect(r.status).toBeLessThan(500)
      }),
      runs,
    )
  })
})
