import { afterAll, beforeAll, expect, vi } from 'vitest'
import type { Database } from '../../../infra/ports/database.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { auth, startAdminApp } from './admin-app.ts'

// A small client for the /users and /members route tests: the admin app on the given database,
// called through app.inject.
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
export const UNKNOWN = '0190a8e2-0000-7000-8000-00000000dead'

export async function usersClient(db: Database) {
  const platform = await startAdminApp(db)
  async function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const response = await platform.app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: { ...auth, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    const body = response.body === '' ? null : response.json()
    return { status: response.statusCode, body, headers: response.headers }
  }
  async function organization(name = 'Acme'): Promise<string> {
    const created = await call('POST', '/organizations', { name })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    return created.body.id
  }
  let made = 0
  return {
    call,
    close: () => platform.close(),
    async user(fields: { email?: string; display_name?: string; invite?: boolean } = {}): Promise<string> {
      made++
      const created = await call('POST', '/users', {
        email: `user${made}@example.com`,
        display_name: 'U',
        ...fields,
      })
      expect(created.status).toBe(201)
      return created.body.id
    },
    organization,
    /** A service account of a new organization, once the read model (the issuer's clients) has it. */
    async serviceAccount(roles = ['analyst']): Promise<ServiceAccountMade> {
      const organization_id = await organization()
      const account = await call('POST', '/service-accounts', { organization_id, name: 'ci', roles })
      expect(account.status).toBe(201)
      await vi.waitFor(
        async () => expect((await call('GET', `/service-accounts/${account.body.id}`)).status).toBe(200),
        { timeout: 20_000, interval: 50 },
      )
      return { organization_id, ...account.body }
    },
  }
}

export interface ServiceAccountMade {
  organization_id: string
  id: string
  client_id: string
  client_secret: string
}

export type UsersClient = Awaited<ReturnType<typeof usersClient>>

/** The client of one test suite: on a new database opened before its tests, closed after them. */
export function suiteUsersClient(makeDatabase: MakeDatabase): () => UsersClient {
  let client: UsersClient | undefined
  let dispose: (() => Promise<void>) | undefined
  beforeAll(async () => {
    const handle = await makeDatabase()
    dispose = handle.dispose
    client = await usersClient(handle.db)
  })
  afterAll(async () => {
    await client?.close()
    await dispose?.()
  })
  return () => {
    if (!client) throw new Error('the users client is opened in beforeAll')
    return client
  }
}
