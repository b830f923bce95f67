import { describe, expect, it } from 'vitest'
import { pacedBody, paceOf } from '../../../gateways/mock-model/pace.ts'

// The echo model paced like a model streams, or holding a stream open (benchmarks and tests ask
// for it in the request's metadata).
const events = ['data: role\n\n', 'data: one\n\n', 'data: two\n\n', 'data: [DONE]\n\n']

describe('a paced echo stream', () => {
  it('is asked for in metadata, bounded; without it the answer is one write', () => {
    expect(paceOf({ model: 'echo' })).toBeNull()
    expect(paceOf({ metadata: { user: 'x' } })).toBeNull()
    expect(paceOf({ metadata: { mock_interval_ms: '5' } })).toEqual({ intervalMs: 5, holdMs: 0 })
    expect(paceOf({ metadata: { mock_interval_ms: '9999999', mock_hold_ms: '9999999' } })).toEqual({
      intervalMs: 1_000,
      holdMs: 600_000,
    })
    expect(paceOf({ metadata: { mock_hold_ms: -1 } })).toBeNull()
  })

  it('writes each event on its own, in order', async () => {
    const pieces: string[] = []
    const body = pacedBody(events, 1, { intervalMs: 0, holdMs: 0 }, new AbortController().signal)
    for await (const piece of body) pieces.push(String(piece))
    expect(pieces).toEqual(events)
  })

  it('holds after the first content event until the client goes, then ends without the rest', async () => {
    const gone = new AbortController()
    const pieces: string[] = []
    const body = pacedBody(events, 1, { intervalMs: 0, holdMs: 600_000 }, gone.signal)
    for await (const piece of body) {
      pieces.push(String(piece))
      if (pieces.length === 2) gone.abort()
    }
    expect(pieces).toEqual(events.slice(0, 2))
  })
})
