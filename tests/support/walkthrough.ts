import { expect } from 'vitest'
import { eventually } from './processes.ts'

// The README's walk-through as code, for the int and e2e tests that drive the platform from
// TypeScript. The README's own commands run in tests/e2e/readme-walkthrough.e2e.test.ts.
export interface Endpoints {
  admin: string
  router: string
  analytics: string
  adminToken: string
}

export const json = (token: string) => ({
  'content-type': 'application/json',
  authorization: `Bearer ${token}`,
})

export async function createOrgAndKey(e: Endpoints) {
  const org = await fetch(`${e.admin}/admin/v1/organizations`, {
    method: 'POST',
    headers: json(e.adminToken),
    body: JSON.stringify({ name: 'Acme' }),
  })
  expect(org.status).toBe(201)
  const organization = (await org.json()) as { id: string; name: string }
  expect(organization.name).toBe('Acme')

  const keyResponse = await fetch(`${e.admin}/admin/v1/api-keys`, {
    method: 'POST',
    headers: json(e.adminToken),
    body: JSON.stringify({ organization_id: organization.id, name: 'walkthrough' }),
  })
  expect(keyResponse.status).toBe(201)
  const apiKey = (await keyResponse.json()) as { key: string; organization_id: string }
  expect(apiKey.key).toMatch(/^sk-aiaas-/)
  expect(apiKey.organization_id).toBe(organization.id)
  return { organizationId: organization.id, key: apiKey.key }
}

interface UsageBody {
  data: { requests: number; input_tokens: number; output_tokens: number; cost_usd: string }[]
  freshness: { last_event_at: string | null; last_ingested_at: string | null }
}

/**
 * Reads usage for the organization until `requests` reaches the expected count and its freshness
 * shows them ingested: freshness is cached for a second (docs/analytics.md, "Freshness"), so the
 * answer that first counts the requests may still carry the freshness of an earlier poll.
 */
export async function usageOf(e: Endpoints, organizationId: string, requests: number): Promise<UsageBody> {
  const from = new Date(Date.now() - 2 * 3_600_000).toISOString()
  const to = new Date(Date.now() + 3_600_000).toISOString()
  const url = `${e.analytics}/analytics/v1/usage?organization_id=${organizationId}&from=${from}&to=${to}&granularity=hour`
  return eventually(
    async () => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${e.adminToken}` } })
      expect(response.status).toBe(200)
      return (await response.json()) as UsageBody
    },
    (body) =>
      body.data.reduce((n, row) => n + row.requests, 0) >= requests &&
      (requests === 0 || body.freshness.last_ingested_at !== null),
  )
}
