import { describe, expect, it } from 'vitest'
import { hangUp } from '../../../support/hang-up.ts'
import { eventually } from '../../../support/processes.ts'
import { backendOn, routedModel } from '../routing-router.ts'
import { mocks, surfaceRouter } from './surface-router.ts'

// A client that leaves a request of the new endpoints is handled as on chat: the backend call is
// aborted, one usage event marked cancelled (499) with the tokens known, the budget hold settled.

describe('a client that leaves a new endpoint', () => {
  for (const [path, body] of [
    ['embeddings', { model: 'm', input: 'x'.repeat(400) }],
    ['responses', { model: 'm', input: 'x'.repeat(400), stream: true }],
    ['completions', { model: 'm', prompt: 'x'.repeat(400), stream: true }],
  ] as const) {
    it(`/v1/${path} before the first byte: backend call closed, one cancelled event billed for the prompt, hold settled`, async () => {
      const [a] = await mocks('a')
      a?.always({ stall: 'headers' })
      const r = await surfaceRouter([routedModel([backendOn(a!)])])
      await hangUp(`${r.base}/${path}`, body, () => a?.received.length === 1)
      await a?.received[0]?.over
      expect(a?.received[0]?.closedEarly).toBe(true)
      await eventually(
        async () => r.events.length,
        (n) => n === 1,
      )
      expect(r.events[0]).toMatchObject({ status: 'error', http_status: 499, output_tokens: 0 })
      expect(r.events[0]?.input_tokens).toBeGreaterThan(0)
      await eventually(
        async () => (await r.ledger()).reserved_nanos,
        (n) => n === 0,
      )
    })
  }

  it('/v1/responses mid-stream: billed for the deltas relayed', async () => {
    const [a] = await mocks('a')
    a?.always({ reply: 'one two three four five six', tokenIntervalMs: 50 })
    const r = await surfaceRouter([routedModel([backendOn(a!)])])
    await hangUp(`${r.base}/responses`, { model: 'm', input: 'hi', stream: true }, null)
    await a?.received[0]?.over
    expect(a?.received[0]?.closedEarly).toBe(true)
    await eventually(
      async () => r.events.length,
      (n) => n === 1,
    )
    expect(r.events[0]).toMatchObject({ status: 'error', http_status: 499, streamed: true })
    expect(r.events[0]?.output_tokens).toBeGreaterThan(0)
  })
})
