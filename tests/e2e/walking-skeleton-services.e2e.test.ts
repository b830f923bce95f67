import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../infra/config/config.ts'
import { deleteTopics, readTopic } from '../support/kafka.ts'
import { CLI, freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { createOrgAndKey, type Endpoints, usageOf } from '../support/walkthrough.ts'

// Every process started separately, as in production, against the real PostgreSQL, Redis and
// RabbitMQ that `make services` runs; the client is the official openai SDK.
describe('walking skeleton, separate processes on real services', () => {
  const config = loadConfig()
  const suffix = randomBytes(4).toString('hex')
  const database = `aiaas_e2e_${suffix}`
  const databaseUrl = Object.assign(new URL(config.AIAAS_DATABASE_URL), {
    pathname: `/${database}`,
  }).toString()
  const auditTopic = `aiaas.audit.e2e.${suffix}`
  const usageQueue = `aiaas.usage.e2e.${suffix}`
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`
  const procs: Proc[] = []
  let e: Endpoints
  let routerUrl: string

  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: config.AIAAS_DATABASE_URL })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${database}`)
    const [router, identity, analytics, mock, m1, m2, m3] = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map(() => freePort()),
    )
    const env = {
      AIAAS_DATABASE_URL: databaseUrl,
      AIAAS_ADMIN_TOKEN: adminToken,
      AIAAS_USAGE_QUEUE: usageQueue,
      AIAAS_AUDIT_TOPIC: auditTopic,
      AIAAS_DATA_DIR: join(tmpdir(), `aiaas-e2e-${suffix}`),
      PORT: String(router),
      AIAAS_IDENTITY_PORT: String(identity),
      AIAAS_ANALYTICS_PORT: String(analytics),
      AIAAS_MOCK_MODEL_PORT: String(mock),
    }
    const migrated = spawnSync(process.execPath, [CLI, 'migrate'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    })
    expect(migrated.status, migrated.stderr).toBe(0)
    expect(migrated.stdout).toContain('applied')

    const start = (command: string, extra: Record<string, string> = {}) => {
      const proc = startAiaas(command, { ...env, ...extra })
      procs.push(proc)
      return proc
    }
    const projector = start('projector', { AIAAS_METRICS_PORT: String(m1) })
    const ingest = start('ingest', { AIAAS_METRICS_PORT: String(m2) })
    const forwarder = start('audit-forwarder', { AIAAS_METRICS_PORT: String(m3) })
    routerUrl = `http://127.0.0.1:${router}`
    e = {
      admin: `http://127.0.0.1:${identity}`,
      router: routerUrl,
      analytics: `http://127.0.0.1:${analytics}`,
      adminToken,
    }
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${mock}/metrics`, start('mock-model')),
      waitForHttp(`${e.admin}/admin/v1/status/healthz`, start('identity')),
      waitForHttp(`${routerUrl}/v1/status/healthz`, start('router')),
      waitForHttp(`${e.analytics}/analytics/v1/status/healthz`, start('analytics')),
      waitForHttp(`http://127.0.0.1:${m1}/metrics`, projector),
      waitForHttp(`http://127.0.0.1:${m2}/metrics`, ingest),
      waitForHttp(`http://127.0.0.1:${m3}/metrics`, forwarder),
    ])
  })

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()))
    // Left behind, the queues and topic of every run would pile up on the shared broker.
    await deleteUsageQueues(usageQueue)
    await deleteTopics([auditTopic])
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await rm(join(tmpdir(), `aiaas-e2e-${suffix}`), { recursive: true, force: true })
  })

  it('is ready: the router reaches PostgreSQL and Redis', async () => {
    const ready = await fetch(`${routerUrl}/v1/status/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({
      checks: { database: { status: 'up' }, redis: { status: 'up' } },
    })
  })

  it('serves the walk-through to the official openai SDK, and meters it', async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    const client = new OpenAI({ apiKey: key, baseURL: `${routerUrl}/v1`, maxRetries: 0 })

    const models = await client.models.list()
    expect(models.data.map((m) => m.id)).toContain('echo')

    const completion = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'through every process' }],
    })
    expect(completion.choices[0]?.message.content).toBe('through every process')
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0)

    const stream = await client.chat.completions.create({
      model: 'echo',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'streamed over SSE' }],
    })
    let text = ''
    let streamedUsage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      streamedUsage = chunk.usage ?? streamedUsage
    }
    expect(text).toBe('streamed over SSE')
    expect(streamedUsage?.completion_tokens).toBeGreaterThan(0)

    const usage = await usageOf(e, organizationId, 2)
    expect(usage.data.reduce((n, row) => n + row.requests, 0)).toBe(2)
    expect(usage.data.reduce((n, row) => n + row.cost_usd, 0)).toBeGreaterThan(0)
  })

  it('forwards the event log to Kafka, keyed by stream, without the key secret', async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    // Earlier tests wrote events too: read until this organization's key is in.
    const messages = await readTopic(auditTopic, (m) =>
      m.some((message) => message.type === 'ApiKeyIssued' && message.value.includes(organizationId)),
    )
    const types = messages.map((m) => m.type)
    expect(types).toContain('OrganizationCreated')
    expect(types).toContain('ApiKeyIssued')
    expect(messages.map((m) => m.key)).toContain(`organization-${organizationId}`)
    expect(messages.map((m) => m.value).join('')).not.toContain(key)
  })

  it('refuses requests past the organization’s budget (Redis ledger), as OpenAI’s insufficient_quota', async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    const set = await fetch(`${e.admin}/admin/v1/organizations/${organizationId}/budget`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ monthly_limit_usd: 0 }),
    })
    expect(set.status).toBe(200)
    const client = new OpenAI({ apiKey: key, baseURL: `${routerUrl}/v1`, maxRetries: 0 })
    await expect(
      client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 429, type: 'insufficient_quota', code: 'budget_exceeded' })
  })

  it('answers a wrong key with OpenAI’s 401, which the SDK raises as AuthenticationError', async () => {
    const client = new OpenAI({ apiKey: 'sk-aiaas-wrong', baseURL: `${routerUrl}/v1`, maxRetries: 0 })
    await expect(
      client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it('answers an unknown model with 404 model_not_found', async () => {
    const { key } = await createOrgAndKey(e)
    const client = new OpenAI({ apiKey: key, baseURL: `${routerUrl}/v1`, maxRetries: 0 })
    await expect(
      client.chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found' })
  })
})
