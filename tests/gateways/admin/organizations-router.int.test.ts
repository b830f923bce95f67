import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbedded } from '../../support/embedded.ts'
import { eventually } from '../../support/processes.ts'
import { createOrgAndKey, type Endpoints, json } from '../../support/walkthrough.ts'

// The organization lifecycle as a caller of /v1 sees it, driven only through the admin API on the
// embedded platform: a suspended or closed organization's keys are refused, a reactivated one's
// work again.
describe('organization suspension at the router', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let e: Endpoints
  beforeAll(async () => {
    platform = await startEmbedded()
    e = platform.endpoints
  })
  afterAll(async () => {
    await platform?.stop()
  })

  const admin = (organizationId: string, action: string, body: unknown = {}) =>
    fetch(`${e.admin}/admin/v1/organizations/${organizationId}/${action}`, {
      method: 'POST',
      headers: json(e.adminToken),
      body: JSON.stringify(body),
    })
  const chat = async (key: string) => {
    const response = await fetch(`${e.router}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] }),
    })
    const body = (await response.json()) as { error?: { code: string } }
    return { status: response.status, code: body.error?.code ?? null }
  }
  const chatUntil = (key: string, status: number) =>
    eventually(
      () => chat(key),
      (r) => r.status === status,
    )

  it('refuses the keys of a suspended organization, serves them again once reactivated', async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    expect((await chat(key)).status).toBe(200)

    expect((await admin(organizationId, 'suspend', { reason: 'unpaid invoice' })).status).toBe(200)
    expect(await chatUntil(key, 403)).toEqual({ status: 403, code: 'organization_suspended' })

    expect((await admin(organizationId, 'reactivate')).status).toBe(200)
    expect((await chatUntil(key, 200)).status).toBe(200)
  })

  it('refuses the keys of a closed organization for good', async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    expect((await admin(organizationId, 'close')).status).toBe(200)
    expect(await chatUntil(key, 403)).toEqual({ status: 403, code: 'organization_suspended' })
    expect((await admin(organizationId, 'reactivate')).status).toBe(409)
    expect((await chat(key)).status).toBe(403)
  })
})
