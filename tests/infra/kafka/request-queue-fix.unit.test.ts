import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  fixKafkaJsRequestQueue,
  installedKafkaJsVersion,
  kafkaJsRequestQueue,
  PATCHED_KAFKAJS_VERSION,
} from '../../../infra/kafka/request-queue-fix.ts'

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

interface Queue {
  pending: unknown[]
  throttledUntil: number
  throttleCheckTimeoutId: unknown
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

function newQueue(): Queue {
  const RequestQueue = kafkaJsRequestQueue() as unknown as new (options: object) => Queue
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 1000,
    clientId: 't',
    broker: 'b',
    logger: silent,
  })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('kafkajs request queue fix (ADR 0007)', () => {
  it('is written for the installed kafkajs: an upgrade must look again at kafkajs#1751', () => {
    expect(installedKafkaJsVersion(), 'kafkajs changed: is #1751 fixed? then drop the fix').toBe(
      PATCHED_KAFKAJS_VERSION,
    )
    expect(fixKafkaJsRequestQueue()).toBe(true)
  })

  it('arms no timer when nothing is pending and nothing is throttled', () => {
    fixKafkaJsRequestQueue()
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const queue = newQueue()
      queue.checkPendingRequests()
      expect(queue.throttleCheckTimeoutId).toBeNull()
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutNegativeWarning')
  })

  it("still checks a pending request when the broker's throttle ends, and not before", () => {
    fixKafkaJsRequestQueue()
    vi.useFakeTimers()
    const queue = newQueue()
    const checks = vi.fn()
    queue.checkPendingRequests = checks
    queue.pending = [{}]
    queue.throttledUntil = Date.now() + 500
    queue.scheduleCheckPendingRequests()
    vi.advanceTimersByTime(499)
    expect(checks).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(checks).toHaveBeenCalledTimes(1)
  })

  it('re-checks a full queue (in-flight limit) every 10 ms, as kafkajs does', () => {
    fixKafkaJsRequestQueue()
    vi.useFakeTimers()
    const queue = newQueue()
    const checks = vi.fn()
    queue.checkPendingRequests = checks
    queue.pending = [{}]
    queue.scheduleCheckPendingRequests()
    vi.advanceTimersByTime(10)
    expect(checks).toHaveBeenCalledTimes(1)
  })
})
