import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockBackend, startMockBackend } from '../../support/mock-backend.ts'
import { eventually } from '../../support/processes.ts'
import { backendState, type RouterFleet, startRouterFleet } from '../../support/router-fleet.ts'
import { json } from '../../support/walkthrough.ts'

// Issue 8's definition of done: two `aiaas router` processes share backend health through real
// Redis. Router one sees the catalogue model's preferred backend fail 5 times in a row and opens
// its circuit; router two, which never saw it fail, learns it and skips it. `aiaas identity`'s
// GET /admin/v1/models/{name}/health reads the same Redis board and shows it open.
describe('backend health across two router processes', () => {
  let fleet: RouterFleet
  let failing: MockBackend
  let healthy: MockBackend
  let key = ''
  let one = ''

  beforeAll(async () => {
    failing = await startMockBackend('failing')
    healthy = await startMockBackend('healthy')
    failing.always({ status: 503 })
    fleet = await startRouterFleet('health')
  })

  afterAll(async () => {
    await fleet?.stop()
    await Promise.all([failing?.close(), healthy?.close()])
  })

  it('a backend opened by one router is skipped by the other', async () => {
    ;({ key } = await fleet.modelWithBackends('routed', [
      { url: failing.url, provider: 'vllm' },
      { url: healthy.url, provider: 'vllm', priority: 1 },
    ]))
    one = await fleet.startRouter('one')
    const two = await fleet.startRouter('two')
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
    expect(await backendState(one, failing.url)).toBe('2')
    await eventually(
      () => backendState(two, failing.url),
      (value) => value === '2',
      15_000,
    )

    const answered = await chat(two)
    expect(await answered.json()).toMatchObject({ choices: [{ message: { content: 'hello from healthy' } }] })
    expect(failing.received).toHaveLength(5)
  })

  it("aiaas identity's admin API shows the circuit the routers opened, with its cooldown", async () => {
    const admin = fleet.platform.url('identity')
    const health = async () => {
      const response = await fetch(`${admin}/admin/v1/models/routed/health`, {
        headers: { authorization: `Bearer ${fleet.platform.adminToken}` },
      })
      return (await response.json()) as { backends: { backend_id: string; state: string }[] }
    }
    // A chat per look: should the cooldown be over, its trial on the failing backend opens it again.
    const shown = await eventually(
      async () => {
        await fetch(`${one}/v1/chat/completions`, {
          method: 'POST',
          headers: json(key),
          body: JSON.stringify({ model: 'routed', messages: [{ role: 'user', content: 'hi' }] }),
        })
        return health()
      },
      (answer) => answer.backends.some((b) => b.backend_id === failing.url && b.state === 'open'),
      30_000,
    )
    expect(shown.backends).toEqual([
      expect.objectContaining({ backend_id: failing.url, state: 'open' }),
      expect.objectContaining({ backend_id: healthy.url, state: 'closed', cooldown_remaining_ms: null }),
    ])
  })
})
