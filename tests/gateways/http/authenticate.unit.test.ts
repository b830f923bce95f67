import { describe, expect, it } from 'vitest'
import { BOOTSTRAP_SUBJECT, type Subject } from '../../../domain/authorization/subject.ts'
import { authenticate } from '../../../gateways/http/authenticate.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'

const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
const ACCOUNT: Subject = {
  actor: 'service-account:0190a8e2-0000-7000-8000-0000000000a1',
  kind: 'service_account',
  platform_admin: false,
  memberships: { '0190a8e2-0000-7000-8000-000000000001': ['analyst'] },
}

/** A server whose one route answers the subject authentication set. */
async function serverWith(verify?: (token: string) => Promise<Subject | null>) {
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('authenticate-test') })
  app.addHook('onRequest', authenticate({ adminToken: ADMIN_TOKEN, verifyAccessToken: verify }))
  app.get('/whoami', async (request) => request.subject ?? null)
  await app.ready()
  const call = async (authorization?: string) => {
    const response = await app.inject({ url: '/whoami', headers: authorization ? { authorization } : {} })
    return { status: response.statusCode, body: response.json() }
  }
  return { app, call }
}

describe('authenticate', () => {
  it('makes the admin token the bootstrap subject', async () => {
    const { app, call } = await serverWith(async () => ACCOUNT)
    expect(await call(`Bearer ${ADMIN_TOKEN}`)).toEqual({ status: 200, body: BOOTSTRAP_SUBJECT })
    await app.close()
  })

  it('makes a verified access token its subject, and refuses what the verifier refuses', async () => {
    const { app, call } = await serverWith(async (token) => (token === 'good.jwt.token' ? ACCOUNT : null))
    expect(await call('Bearer good.jwt.token')).toEqual({ status: 200, body: ACCOUNT })
    const refused = await call('Bearer bad.jwt.token')
    expect(refused.status).toBe(401)
    expect(refused.body).toMatchObject({ code: 'UNAUTHENTICATED' })
    await app.close()
  })

  it('refuses every token but the admin token when no verifier is given, and a missing header', async () => {
    const { app, call } = await serverWith()
    expect((await call('Bearer good.jwt.token')).status).toBe(401)
    expect((await call()).status).toBe(401)
    expect((await call(`Basic ${ADMIN_TOKEN}`)).status).toBe(401)
    await app.close()
  })
})
