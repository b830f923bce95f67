import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockBackend, startMockBackend } from '../../support/mock-backend.ts'
import { eventually, freePort, type Proc, startAiaas, waitForHttp } from '../../support/processes.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../../support/separate-platform.ts'
import { createOrgAndKey, json } from '../../support/walkthrough.ts'

// Issue 8's definition of done: two `aiaas router` processes share backend health through real
// Redis. Router one sees the catalogue model's preferred backend fail 5 times in a row and opens
// its circuit; router two, which never saw it fail, learns it and skips it.
describe('backend health across two router processes', () => {
  const queue = `aiaas.usage.health.${randomBytes(4).toString('hex')}`
  let platform: SeparatePlatform
  let dataRoot: string
  let failing: MockBackend
  let healthy: MockBackend
  const routers: Proc[] = []

  beforeAll(async () => {
    failing = await startMockBackend('failing')
    healthy = await startMockBackend('healthy')
    failing.always({ status: 503 })
    platform = await startSeparatePlatform({
      name: 'health',
      commands: ['projector', 'identity'],
      env: { AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback', AIAAS_USAGE_QUEUE: queue },
    })
    dataRoot = await mkdtemp(join(tmpdir(), 'aiaas-health-'))
  })

  afterAll(async () => {
    await Promise.all(routers.map((r) => r.stop()))
    await platform?.stop()
    await Promise.all([failing?.close(), healthy?.close()])
    await deleteUsageQueues(queue)
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true })
  })

  async function startRouter(name: string): Promise<string> {
    const port = await freePort()
    const proc = startAiaas('router', {
      AIAAS_DATABASE_URL: platform.databaseUrl,
      AIAAS_ADMIN_TOKEN: platform.adminToken,
      AIAAS_USAGE_QUEUE: queue,
      AIAAS_DATA_DIR: join(dataRoot, name),
      PORT: String(port),
    })
    routers.push(proc)
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(`${url}/v1/status/healthz`, proc)
    return url
  }

  it('a backend opened by one router is skipped by the other', async () => {
    const admin = platform.url('identity')
    const { key } = await createOrgAndKey({
      admin,
      router: '',
      analytics: '',
      adminToken: platform.adminToken,
    })
    const created = await fetch(`${admin}/admin/v1/models`, {
      method: 'POST',
      headers: json(platform.adminToken),
      body: JSON.stringify({
        name: 'routed',
        input_price_per_million_usd: '1',
        output_price_per_million_usd: '1',
        max_output_tokens: 1024,
        backends: [
          { url: failing.url, provider: 'vllm' },
          { url: healthy.url, provider: 'vllm', priority: 1 },
        ],
      }),
    })
    expect(created.status).toBe(201)
    const [one, two] = [await startRouter('one'), await startRouter('two')]
    // Each router knows the key and the model before any chat (a chat would count a failure).
    for (const router of [one, two]) {
      await eventually(
        async () => {
          const listed = await fetch(`${router}/v1/models`, { headers: json(key) })
          return listed.ok ? ((await listed.json()) as { data: { id: string }[] }).data.map((m) => m.id) : []
        },
        (ids) => ids.includes('routed'),
        30_000,
      )
    }
    const chat = (router: string) =>
      fetch(`${router}/v1/chat/completions`, {
        method: 'POST',
        headers: json(key),
        body: JSON.stringify({ model: 'routed', messages: [{ role: 'user', content: 'hi' }] }),
      })

    for (let i = 0; i < 5; i++) expect((await chat(one)).status).toBe(200)
    expect(failing.received).toHaveLength(5)
    const state = (router: string) =>
      fetch(`${router}/metrics`).then(async (r) => {
        const line = (await r.text())
          .split('\n')
          .find((l) => l.startsWith(`aiaas_router_backend_state{backend="${failing.url}"`))
        return line?.split(' ').at(-1) ?? null
      })
    expect(await state(one)).toBe('2')
    await eventually(
      () => state(two),
      (value) => value === '2',
      15_000,
    )

    const answered = await chat(two)
    expect(await answered.json()).toMatchObject({ choices: [{ message: { content: 'hello from healthy' } }] })
    expect(failing.received).toHaveLength(5)
  })
})
