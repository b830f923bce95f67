import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Config } from '../../infra/config/config.ts'
import type { AdmitRequest, CounterRef, SpendLedger } from '../../infra/ports/spend-ledger.ts'
import { evalScript, luaScript } from '../../infra/redis/client.ts'
import { createRedisSpendLedger } from '../../infra/redis/spend-ledger.ts'
import { deleteKeys } from '../support/redis.ts'
import { type Measurement, round, runLoad, runPaired } from './measure.ts'

// The spend ledger on a real Redis (ADR 0020): admit + settle of one request (2 hard budgets,
// 6 spend counters, 4 limits) against a bare EVALSHA of a no-op script at 32, 8 and 1 callers,
// with 10k live holds and up to AIAAS_BENCH_LEDGER_FILL requests (default 1M) settled in the
// period first; Redis used_memory before and after those settles (it should stay flat: a settled
// request leaves nothing behind), Redis' own CPU per pair (INFO cpu around 8 callers; exact
// only when nothing else uses that Redis), and the pair through an auto-pipelined connection
// against the plain one at 1, 8 and 32 callers. Figures only.
const FILL = Number(process.env.AIAAS_BENCH_LEDGER_FILL ?? 1_000_000)
const CPU_PAIRS = 20_000
const FILL_TIME_MS = 240_000
const LIVE = 10_000

const counter = (api_key_id: string | null, period: CounterRef['period'], label: string): CounterRef => ({
  api_key_id,
  period,
  label,
  ttl_ms: 40 * 86_400_000,
})

function requestOf(org: string, key: string): AdmitRequest {
  const spend = [
    counter(null, 'daily', '2026-11-26'),
    counter(null, 'monthly', '2026-11'),
    counter(null, 'total', 'total'),
    counter(key, 'daily', '2026-11-26'),
    counter(key, 'monthly', '2026-11'),
    counter(key, 'total', 'total'),
  ]
  const huge = 9_000_000_000_000_000
  return {
    organization_id: org,
    api_key_id: key,
    hold_id: randomUUID(),
    amount_nanos: 1_000,
    tokens: 100,
    spend,
    budgets: [
      { budget_id: 'org-monthly', counter: spend[1] as CounterRef, limit_nanos: huge, hard: true },
      { budget_id: 'key-daily', counter: spend[3] as CounterRef, limit_nanos: huge, hard: true },
    ],
    limits: [
      { scope: 'key', id: key, unit: 'requests', per_minute: 1e12 },
      { scope: 'key', id: key, unit: 'tokens', per_minute: 1e12 },
      { scope: 'organization', id: org, unit: 'requests', per_minute: 1e12 },
      { scope: 'model', id: 'bench-model', unit: 'tokens', per_minute: 1e12 },
    ],
    lease_ms: 3_600_000,
    known_position: '1',
  }
}

async function admitSettle(ledger: SpendLedger, org: string, key: string): Promise<void> {
  const request = requestOf(org, key)
  const admitted = await ledger.admit(request)
  if (admitted.kind !== 'admitted') throw new Error(`not admitted: ${admitted.kind}`)
  await ledger.settle({ organization_id: org, hold_id: request.hold_id, cost_nanos: 700, tokens: 80 })
}

/** Redis' main-thread CPU seconds so far (user + system). */
async function redisCpuSeconds(admin: Redis): Promise<number> {
  const info = await admin.info('cpu')
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN)
  return field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread')
}

/** Redis CPU per admit + settle pair, in µs, over CPU_PAIRS pairs from 8 callers. */
async function cpuPerPair(ledger: SpendLedger, admin: Redis, org: string, key: string): Promise<Measurement> {
  const before = await redisCpuSeconds(admin)
  const load = await runLoad({
    name: 'cpu',
    writers: 8,
    total: CPU_PAIRS,
    timeLimitMs: 30_000,
    op: () => admitSettle(ledger, org, key),
  })
  const perPair = ((await redisCpuSeconds(admin)) - before) / load.ops
  return { ...load, name: `Redis CPU per admit + settle pair: ${round(perPair * 1e6, 1)} µs (8 callers)` }
}

