import { describe, expect, it } from 'vitest'
import { hashKeySecret, keyFormat } from '../../../domain/api-keys/key-secret.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import {
  ADMIN_TOKEN,
  admin,
  newMember,
  newOrganization,
  startPlatform as startOn,
} from './api-keys-platform.ts'

// /admin/v1/api-keys: issue, list, read, revoke, rotate, and their refusals; run on PostgreSQL
// (api-keys.int.test.ts) and on PGlite (api-keys.unit.test.ts).
export function apiKeyRouteSuite(makeDb: MakeDatabase) {
  const startPlatform = () => startOn(makeDb, { backend: false })
  const future = '2031-05-01T12:00:00+02:00'

  describe('POST /admin/v1/api-keys', () => {
    it('issues a key with its models, limits, expiry, owner and signature flag; the secret is shown once', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const owner = await newMember(platform, organization_id)
      const input = {
        organization_id,
        name: 'ci',
        allowed_models: ['echo'],
        rpm_limit: 30,
        tpm_limit: 5000,
        expires_at: future,
        owner_user_id: owner,
        require_signature: true,
      }
      const issued = await admin(platform, 'POST', '/api-keys', input)
      expect(issued.status).toBe(201)
      const body = issued.body as { id: string; key: string; key_prefix: string }
      expect(keyFormat(body.key)).toBe('current')
      expect(body.key.startsWith(`${body.key_prefix}_`)).toBe(true)
      expect(issued.headers.location).toBe(`/admin/v1/api-keys/${body.id}`)
      expect(issued.body).toMatchObject({
        ...input,
        expires_at: '2031-05-01T10:00:00.000Z',
        object: 'api_key',
        status: 'active',
      })

      // A key that requires signatures comes with its signing secret, shown here only.
      const signing_secret = (issued.body as { signing_secret: string }).signing_secret
      expect(signing_secret).toMatch(/^aiaas-sig-[A-Za-z0-9_-]{43}$/)

      const read = await admin(platform, 'GET', `/api-keys/${body.id}`)
      expect(read.status).toBe(200)
      // Two events: ApiKeyIssued, then ApiKeySigningSecretSet.
      expect(read.headers.etag).toBe('"1"')
      expect((read.body as { signing_secret_set_at: string | null }).signing_secret_set_at).not.toBeNull()
      expect(read.body).toMatchObject({
        id: body.id,
        allowed_models: ['echo'],
        rpm_limit: 30,
        revoked_at: null,
      })
      expect(read.body).not.toHaveProperty('key')
      const text = JSON.stringify(read.body)
      expect(text).not.toContain(body.key)
      expect(text).not.toContain(hashKeySecret(body.key))
      expect(text).not.toContain(signing_secret)
    })

    it('still issues a key from the body of before (organization and name only), with no limits of its own', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const issued = await admin(platform, 'POST', '/api-keys', { organization_id, name: 'walkthrough' })
      expect(issued.status).toBe(201)
      expect(issued.body).toMatchObject({
        allowed_models: null,
        rpm_limit: null,
        tpm_limit: null,
        expires_at: null,
        owner_user_id: null,
        require_signature: false,
        signing_secret: null,
      })
    })

    it('names the field it refuses, and refuses an expiry in the past or an unknown organization', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const bad = async (fields: Record<string, unknown>) =>
        admin(platform, 'POST', '/api-keys', { organization_id, name: 'k', ...fields })
      for (const [field, value] of [
        ['rpm_limit', 0],
        ['tpm_limit', 1.5],
        ['allowed_models', 'echo'],
        ['expires_at', 'tomorrow'],
        ['owner_user_id', 'bob'],
        ['require_signature', 'yes'],
      ] as const) {
        const response = await bad({ [field]: value })
        expect(response.status, field).toBe(400)
        expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' })
        expect(JSON.stringify(response.body), field).toContain(field)
      }
      const past = await bad({ expires_at: '2020-01-01T00:00:00Z' })
      expect(past).toMatchObject({ status: 422, body: { code: 'API_KEY_EXPIRY_IN_PAST' } })
      const unknown = await admin(platform, 'POST', '/api-keys', {
        organization_id: '0190a8e2-0000-7000-8000-000000000404',
        name: 'k',
      })
      expect(unknown).toMatchObject({ status: 404, body: { code: 'ORG_NOT_FOUND' } })
    })
    it('refuses an owner who does not exist or is not a member of the organization', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const unknown = await admin(platform, 'POST', '/api-keys', {
        organization_id,
        name: 'k',
        owner_user_id: '0190a8e2-0000-7000-8000-000000000404',
      })
      expect(unknown).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } })
      const elsewhere = await newMember(platform, await newOrganization(platform))
      const outsider = await admin(platform, 'POST', '/api-keys', {
        organization_id,
        name: 'k',
        owner_user_id: elsewhere,
      })
      expect(outsider).toMatchObject({ status: 422, body: { code: 'API_KEY_OWNER_NOT_MEMBER' } })
    })
  })

  describe('GET /admin/v1/api-keys', () => {
    it('lists an organization’s keys in issue order, a page at a time, never another organization’s', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const other = await newOrganization(platform)
      const ids: string[] = []
      for (const name of ['a', 'b', 'c']) {
        ids.push((await admin(platform, 'POST', '/api-keys', { organization_id, name })).body.id)
      }
      await admin(platform, 'POST', '/api-keys', { organization_id: other, name: 'x' })

      const first = await admin(platform, 'GET', `/api-keys?organization_id=${organization_id}&limit=2`)
      expect(first.status).toBe(200)
      const page = first.body as { data: { id: string; key?: string }[]; next_cursor: string | null }
      expect(page.data.map((k) => k.id)).toEqual(ids.slice(0, 2))
      expect(page.data.every((k) => k.key === undefined)).toBe(true)
      expect(page.next_cursor).not.toBeNull()
      // Issued while the client pages: it comes after the cursor, on a later page, once.
      ids.push((await admin(platform, 'POST', '/api-keys', { organization_id, name: 'd' })).body.id)
      const second = await admin(
        platform,
        'GET',
        `/api-keys?organization_id=${organization_id}&limit=2&cursor=${page.next_cursor}`,
      )
      expect(second.body).toMatchObject({ next_cursor: null })
      expect((second.body as typeof page).data.map((k) => k.id)).toEqual(ids.slice(2))

      await admin(platform, 'POST', `/api-keys/${ids[1]}/revoke`)
      const revoked = await admin(
        platform,
        'GET',
        `/api-keys?organization_id=${organization_id}&status=revoked`,
      )
      expect((revoked.body as typeof page).data.map((k) => k.id)).toEqual([ids[1]])
      const active = await admin(
        platform,
        'GET',
        `/api-keys?organization_id=${organization_id}&status=active`,
      )
      expect((active.body as typeof page).data.map((k) => k.id)).toEqual([ids[0], ids[2], ids[3]])

      const forged = await admin(
        platform,
        'GET',
        `/api-keys?organization_id=${organization_id}&cursor=${ids[0]}`,
      )
      expect(forged).toMatchObject({ status: 400, body: { code: 'INVALID_CURSOR' } })
      const missing = await admin(platform, 'GET', '/api-keys')
      expect(missing.status).toBe(400)
      expect(JSON.stringify(missing.body)).toContain('organization_id')
    })

    it('answers 404 API_KEY_NOT_FOUND for a key that does not exist', async () => {
      const platform = await startPlatform()
      const response = await admin(platform, 'GET', '/api-keys/0190a8e2-0000-7000-8000-000000000404')
      expect(response).toMatchObject({ status: 404, body: { code: 'API_KEY_NOT_FOUND' } })
    })
  })

  describe('POST /admin/v1/api-keys/{id}/revoke and /rotate', () => {
    it('revokes a key once: a second revocation is 409 API_KEY_ALREADY_REVOKED', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const { id } = (await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k' })).body
      const revoked = await admin(platform, 'POST', `/api-keys/${id}/revoke`)
      expect(revoked.status).toBe(200)
      expect(revoked.headers.etag).toBe('"1"')
      expect(revoked.body).toMatchObject({ id, status: 'revoked' })
      expect((revoked.body as { revoked_at: string | null }).revoked_at).not.toBeNull()
      const again = await admin(platform, 'POST', `/api-keys/${id}/revoke`)
      expect(again).toMatchObject({ status: 409, body: { code: 'API_KEY_ALREADY_REVOKED' } })
      const rotate = await admin(platform, 'POST', `/api-keys/${id}/rotate`, { grace_seconds: 0 })
      expect(rotate).toMatchObject({ status: 409, body: { code: 'API_KEY_ALREADY_REVOKED' } })
      const unknown = await admin(platform, 'POST', '/api-keys/0190a8e2-0000-7000-8000-000000000404/revoke')
      expect(unknown).toMatchObject({ status: 404, body: { code: 'API_KEY_NOT_FOUND' } })
    })

    it('rotates a key: 201 with a new key, the same id, and when the old secret stops', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const issued = (await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k' })).body
      const rotated = await admin(platform, 'POST', `/api-keys/${issued.id}/rotate`, { grace_seconds: 3600 })
      expect(rotated.status).toBe(201)
      expect(rotated.headers.location).toBe(`/admin/v1/api-keys/${issued.id}`)
      const body = rotated.body as {
        key: string
        key_prefix: string
        previous_key_valid_until: string
        rotated_at: string
      }
      expect(rotated.body).toMatchObject({ id: issued.id, organization_id })
      expect(keyFormat(body.key)).toBe('current')
      expect(body.key).not.toBe(issued.key)
      expect(Date.parse(body.previous_key_valid_until) - Date.parse(body.rotated_at)).toBe(3_600_000)
      const read = await admin(platform, 'GET', `/api-keys/${issued.id}`)
      expect(read.body).toMatchObject({ key_prefix: body.key_prefix, rotated_at: body.rotated_at })
      expect(read.headers.etag).toBe('"1"')
    })

    it('rotates the signing secret: a new one shown once, the first for a key issued without', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const issued = (await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k' })).body
      const first = await admin(platform, 'POST', `/api-keys/${issued.id}/rotate-signing-secret`)
      expect(first.status).toBe(200)
      expect(first.body).toMatchObject({ id: issued.id, object: 'api_key', organization_id })
      const secret = (first.body as { signing_secret: string }).signing_secret
      expect(secret).toMatch(/^aiaas-sig-/)
      const second = await admin(platform, 'POST', `/api-keys/${issued.id}/rotate-signing-secret`)
      expect((second.body as { signing_secret: string }).signing_secret).not.toBe(secret)
      const read = await admin(platform, 'GET', `/api-keys/${issued.id}`)
      expect(read.headers.etag).toBe('"2"')
      expect(read.body).toMatchObject({
        signing_secret_set_at: (second.body as { signing_secret_set_at: string }).signing_secret_set_at,
      })
      expect(JSON.stringify(read.body)).not.toContain('aiaas-sig-')
      // A retry under the same Idempotency-Key does not get the secret again, and none is stored.
      const once = (idempotencyKey: string) =>
        platform.app.inject({
          method: 'POST',
          url: `/admin/v1/api-keys/${issued.id}/rotate-signing-secret`,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': idempotencyKey },
        })
      const answered = await once('rotate-signing-1')
      const fresh = (answered.json() as { signing_secret: string }).signing_secret
      const retry = await once('rotate-signing-1')
      expect(retry.statusCode).toBe(409)
      expect(retry.json()).toMatchObject({ code: 'IDEMPOTENCY_REPLAY_HAS_SECRET' })
      const stored = await platform.db.query<{ row: string }>(
        'SELECT row_to_json(k)::text AS row FROM admin_idempotency_keys k',
      )
      for (const { row } of stored.rows) expect(row).not.toContain(fresh)
      await admin(platform, 'POST', `/api-keys/${issued.id}/revoke`)
      const revoked = await admin(platform, 'POST', `/api-keys/${issued.id}/rotate-signing-secret`)
      expect(revoked).toMatchObject({ status: 409, body: { code: 'API_KEY_ALREADY_REVOKED' } })
    })

    it('refuses a grace outside 0..7 days, naming grace_seconds', async () => {
      const platform = await startPlatform()
      const organization_id = await newOrganization(platform)
      const { id } = (await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k' })).body
      for (const grace_seconds of [-1, 7 * 24 * 3600 + 1, 1.5, '60']) {
        const response = await admin(platform, 'POST', `/api-keys/${id}/rotate`, { grace_seconds })
        expect(response.status, String(grace_seconds)).toBe(400)
        expect(JSON.stringify(response.body)).toContain('grace_seconds')
      }
    })
  })
}
