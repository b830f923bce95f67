import type { Subject } from '../../domain/authorization/subject.ts'
import { loadAuthorizer } from '../../infra/opa/authorizer.ts'
import type { AuthorizationInput, Authorizer } from '../../infra/ports/authorizer.ts'
import { type Measurement, percentile, round } from './measure.ts'

// Decisions per second and the latency of one decision through the kept policy.wasm
// (docs/benchmarks.md; the target: p99 ≤ 0.2 ms). The baseline is a no-op authorizer in the
// same loop, so what it costs is the loop and the clock, not the policy. In-process and synchronous:
// one caller, no services.

const ORGS = Array.from({ length: 8 }, (_, i) => `0190a000-0000-7000-8000-0000000000${(10 + i).toString(16)}`)
const subject: Subject = {
  actor: 'user:0190a000-0000-7000-8000-000000000001',
  kind: 'user',
  platform_admin: false,
  memberships: { [ORGS[0]!]: ['org_admin', 'analyst'], [ORGS[1]!]: ['member'] },
}
/** A mix of allowed, forbidden and hidden requests, as the admin API sees them. */
const inputs: AuthorizationInput[] = ORGS.flatMap((organization_id) =>
  (['api_keys:read', 'budgets:update', 'analytics:read', 'organizations:close'] as const).map((action) => ({
    subject,
    action,
    resource: { type: 'api_key', organization_id, owner: null },
  })),
)

function measure(name: string, authorizer: Authorizer, decisions: number): Measurement {
  const latencies = new Float64Array(decisions)
  let allowed = 0
  const started = performance.now()
  for (let i = 0; i < decisions; i++) {
    const t0 = performance.now()
    if (authorizer.decide(inputs[i % inputs.length]!).allow) allowed++
    latencies[i] = performance.now() - t0
  }
  const seconds = (performance.now() - started) / 1000
  const sorted = [...latencies].sort((a, b) => a - b)
  if (allowed === decisions + 1) throw new Error('unreachable: keeps the decisions from being optimized away')
  return {
    name,
    ops: decisions,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: Math.round(decisions / seconds),
    rows_per_s: Math.round(decisions / seconds),
    p50_ms: round(percentile(sorted, 50), 4),
    p99_ms: round(percentile(sorted, 99), 4),
  }
}

export async function authzBench(decisions = 200_000): Promise<Measurement[]> {
  const policy = await loadAuthorizer()
  const noop: Authorizer = { decide: () => ({ allow: true, deny_as: 'forbidden' }) }
  measure('warm-up', policy, 20_000)
  const baseline = measure('no-op authorizer', noop, decisions)
  const wasm = measure('policy.wasm decide', policy, decisions)
  return [
    baseline,
    { ...wasm, baseline: baseline.name, ratio_to_baseline: round(wasm.ops_per_s / baseline.ops_per_s, 4) },
  ]
}
