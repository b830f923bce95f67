import { describe, expect, it } from 'vitest'
import { BatchLoop, type BatchLoopOptions } from '../../infra/batch-loop.ts'
import { waitFor } from './contracts/usage-bus.contract.ts'

const options = (extra: Partial<BatchLoopOptions> = {}): BatchLoopOptions => ({
  maxItems: 2,
  maxWaitMs: 5,
  idleMs: 60_000,
  retryDelayMs: 5,
  maxRetryDelayMs: 5,
  ...extra,
})

describe('batch loop', () => {
  it('retries a failed batch whole, in place; items that arrived meanwhile wait behind it', async () => {
    const runs: number[][] = []
    const loop = new BatchLoop<number>(
      options(),
      async (items) => {
        runs.push([...items])
        if (runs.length === 1) {
          loop.push(3)
          throw new Error('database hiccup')
        }
      },
      () => {},
    )
    loop.push(1)
    loop.push(2)
    await waitFor(() => runs.flat().includes(3), 'the item behind the failed batch')
    expect(runs).toEqual([[1, 2], [1, 2], [3]])
    expect(await loop.stop(1000)).toEqual([])
  })

  it('stop() hands back a batch waiting for its retry and the pending items, without waiting out the back-off', async () => {
    const failures: Array<number | null> = []
    const loop = new BatchLoop<number>(
      options({ retryDelayMs: 600_000, maxRetryDelayMs: 600_000 }),
      async () => {
        throw new Error('down')
      },
      (_error, retryInMs) => failures.push(retryInMs),
    )
    for (const item of [1, 2, 3]) loop.push(item)
    await waitFor(() => failures.length >= 1, 'the first failure')
    // The stop bound (10 min) exceeds the test's timeout: resolving at all shows the retry's
    // back-off was cut short rather than awaited.
    expect(await loop.stop(600_000)).toEqual([1, 2, 3])
    expect(failures).toEqual([600_000])
    expect(loop.push(4)).toBe(false)
  })

  it('doubles the back-off per failure of the same batch, up to the cap', async () => {
    const delays: Array<number | null> = []
    const loop = new BatchLoop<number>(
      options({ retryDelayMs: 1, maxRetryDelayMs: 4 }),
      async () => {
        if (delays.length < 5) throw new Error('down')
      },
      (_error, retryInMs) => delays.push(retryInMs),
    )
    loop.push(1)
    await waitFor(() => delays.length >= 5, 'five failures')
    expect(delays).toEqual([1, 2, 4, 4, 4])
    await loop.stop(1000)
  })

  it('runs an empty batch when idle, not retried when it fails', async () => {
    const runs: number[][] = []
    const failures: Array<number | null> = []
    const loop = new BatchLoop<number>(
      options({ idleMs: 5 }),
      async (items) => {
        runs.push([...items])
        throw new Error('no database')
      },
      (_error, retryInMs) => failures.push(retryInMs),
    )
    await waitFor(() => runs.length >= 2, 'two idle batches')
    await loop.stop(1000)
    expect(runs.slice(0, 2)).toEqual([[], []])
    expect(failures.slice(0, 2)).toEqual([null, null])
  })
})
