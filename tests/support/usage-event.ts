import { v7 as uuidv7 } from 'uuid'
import type { UsageEvent } from '../../infra/ports/usage.ts'

/**
 * A valid usage event with a new id, for tests, child scripts and benchmarks (no test-runner
 * import here: a benchmark or a spawned script loads it too).
 */
export function usageEvent(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: uuidv7(),
    organization_id: '0190a000-0000-7000-8000-000000000010',
    api_key_id: '0190a000-0000-7000-8000-000000000020',
    model: 'echo',
    backend: 'mock:8090',
    status: 'ok',
    http_status: 200,
    input_tokens: 12,
    output_tokens: 34,
    cost_usd: 0.000057,
    latency_ms: 41.5,
    streamed: false,
    occurred_at: new Date().toISOString(),
    ...overrides,
  }
}
