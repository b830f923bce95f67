import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../infra/config/config.ts'
import { newKeyringText } from '../../infra/crypto/keyring.ts'
import { CLI, eventually, freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'

// A machine signs in as production runs it: `aiaas identity` (with AIAAS_KEK: its issuer),
// `aiaas projector` and `aiaas analytics` as separate processes on real PostgreSQL. The service
// account gets a token with client_credentials, creates a key and a budget in its organization,
// reads its analytics, and is refused (404) on another organization's.
describe('a service account’s token across separate processes', () => {
  const config = loadConfig()
  const suffix = randomBytes(4).toString('hex')
  const database = `aiaas_e2e_sa_${suffix}`
  const databaseUrl = Object.assign(new URL(config.AIAAS_DATABASE_URL), {
    pathname: `/${database}`,
  }).toString()
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`
  const procs: Proc[] = []
  let identity = ''
  let analytics = ''

  const sql = async (text: string) => {
    const client = new pg.Client({ connectionString: config.AIAAS_DATABASE_URL })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    await sql(`CREATE DATABASE ${database}`)
    const [identityPort, analyticsPort, metrics] = await Promise.all([1, 2, 3].map(() => freePort()))
    const env = {
      AIAAS_DATABASE_URL: databaseUrl,
      AIAAS_ADMIN_TOKEN: adminToken,
      AIAAS_KEK: newKeyringText('e2e'),
      AIAAS_DATA_DIR: join(tmpdir(), `aiaas-e2e-sa-${suffix}`),
      AIAAS_IDENTITY_PORT: String(identityPort),
      AIAAS_ANALYTICS_PORT: String(analyticsPort),
    }
    const migrated = spawnSync(process.execPath, [CLI, 'migrate'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    })
    expect(migrated.status, migrated.stderr).toBe(0)
    const start = (command: string, extra: Record<string, string> = {}) => {
      const proc = startAiaas(command, { ...env, ...extra })
      procs.push(proc)
      return proc
    }
    identity = `http://127.0.0.1:${identityPort}`
    analytics = `http://127.0.0.1:${analyticsPort}`
    await Promise.all([
      waitForHttp(`${identity}/admin/v1/status/healthz`, start('identity')),
      waitForHttp(`${analytics}/analytics/v1/status/healthz`, start('analytics')),
      waitForHttp(
        `http://127.0.0.1:${metrics}/metrics`,
        start('projector', { AIAAS_METRICS_PORT: String(metrics) }),
      ),
    ])
  })

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await rm(join(tmpdir(), `aiaas-e2e-sa-${suffix}`), { recursive: true, force: true })
  })

  const call = async (base: string, token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, string> }
  }

  it('creates a key and a budget in its organization, reads its analytics, and gets 404 on another', async () => {
    const acme = (await call(identity, adminToken, 'POST', '/admin/v1/organizations', { name: 'Acme' })).body
      .id
    const globex = (await call(identity, adminToken, 'POST', '/admin/v1/organizations', { name: 'Globex' }))
      .body.id
    const account = await call(identity, adminToken, 'POST', '/admin/v1/service-accounts', {
      organization_id: acme,
      name: 'ci',
      // org_admin: keys and budgets; analyst: the organization's analytics.
      roles: ['org_admin', 'analyst'],
    })
    expect(account.status).toBe(201)
    // The issuer finds clients in the read model: wait until it holds the account.
    const path = `/admin/v1/service-accounts/${account.body.id}`
    await eventually(
      () => call(identity, adminToken, 'GET', path),
      (read) => read.status === 200,
    )
    const basic = Buffer.from(`${account.body.client_id}:${account.body.client_secret}`).toString('base64')
    const tokenResponse = await fetch(`${identity}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    const token = (await tokenResponse.json()) as { access_token: string }
    expect(tokenResponse.status, JSON.stringify(token)).toBe(200)
    const as = (base: string, method: string, path: string, body?: unknown) =>
      call(base, token.access_token, method, path, body)

    const key = await as(identity, 'POST', '/admin/v1/api-keys', { organization_id: acme, name: 'deploy' })
    expect(key.status, JSON.stringify(key.body)).toBe(201)
    const budget = { limit_usd: '10.00', period: 'monthly', enforcement: 'hard' }
    expect(
      (await as(identity, 'POST', '/admin/v1/budgets', { organization_id: acme, ...budget })).status,
    ).toBe(201)
    const range = 'from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z'
    expect((await as(analytics, 'GET', `/analytics/v1/usage?organization_id=${acme}&${range}`)).status).toBe(
      200,
    )

    expect(
      (await as(identity, 'POST', '/admin/v1/api-keys', { organization_id: globex, name: 'x' })).status,
    ).toBe(404)
    expect(
      (await as(identity, 'POST', '/admin/v1/budgets', { organization_id: globex, ...budget })).status,
    ).toBe(404)
    expect(
      (await as(analytics, 'GET', `/analytics/v1/usage?organization_id=${globex}&${range}`)).status,
    ).toBe(404)

    const actors = new pg.Client({ connectionString: databaseUrl })
    await actors.connect()
    try {
      const { rows } = await actors.query(
        `SELECT DISTINCT metadata->>'actor' AS actor FROM events WHERE type IN ('ApiKeyIssued', 'BudgetCreated')`,
      )
      expect(rows).toEqual([{ actor: `service-account:${account.body.id}` }])
    } finally {
      await actors.end()
    }
  })
})
