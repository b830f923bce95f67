import { afterEach, describe, expect, it } from 'vitest'
import { hangUp } from '../../support/hang-up.ts'
import { type MockBackend, startMockBackend } from '../../support/mock-backend.ts'
import { eventually } from '../../support/processes.ts'
import { backendOn, routedModel, routingRouter } from './routing-router.ts'
import { expectFirstByteTimed } from './usage-timing.ts'

// A client that hangs up (issue 8, "Usage events are never lost"): before the first byte or
// mid-stream, streamed or not, the backend call is aborted (the backend sees its connection
// closed), exactly one usage event is produced, marked cancelled (http_status 499) with the
// tokens known, and the budget hold is settled.
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** A router in front of one mock backend; `behindRefused`: a refused backend is tried first. */
async function setup(behindRefused = false) {
  const mock = await startMockBackend('a')
  closers.push(() => mock.close())
  const refused = { ...backendOn(mock), id: 'refused', url: 'http://127.0.0.1:1/v1' }
  const backends = behindRefused ? [refused, backendOn(mock, { priority: 1 })] : [backendOn(mock)]
  const router = await routingRouter([routedModel(backends)])
  closers.push(router.close)
  return { mock, router }
}

const prompt = (n: number) => ({
  model: 'm',
  messages: [{ role: 'user', content: `${'x'.repeat(4000)} ${n}` }],
})

/** Whether request n (its prompt ends with ` n`) reached the backend. */
const reached = (mock: MockBackend, n: number) =>
  mock.received.some((r) => JSON.stringify(r.body.messages).endsWith(` ${n}"}]`))

async function allOver(mock: MockBackend) {
  await Promise.all(mock.received.map((r) => r.over))
  return mock.received
}

describe('client hang-up', () => {
  it('20 streamed requests whose clients leave before the first byte: 20 cancelled events, 20 backend calls closed, holds settled', async () => {
    const { mock, router } = await setup()
    mock.always({ stall: 'headers' })
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        hangUp(router.url, { ...prompt(n), stream: true }, () => reached(mock, n)),
      ),
    )
    const received = await allOver(mock)
    expect(received).toHaveLength(20)
    expect(received.every((r) => r.closedEarly)).toBe(true)
    await eventually(
      async () => router.events.length,
      (n) => n >= 20,
    )
    expect(router.events).toHaveLength(20)
    expect(new Set(router.events.map((e) => e.id)).size).toBe(20)
    for (const event of router.events) {
      expect(event).toMatchObject({
        status: 'error',
        http_status: 499,
        streamed: true,
        output_tokens: 0,
        cancelled: true,
        tokens_source: 'estimated',
      })
      // The prompt was sent to the backend: its estimate is billed.
      expect(event.input_tokens).toBeGreaterThanOrEqual(1000)
      // Not a byte reached the caller: no time to first byte.
      expect(event.ttfb_ms).toBeUndefined()
    }
    const ledger = await eventually(
      () => router.ledger(),
      (l) => l.reserved_nanos === 0,
    )
    expect(ledger.spent_nanos).toBeGreaterThan(0)
    expect(await router.outcomes()).toMatch(/outcome="cancelled"[^}]*\} 20$/m)
  })

  it('a client that leaves while its budget is being reserved: one cancelled event, its hold settled', async () => {
    const mock = await startMockBackend('a')
    closers.push(() => mock.close())
    // The reserve is held until the router has seen the client go: its close event passes
    // before the request can watch for it.
    let reserving = false
    let open = () => {}
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const router = await routingRouter([routedModel([backendOn(mock)])], {
      ledger: (memory) => ({
        ...memory,
        admit: async (request) => {
          reserving = true
          await gate
          return memory.admit(request)
        },
      }),
    })
    closers.push(router.close)
    await hangUp(router.url, { ...prompt(1), stream: true }, () => reserving)
    await eventually(
      () => router.connections(),
      (n) => n === 0,
    )
    open()
    await eventually(
      async () => router.events.length,
      (n) => n === 1,
    )
    expect(router.events[0]).toMatchObject({ status: 'error', http_status: 499, streamed: true })
    const ledger = await eventually(
      () => router.ledger(),
      (l) => l.reserved_nanos === 0,
    )
    // Settled for the prompt, as for any client that left once its request was accepted.
    expect(ledger.spent_nanos).toBeGreaterThan(0)
    expect(await router.outcomes()).toMatch(/outcome="cancelled"[^}]*\} 1$/m)
    expect(router.events).toHaveLength(1)
  })

  it('a non-streamed request whose client leaves while the backend thinks: one cancelled event, the call aborted', async () => {
    const { mock, router } = await setup(true)
    mock.always({ headersDelayMs: 30_000 })
    await hangUp(router.url, prompt(1), () => mock.received.length === 1)
    const [received] = await allOver(mock)
    expect(received?.closedEarly).toBe(true)
    await eventually(
      async () => router.events.length,
      (n) => n === 1,
    )
    // The event names the backend the client was waiting for.
    expect(router.events[0]).toMatchObject({
      http_status: 499,
      streamed: false,
      backend: new URL(mock.url).host,
      cancelled: true,
    })
    expect(router.events[0]?.ttfb_ms).toBeUndefined()
    await eventually(
      () => router.ledger(),
      (l) => l.reserved_nanos === 0,
    )
  })

  it('a stream whose client leaves mid-content: billed for the prompt and the output sent, the backend stream closed', async () => {
    const { mock, router } = await setup()
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ')
    mock.always({ reply: words, tokenIntervalMs: 20 })
    await hangUp(router.url, { ...prompt(1), stream: true }, null)
    const [received] = await allOver(mock)
    expect(received?.closedEarly).toBe(true)
    await eventually(
      async () => router.events.length,
      (n) => n === 1,
    )
    const [event] = router.events
    expect(event).toMatchObject({
      http_status: 499,
      streamed: true,
      cancelled: true,
      tokens_source: 'estimated',
    })
    expect(event?.output_tokens).toBeLessThan(400)
    // Content was relayed before the caller left, one token interval apart at least.
    expectFirstByteTimed(event)
    expect(event?.ttfb_ms).toBeLessThan(event?.latency_ms ?? 0)
    await eventually(
      () => router.ledger(),
      (l) => l.reserved_nanos === 0,
    )
    // The relay's own ending (the backend stream aborted) adds no second event.
    const outcomes = await router.outcomes()
    expect(outcomes).toMatch(/outcome="cancelled"[^}]*\} 1$/m)
    expect(outcomes).not.toContain('stream_incomplete')
    expect(router.events).toHaveLength(1)
  })
})
