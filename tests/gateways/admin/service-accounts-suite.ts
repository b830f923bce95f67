import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hashClientSecret } from '../../../domain/service-accounts/client-secret.ts'
import type { MakeDatabase, TestDatabase } from '../../infra/contracts/test-database.ts'
import { UNKNOWN, usersClient } from './users-client.ts'

// /admin/v1/service-accounts: create, list, read, rotate the secret, revoke; run on PostgreSQL
// (service-accounts.int.test.ts) and on PGlite (service-accounts.unit.test.ts).
export function serviceAccountRouteSuite(makeDb: MakeDatabase) {
  let handle: TestDatabase
  let client: Awaited<ReturnType<typeof usersClient>>
  beforeEach(async () => {
    handle = await makeDb()
    client = await usersClient(handle.db)
  })
  afterEach(async () => {
    await client?.close()
    await handle?.dispose()
  })

  const create = (organization_id: string, fields: Record<string, unknown> = {}, headers = {}) =>
    client.call(
      'POST',
      '/service-accounts',
      { organization_id, name: 'ci', roles: ['org_admin'], ...fields },
      headers,
    )

  describe('POST /admin/v1/service-accounts', () => {
    it('creates an account with a client id and a secret shown once; only its hash is stored', async () => {
      const organization_id = await client.organization()
      const made = await create(organization_id, { roles: ['member', 'org_admin'] })
      expect(made.status).toBe(201)
      const { id, client_id, client_secret } = made.body
      expect(made.headers.location).toBe(`/admin/v1/service-accounts/${id}`)
      expect(made.body).toMatchObject({
        object: 'service_account',
        organization_id,
        name: 'ci',
        roles: ['org_admin', 'member'],
        status: 'active',
      })
      expect(client_id).toBe(id)
      expect(client_secret).toMatch(/^aiaas-sa-secret-/)

      const read = await client.call('GET', `/service-accounts/${id}`)
      expect(read.status).toBe(200)
      expect(read.headers.etag).toBe('"0"')
      expect(read.body).not.toHaveProperty('client_secret')
      const { rows } = await handle.db.query<{ secret_hash: string }>(
        'SELECT secret_hash FROM rm_service_accounts WHERE service_account_id = $1',
        [id],
      )
      expect(rows[0]?.secret_hash).toBe(hashClientSecret(client_secret))
      const stored = await handle.db.query('SELECT data::text AS data FROM events')
      expect(JSON.stringify(stored.rows)).not.toContain(client_secret)
    })

    it('refuses platform_admin, no roles, and an unknown organization', async () => {
      const organization_id = await client.organization()
      expect((await create(organization_id, { roles: ['platform_admin'] })).status).toBe(400)
      expect((await create(organization_id, { roles: [] })).status).toBe(400)
      const unknown = await create(UNKNOWN)
      expect(unknown.status).toBe(404)
      expect(unknown.body.code).toBe('ORG_NOT_FOUND')
    })

    it('does not replay a response that carried the secret (Idempotency-Key)', async () => {
      const organization_id = await client.organization()
      const headers = { 'idempotency-key': 'sa-1' }
      const first = await create(organization_id, {}, headers)
      expect(first.status).toBe(201)
      const again = await create(organization_id, {}, headers)
      expect(again.status).toBe(409)
      expect(again.body).toMatchObject({
        code: 'IDEMPOTENCY_REPLAY_HAS_SECRET',
        errors: { id: first.body.id },
      })
      const { rows } = await handle.db.query("SELECT 1 FROM events WHERE type = 'ServiceAccountCreated'")
      expect(rows).toHaveLength(1)
    })
  })

  describe('lists, rotation and revocation', () => {
    it('lists an organization’s accounts a page at a time, filtered by status', async () => {
      const organization_id = await client.organization()
      const other = await client.organization('Globex')
      const ids = []
      for (const name of ['a', 'b', 'c']) ids.push((await create(organization_id, { name })).body.id)
      await create(other)
      await client.call('POST', `/service-accounts/${ids[1]}/revoke`)
      const first = await client.call('GET', `/service-accounts?organization_id=${organization_id}&limit=2`)
      expect(first.body.data.map((a: { id: string }) => a.id)).toEqual(ids.slice(0, 2))
      const next = await client.call(
        'GET',
        `/service-accounts?organization_id=${organization_id}&limit=2&cursor=${first.body.next_cursor}`,
      )
      expect(next.body).toMatchObject({ data: [{ id: ids[2] }], next_cursor: null })
      const active = await client.call(
        'GET',
        `/service-accounts?organization_id=${organization_id}&status=active`,
      )
      expect(active.body.data.map((a: { id: string }) => a.id)).toEqual([ids[0], ids[2]])
    })

    it('rotates the secret (a new one, the old hash gone) and revokes once', async () => {
      const organization_id = await client.organization()
      const made = (await create(organization_id)).body
      const rotated = await client.call('POST', `/service-accounts/${made.id}/rotate-secret`)
      expect(rotated.status).toBe(200)
      expect(rotated.headers.etag).toBe('"1"')
      expect(rotated.body).toMatchObject({ id: made.id, client_id: made.client_id })
      expect(rotated.body.client_secret).not.toBe(made.client_secret)
      const { rows } = await handle.db.query<{ secret_hash: string }>(
        'SELECT secret_hash FROM rm_service_accounts',
      )
      expect(rows).toEqual([{ secret_hash: hashClientSecret(rotated.body.client_secret) }])

      const revoked = await client.call('POST', `/service-accounts/${made.id}/revoke`)
      expect(revoked.status).toBe(200)
      expect(revoked.body).toMatchObject({ status: 'revoked', rotated_at: rotated.body.rotated_at })
      for (const action of ['revoke', 'rotate-secret']) {
        const again = await client.call('POST', `/service-accounts/${made.id}/${action}`)
        expect(again.status).toBe(409)
        expect(again.body.code).toBe('SERVICE_ACCOUNT_REVOKED')
      }
      const missing = await client.call('POST', `/service-accounts/${UNKNOWN}/revoke`)
      expect(missing.status).toBe(404)
      expect(missing.body.code).toBe('SERVICE_ACCOUNT_NOT_FOUND')
    })
  })
}
