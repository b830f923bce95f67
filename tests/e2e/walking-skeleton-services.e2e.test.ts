import { randomBytes } from 'node:crypto'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteTopics, readTopic } from '../support/kafka.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../support/separate-platform.ts'
import { createOrgAndKey, type Endpoints, usageOf } from '../support/walkthrough.ts'

// Every process started separately, as in production, against the real PostgreSQL, Redis and
// RabbitMQ that `make services` runs; the client is the official openai SDK.
describe('walking skeleton, separate processes on real services', () => {
  const suffix = randomBytes(4).toString('hex')
  const auditTopic = `aiaas.audit.e2e.${suffix}`
  const usageQueue = `aiaas.usage.e2e.${suffix}`
  let platform: SeparatePlatform
  let adminToken = ''
  let e: Endpoints
  let routerUrl: string

  beforeAll(async () => {
    platform = await startSeparatePlatform({
      name: 'services',
      commands: ['projector', 'ingest', 'audit-forwarder', 'mock-model', 'identity', 'router', 'analytics'],
      env: { AIAAS_USAGE_QUEUE: usageQueue, AIAAS_AUDIT_TOPIC: auditTopic },
    })
    expect(platform.migrated).toContain('applied')
    adminToken = platform.adminToken
    routerUrl = platform.url('router')
    e = {
      admin: platform.url('identity'),
      router: routerUrl,
      analytics: platform.url('analytics'),
      adminToken,
    }
  })

  afterAll(async () => {
    await platform?.stop()
    // Left behind, the queues and topic of every run would pile up on the shared broker.
    await deleteUsageQueues(usageQueue)
    await deleteTopics([auditTopic])
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
    expect(usage.data.reduce((n, row) => n + Number(row.cost_usd), 0)).toBeGreaterThan(0)
  })

  it('forwards the event log to Kafka, keyed by stream, without the key secret', async () => {
    const { organizationId, key } = await createOrgAndKey(e)
    // Earlier tests wrote events too, and the topic has several partitions, ordered each on its
    // own (per stream): read until both this organization's stream and its key's event are in.
    const messages = await readTopic(
      auditTopic,
      (m) =>
        m.some((message) => message.key === `organization-${organizationId}`) &&
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
