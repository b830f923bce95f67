import { expect } from 'vitest'
import type { UsageEvent } from '../../../infra/ports/usage.ts'

/**
 * The usage event of a request whose caller got a first byte: its TTFB was measured, and on the
 * request's own clock it comes after the start and never after the end.
 */
export function expectFirstByteTimed(event: UsageEvent | undefined) {
  expect(event?.ttfb_ms).toBeGreaterThan(0)
  expect(event?.ttfb_ms).toBeLessThanOrEqual(event?.latency_ms ?? Number.NaN)
}
