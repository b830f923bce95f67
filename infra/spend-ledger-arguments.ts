import { z } from 'zod'
import { AppError } from '../domain/errors.ts'
import type { AdmitRequest, CounterRef, SettleRequest } from './ports/spend-ledger.ts'

// Both spend ledgers check their arguments alike before anything runs: amounts are safe
// integers (a Lua double or a JS number past 2^53 would silently round money).
const nanos = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const millis = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const id = z.string().min(1)
const counter = z.object({
  api_key_id: id.nullable(),
  period: z.enum(['daily', 'monthly', 'total']),
  label: id,
  ttl_ms: millis,
})
const admit = z.object({
  organization_id: id,
  api_key_id: id,
  hold_id: id,
  amount_nanos: nanos,
  tokens: nanos,
  spend: z.array(counter),
  budgets: z.array(z.object({ budget_id: id, counter, limit_nanos: nanos, hard: z.boolean() })),
  limits: z.array(
    z.object({
      scope: z.enum(['key', 'organization', 'model']),
      id,
      unit: z.enum(['requests', 'tokens']),
      per_minute: z.number().int().positive().max(1e12),
    }),
  ),
  lease_ms: millis,
  known_position: z.string().regex(/^\d+$/).nullable(),
})
const settle = z.object({ organization_id: id, hold_id: id, cost_nanos: nanos, tokens: nanos })

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): void {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    throw new AppError('BUDGET_ARGUMENT_INVALID', `invalid spend ledger ${what}`, {
      issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    })
  }
}

export const assertAdmit = (request: AdmitRequest) => check(admit, request, 'admission')
export const assertSettle = (request: SettleRequest) => check(settle, request, 'settle')
export const assertHold = (organization_id: string, hold_id: string, lease_ms?: number) =>
  check(
    z.object({ organization_id: id, hold_id: id, lease_ms: millis.optional() }),
    { organization_id, hold_id, lease_ms },
    'hold',
  )
export const assertSeed = (organization_id: string, ref: CounterRef, recorded_nanos: number) =>
  check(
    z.object({ organization_id: id, ref: counter, recorded_nanos: nanos }),
    { organization_id, ref, recorded_nanos },
    'seed',
  )
export const assertCounters = (organization_id: string, refs: readonly CounterRef[]) =>
  check(z.object({ organization_id: id, refs: z.array(counter) }), { organization_id, refs }, 'counters')
export const assertPosition = (position: string) => check(z.string().regex(/^\d+$/), position, 'position')