/** The same pairs through a second, auto-pipelined connection (infra/redis/client.ts), against the plain one. */
async function autoPipelining(
  config: Config,
  keyPrefix: string,
  plain: SpendLedger,
  org: string,
  key: string,
): Promise<Measurement[]> {
  const options = { keyPrefix, commandTimeoutMs: 30_000, autoPipelining: true }
  const piped = createRedisSpendLedger(config.AIAAS_REDIS_URL, options)
  const figures: Measurement[] = []
  for (const writers of [1, 8, 32]) {
    const load = (name: string, ledger: SpendLedger) => ({
      name: `admit + settle, ${name}, ${writers} caller${writers === 1 ? '' : 's'}`,
      writers,
      total: writers === 1 ? 4_000 : 20_000,
      timeLimitMs: 15_000,
      op: () => admitSettle(ledger, org, key),
    })
    figures.push(...(await runPaired(4, load('auto-pipelined', piped), load('one write per command', plain))))
  }
  await piped.close()
  return figures
}

async function usedMemory(admin: Redis): Promise<number> {
  const info = await admin.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
}

/** Settles up to FILL requests (bounded by FILL_TIME_MS), 2000 in flight; answers how many. */
async function fill(
  ledger: SpendLedger,
  org: string,
  key: string,
): Promise<{ settled: number; seconds: number }> {
  const started = performance.now()
  let settled = 0
  while (settled < FILL && performance.now() - started < FILL_TIME_MS) {
    await Promise.all(Array.from({ length: 2_000 }, () => admitSettle(ledger, org, key)))
    settled += 2_000
  }
  return { settled, seconds: (performance.now() - started) / 1000 }
}

export async function ledgerBench(config: Config): Promise<Measurement[]> {
  const keyPrefix = `bench:spend:${randomUUID()}:`
  const ledger = createRedisSpendLedger(config.AIAAS_REDIS_URL, { keyPrefix, commandTimeoutMs: 30_000 })
  const admin = new Redis(config.AIAAS_REDIS_URL)
  const org = `org-${randomUUID()}`
  const key = `key-${randomUUID()}`
  await ledger.markChanged('1')
  for (const ref of requestOf(org, key).spend) await ledger.seed(org, ref, 0)
  for (let i = 0; i < LIVE; i += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, () => ledger.admit(requestOf(org, key))))
  }
  const before = await usedMemory(admin)
  const filled = await fill(ledger, org, key)
  const after = await usedMemory(admin)
  const noop = luaScript('return 1')
  const pair = (writers: number, total: number, timeLimitMs: number) => {
    const callers = `${writers} caller${writers === 1 ? '' : 's'}`
    return runPaired(
      4,
      {
        name: `admit + settle (2 round trips), ${callers}`,
        writers,
        total,
        timeLimitMs,
        op: () => admitSettle(ledger, org, key),
      },
      {
        name: `bare EVALSHA no-op, ${callers}`,
        writers,
        total,
        timeLimitMs,
        op: async () => void (await evalScript(admin, noop, [], [])),
      },
    )
  }
  const crowded = await pair(32, 40_000, 20_000)
  const eight = await pair(8, 20_000, 15_000)
  // One caller: the latency one request adds (the p99 target), without queueing behind others.
  const single = await pair(1, 5_000, 10_000)
  const cpu = await cpuPerPair(ledger, admin, org, key)
  const pipelined = await autoPipelining(config, keyPrefix, ledger, org, key)
  await ledger.close()
  await admin.quit()
  await deleteKeys(config.AIAAS_REDIS_URL, keyPrefix)
  const memory: Measurement = {
    name: `fill: ${filled.settled} settled over ${LIVE} live holds; used_memory ${before} → ${after} B (${round((after - before) / 1024, 1)} KiB)`,
    ops: filled.settled,
    rows_per_op: 1,
    seconds: round(filled.seconds, 3),
    ops_per_s: round(filled.settled / filled.seconds, 1),
    rows_per_s: round(filled.settled / filled.seconds, 1),
    p50_ms: 0,
    p99_ms: 0,
  }
  return [memory, ...crowded, ...eight, ...single, cpu, ...pipelined]
}
