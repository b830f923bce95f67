import { describe, expect, it } from 'vitest'
import { suspendOrganization } from '../../../commands/organizations/lifecycle.ts'
import { admin, chat, newOrganization, type Platform, startPlatform } from '../admin/api-keys-platform.ts'

// What the router does with a key's lifecycle, on real PostgreSQL through the admin API: models,
// own limits, revocation, rotation grace, expiry and the organization's suspension.

async function issue(
  platform: Platform,
  fields: Record<string, unknown>,
): Promise<{ id: string; key: string }> {
  const response = await admin(platform, 'POST', '/api-keys', { name: 'k', ...fields })
  if (response.status !== 201) throw new Error(`key not issued: ${JSON.stringify(response.body)}`)
  return response.body as { id: string; key: string }
}

/** Waits (polling, bounded) until a request with `key` answers `status`; returns its body. */
async function until(platform: Platform, key: string, status: number, withinMs: number) {
  const deadline = Date.now() + withinMs
  for (;;) {
    const response = await chat(platform, key)
    if (response.status === status || Date.now() > deadline) return response
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('the router and a key’s lifecycle', () => {
  it('serves the models a key allows and refuses others with 403 model_not_allowed (OpenAI shape)', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const { key } = await issue(platform, { organization_id, allowed_models: ['echo'] })
    expect((await chat(platform, key, 'echo')).status).toBe(200)
    const refused = await chat(platform, key, 'echo-2')
    expect(refused).toEqual({
      status: 403,
      body: {
        error: {
          message: 'This API key may not use the model `echo-2`',
          type: 'permission_error',
          param: null,
          code: 'model_not_allowed',
        },
      },
    })
    const models = await platform.app.inject({
      url: '/v1/models',
      headers: { authorization: `Bearer ${key}` },
    })
    expect(models.json().data.map((m: { id: string }) => m.id)).toEqual(['echo'])
    // A key without a list calls every model.
    const open = await issue(platform, { organization_id })
    expect((await chat(platform, open.key, 'echo-2')).status).toBe(200)
  })

  it('counts requests against the key’s own rpm_limit instead of the default', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const { key } = await issue(platform, { organization_id, rpm_limit: 2 })
    expect((await chat(platform, key)).status).toBe(200)
    expect((await chat(platform, key)).status).toBe(200)
    const third = await chat(platform, key)
    expect(third.status).toBe(429)
    expect(third.body).toMatchObject({ error: { code: 'rate_limited' } })
  })

  it('refuses a revoked key with 401 api_key_revoked; a key it had cached, once the change feed saw it', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const unused = await issue(platform, { organization_id })
    const used = await issue(platform, { organization_id })
    expect((await chat(platform, used.key)).status).toBe(200)
    for (const { id } of [unused, used])
      expect((await admin(platform, 'POST', `/api-keys/${id}/revoke`)).status).toBe(200)
    expect(await chat(platform, unused.key)).toMatchObject({
      status: 401,
      body: { error: { code: 'api_key_revoked' } },
    })
    // The feed polls the checkpoint every 250 ms here (no NOTIFY); the bound is generous on
    // purpose: the 1 s p99 is measured by tests/e2e/router-propagation.e2e.test.ts.
    const started = Date.now()
    expect(await until(platform, used.key, 401, 5_000)).toMatchObject({
      body: { error: { code: 'api_key_revoked' } },
    })
    expect(Date.now() - started).toBeLessThanOrEqual(3_000)
  })

  // The old key was used (cached as current) before the rotation: the feed re-reads it (now a
  // replaced secret with its grace end), so it stops at the grace end.
  it('after a rotation, serves the new key and the old one until its grace ends, then refuses the old', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const issued = await issue(platform, { organization_id })
    expect((await chat(platform, issued.key)).status).toBe(200)
    const rotatedAt = Date.now()
    const rotated = await admin(platform, 'POST', `/api-keys/${issued.id}/rotate`, { grace_seconds: 2 })
    const { key, previous_key_valid_until } = rotated.body as {
      key: string
      previous_key_valid_until: string
    }
    expect((await chat(platform, key)).status).toBe(200)
    const before = await chat(platform, issued.key)
    if (Date.now() < Date.parse(previous_key_valid_until)) expect(before.status).toBe(200)
    const after = await until(platform, issued.key, 401, 6_000)
    expect(after).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } })
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(previous_key_valid_until))
    expect(Date.now() - rotatedAt).toBeLessThanOrEqual(5_000)
    expect((await chat(platform, key)).status).toBe(200)
  })

  it('stops a replaced secret at its grace end when this replica had not cached it', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const issued = await issue(platform, { organization_id })
    const rotated = await admin(platform, 'POST', `/api-keys/${issued.id}/rotate`, { grace_seconds: 1 })
    const { previous_key_valid_until } = rotated.body as { previous_key_valid_until: string }
    const during = await chat(platform, issued.key)
    if (Date.now() < Date.parse(previous_key_valid_until)) expect(during.status).toBe(200)
    const after = await until(platform, issued.key, 401, 5_000)
    expect(after).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } })
    const late = Date.now() - Date.parse(previous_key_valid_until)
    expect(late).toBeGreaterThanOrEqual(0)
    expect(late).toBeLessThan(1_000)
  })

  it('refuses an expired key with 401 api_key_expired', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const expires_at = new Date(Date.now() + 1500).toISOString()
    const { key } = await issue(platform, { organization_id, expires_at })
    const first = await chat(platform, key)
    if (Date.now() < Date.parse(expires_at)) expect(first.status).toBe(200)
    const expired = await until(platform, key, 401, 5_000)
    expect(expired).toMatchObject({ status: 401, body: { error: { code: 'api_key_expired' } } })
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expires_at))
  })

  it('refuses every key of a suspended organization with 403 organization_suspended', async () => {
    const platform = await startPlatform()
    const organization_id = await newOrganization(platform)
    const { key } = await issue(platform, { organization_id })
    const context = { actor: 'test', correlation_id: 'test', causation_id: null, source: 'test' }
    const suspended = await suspendOrganization(
      platform.commands,
      { organization_id, reason: 'unpaid' },
      context,
    )
    if (suspended.position !== null) await platform.awaitProjection(suspended.position)
    expect(await chat(platform, key)).toMatchObject({
      status: 403,
      body: { error: { code: 'organization_suspended', type: 'permission_error' } },
    })
  })
})
