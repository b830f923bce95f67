import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockBackend, startMockBackend } from '../../../support/mock-backend.ts'
import { eventually, freePort, type Proc, startAiaas, waitForHttp } from '../../../support/processes.ts'
import { deleteUsageQueues } from '../../../support/rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../../../support/separate-platform.ts'
import { createOrgAndKey, json } from '../../../support/walkthrough.ts'

// Active probes end to end: a backend's probe set through the admin API reaches an `aiaas router`
// process through the catalogue; its failing probes open the backend's circuit before any request
// is sent to it, and the request goes to the next backend.
describe('active probes in an aiaas router process', () => {
  const queue = `aiaas.usage.probes.${randomBytes(4).toString('hex')}`
  let platform: SeparatePlatform
  let dataRoot: string
  let failing: MockBackend
  let healthy: MockBackend
  let router: Proc | undefined

  beforeAll(async () => {
    failing = await startMockBackend('probe-failing')
    healthy = await startMockBackend('probe-healthy')
    failing.probeStatus(503)
    platform = await startSeparatePlatform({
      name: 'probes',
      commands: ['projector', 'identity'],
      env: { AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback', AIAAS_USAGE_QUEUE: queue },
    })
    dataRoot = await mkdtemp(join(tmpdir(), 'aiaas-probes-'))
  })

  afterAll(async () => {
    await router?.stop()
    await platform?.stop()
    await Promise.all([failing?.close(), healthy?.close()])
    await deleteUsageQueues(queue)
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true })
  })

  it('a backend whose probe fails is skipped before any request reaches it', async () => {
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
        name: 'probed',
        input_price_per_million_usd: '1',
        output_price_per_million_usd: '1',
        max_output_tokens: 1024,
        backends: [
          {
            url: failing.url,
            provider: 'vllm',
            headers: { 'x-probe': 'yes' },
            probe: { path: '/health', interval_ms: 1000 },
          },
          { url: healthy.url, provider: 'vllm', priority: 1 },
        ],
      }),
    })
    expect(created.status).toBe(201)
    const port = await freePort()
    router = startAiaas('router', {
      AIAAS_DATABASE_URL: platform.databaseUrl,
      AIAAS_ADMIN_TOKEN: platform.adminToken,
      AIAAS_USAGE_QUEUE: queue,
      AIAAS_DATA_DIR: join(dataRoot, 'router'),
      PORT: String(port),
    })
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(`${url}/v1/status/healthz`, router)
    // Five failed probes in a row open the circuit (the default threshold).
    await eventually(
      async () => failing.probes.length,
      (count) => count >= 5,
      60_000,
    )
    const state = () =>
      fetch(`${url}/metrics`).then(async (r) => {
        const line = (await r.text())
          .split('\n')
          .find((l) => l.startsWith(`aiaas_router_backend_state{backend="${failing.url}"`))
        return line?.split(' ').at(-1) ?? null
      })
    await eventually(state, (value) => value === '2', 30_000)
    expect(failing.probes[0]).toMatchObject({ path: '/health', headers: { 'x-probe': 'yes' } })
    expect(healthy.probes).toHaveLength(0)

    const answered = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({ model: 'probed', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(await answered.json()).toMatchObject({
      choices: [{ message: { content: 'hello from probe-healthy' } }],
    })
    expect(failing.received).toHaveLength(0)
  })
})
