import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockBackend, startMockBackend } from '../../../support/mock-backend.ts'
import { eventually } from '../../../support/processes.ts'
import { backendState, type RouterFleet, startRouterFleet } from '../../../support/router-fleet.ts'
import { json } from '../../../support/walkthrough.ts'

// Active probes end to end: a backend's probe set through the admin API reaches an `aiaas router`
// process through the catalogue; its failing probes open the backend's circuit before any request
// is sent to it, and the request goes to the next backend.
describe('active probes in an aiaas router process', () => {
  let fleet: RouterFleet
  let failing: MockBackend
  let healthy: MockBackend

  beforeAll(async () => {
    failing = await startMockBackend('probe-failing')
    healthy = await startMockBackend('probe-healthy')
    failing.probeStatus(503)
    fleet = await startRouterFleet('probes')
  })

  afterAll(async () => {
    await fleet?.stop()
    await Promise.all([failing?.close(), healthy?.close()])
  })

  it('a backend whose probe fails is skipped before any request reaches it', async () => {
    const { key } = await fleet.modelWithBackends('probed', [
      {
        url: failing.url,
        provider: 'vllm',
        headers: { 'x-probe': 'yes' },
        probe: { path: '/health', interval_ms: 1000 },
      },
      { url: healthy.url, provider: 'vllm', priority: 1 },
    ])
    const url = await fleet.startRouter('router')
    // Five failed probes in a row open the circuit (the default threshold).
    await eventually(
      async () => failing.probes.length,
      (count) => count >= 5,
      60_000,
    )
    await eventually(
      () => backendState(url, failing.url),
      (value) => value === '2',
      30_000,
    )
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
