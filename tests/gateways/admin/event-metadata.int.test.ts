import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { USER_AGENT_MAX_CHARS } from '../../../gateways/admin/context.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { auth, startAdminApp } from './admin-app.ts'

// Every event an admin request causes says who, which request, from where and with what client.

type App = Awaited<ReturnType<typeof startAdminApp>>
let handle: TestDatabase
let admin: App

beforeAll(async () => {
  handle = await makePostgres('meta')()
  admin = await startAdminApp(handle.db)
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

describe('event metadata of admin commands', () => {
  it('carries the actor, the request id, the source IP and the clipped user agent', async () => {
    const agent = `curl/8.5.0 ${'x'.repeat(1000)}`
    const response = await admin.app.inject({
      method: 'POST',
      url: '/admin/v1/organizations',
      headers: { ...auth, 'x-request-id': 'req-metadata-1', 'user-agent': agent },
      remoteAddress: '203.0.113.7',
      payload: { name: 'Meta Co' },
    })
    expect(response.statusCode).toBe(201)
    expect(response.headers['x-request-id']).toBe('req-metadata-1')
    const events = await admin.store.readStream(`organization-${response.json().id}`)
    expect(events).toHaveLength(1)
    expect(events[0]?.metadata).toEqual({
      actor: 'platform-admin',
      correlation_id: 'req-metadata-1',
      causation_id: null,
      source: 'admin-api',
      source_ip: '203.0.113.7',
      user_agent: `${agent.slice(0, USER_AGENT_MAX_CHARS)}…`,
    })
  })

  it('records a missing user agent as null (a real socket: inject always sends one)', async () => {
    const address = await admin.app.listen({ host: '127.0.0.1', port: 0 })
    const body = JSON.stringify({ name: 'No Agent Co' })
    const headers = { ...auth, 'content-type': 'application/json' }
    const id = await new Promise<string>((resolve, reject) => {
      const sent = request(`${address}/admin/v1/organizations`, { method: 'POST', headers }, (response) => {
        let text = ''
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () => resolve((JSON.parse(text) as { id: string }).id))
      })
      sent.on('error', reject)
      sent.end(body)
    })
    const events = await admin.store.readStream(`organization-${id}`)
    expect(events[0]?.metadata).toMatchObject({ user_agent: null, source_ip: '127.0.0.1' })
  })
})
