import { describe, expect, it, vi } from 'vitest'
import { withDeadline } from '../../infra/deadline.ts'

const late = () => new Error('late')

describe('withDeadline', () => {
  it('settles as the work does when it is in time', async () => {
    await expect(withDeadline(Promise.resolve(42), 1000, late)).resolves.toBe(42)
    const refused = Promise.reject(new Error('refused'))
    await expect(withDeadline(refused, 1000, late)).rejects.toThrow('refused')
  })

  it("rejects with the caller's error once the deadline passes, and keeps no timer after", async () => {
    vi.useFakeTimers()
    try {
      const bounded = withDeadline(new Promise<never>(() => {}), 500, () => new Error('no answer in 500 ms'))
      const outcome = expect(bounded).rejects.toThrow('no answer in 500 ms')
      await vi.advanceTimersByTimeAsync(500)
      await outcome
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('clears its timer when the work wins, so a process is not held open', async () => {
    vi.useFakeTimers()
    try {
      await withDeadline(Promise.resolve('done'), 60_000, late)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('ignores work that fails after the deadline (no unhandled rejection)', async () => {
    let fail: (error: Error) => void = () => {}
    const work = new Promise<never>((_, reject) => {
      fail = reject
    })
    await expect(withDeadline(work, 10, late)).rejects.toThrow('late')
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    try {
      fail(new Error('after the deadline'))
      // Node reports unhandled rejections after the microtask queue drains, before the next macrotask.
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).not.toHaveBeenCalled()
    } finally {
      process.off('unhandledRejection', unhandled)
    }
  })
})
