import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { type MockModelSocket, serveMockModelOnSocket } from '../../../gateways/mock-model/socket.ts'
import { budgetCounter } from '../../../gateways/router/budget.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import type { BudgetLedger } from '../../../infra/ports/budget-ledger.ts'
import { createRedisBudgetLedger } from '../../../infra/redis/budget-ledger.ts'
import type { KeyBudget } from '../../../projections/api-keys/key-lookup.ts'
import { deleteKeys } from '../../support/redis.ts'
import { keyRecord } from './key-record.ts'
import { routerApp } from './router-app.ts'

// Budgets as the router enforces them, on the real Redis ledger: every hard budget that applies
// (the organization's and the key's) must have room, periods follow the organization's time zone,
// and a soft budget counts but never refuses.
const config = loadConfig({ AIAAS_LOG_LEVEL: 'silent' })
const PREFIX = `aiaas-test:router-budgets:${v7()}:`
const KEY = newKeySecret()
const NANOS = 1_000_000_000
let ledger: BudgetLedger
let dir: string
let mock: MockModelSocket
const apps: { close(): Promise<unknown> }[] = []

beforeAll(async () => {
  ledger = createRedisBudgetLedger(config.AIAAS_REDIS_URL, { keyPrefix: PREFIX })
  dir = await mkdtemp(join(tmpdir(), 'aiaas-router-budgets-'))
  mock = await serveMockModelOnSocket({ dataDir: dir, logLevel: 'silent', now: () => new Date(), newId: v7 })
})
afterAll(async () => {
  for (const app of apps) await app.close()
  await mock?.close()
  await ledger?.close()
  await deleteKeys(config.AIAAS_REDIS_URL, PREFIX)
  await rm(dir, { recursive: true, force: true })
})

const budget = (fields: Partial<KeyBudget>): KeyBudget => ({
  budget_id: v7(),
  api_key_id: null,
  limit_micros: 1_000_000,
  period: 'monthly',
  enforcement: 'hard',
  ...fields,
})

/** A router whose one key has `budgets`, in an organization in `timezone`, at the instant `now()`. */
async function router(budgets: KeyBudget[], timezone: string, now: () => Date) {
  // $0.01 a token either way: 'hello' with max_tokens 2 holds (5 bytes + 8 + 2) × $0.01 = $0.15.
  const price = { input_usd_per_mtok: 10_000, output_usd_per_mtok: 10_000, max_output_tokens: 4096 }
  const model = { name: 'echo', backend_url: mock.url, backend_socket_path: mock.socketPath, ...price }
  const key = keyRecord({ budgets, organization_timezone: timezone })
  const { app } = await routerApp({ models: () => [model], key, budgets: ledger, now })
  apps.push(app)
  await app.ready()
  const chat = async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'echo', max_tokens: 2, messages: [{ role: 'user', content: 'hello' }] },
    })
    return { status: response.statusCode, body: response.json() }
  }
  return { app, chat }
}

/** Spends `usd` on a budget's counter for the period `at` falls in, as earlier requests would have. */
async function spend(b: KeyBudget, timezone: string, at: Date, usd: number) {
  const counter = budgetCounter(b, timezone, at)
  const id = v7()
  const options = { holdMs: 60_000, keyTtlMs: counter.ttlMs }
  await ledger.reserve(counter.key, id, 0, Number.MAX_SAFE_INTEGER, options)
  await ledger.settle(counter.key, id, Math.round(usd * NANOS))
}

const usage = (b: KeyBudget, timezone: string, at: Date) => ledger.usage(budgetCounter(b, timezone, at).key)

describe('router budgets', () => {
  it('refuses on the key’s budget while the organization’s has room, and holds nothing on either', async () => {
    const now = new Date('2026-11-26T10:00:00Z')
    const org = budget({ limit_micros: 100_000_000 })
    const key = budget({ api_key_id: 'k1', period: 'daily', limit_micros: 1_000_000 })
    await spend(key, 'UTC', now, 0.95)
    const { chat } = await router([org, key], 'UTC', () => now)
    const refused = await chat()
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' })
    expect(refused.body.error.message).toContain('this API key')
    expect(refused.body.error.message).toContain('daily budget')
    // The organization's hold was taken first and given back when the key's refused.
    expect(await usage(org, 'UTC', now)).toEqual({ spent_nanos: 0, reserved_nanos: 0 })

    // With room on the key, the same request passes and is counted on both budgets.
    const roomy = { ...key, limit_micros: 5_000_000 }
    const ok = await (await router([org, roomy], 'UTC', () => now)).chat()
    expect(ok.status).toBe(200)
    const orgSpent = (await usage(org, 'UTC', now)).spent_nanos
    expect(orgSpent).toBeGreaterThan(0)
    expect((await usage(roomy, 'UTC', now)).spent_nanos).toBe(Math.round(0.95 * NANOS) + orgSpent)
  })

  it('counts a daily budget in the organization’s day: in Tokyo (UTC+9) the day turns at 15:00 UTC', async () => {
    const daily = budget({ period: 'daily', limit_micros: 1_000_000 })
    const lateOn30th = new Date('2026-11-30T14:30:00Z') // 23:30 on 30 November in Tokyo
    const earlyOn1st = new Date('2026-11-30T15:30:00Z') // 00:30 on 1 December in Tokyo, still the 30th in UTC
    await spend(daily, 'Asia/Tokyo', lateOn30th, 1)
    let now = lateOn30th
    const { chat } = await router([daily], 'Asia/Tokyo', () => now)
    expect((await chat()).status).toBe(429)
    now = earlyOn1st
    expect((await chat()).status).toBe(200)
    expect(budgetCounter(daily, 'Asia/Tokyo', now).key).toBe(`budget:${daily.budget_id}:2026-12-01`)
    expect((await usage(daily, 'Asia/Tokyo', earlyOn1st)).spent_nanos).toBeGreaterThan(0)
    expect((await usage(daily, 'Asia/Tokyo', lateOn30th)).spent_nanos).toBe(NANOS)
  })

  it('never refuses on a soft budget, even spent past its limit, and still counts the spend', async () => {
    const now = new Date('2026-11-26T10:00:00Z')
    const soft = budget({ enforcement: 'soft', limit_micros: 10_000 })
    await spend(soft, 'UTC', now, 0.5)
    const { chat } = await router([soft], 'UTC', () => now)
    for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(200)
    const after = await usage(soft, 'UTC', now)
    expect(after.spent_nanos).toBeGreaterThan(0.5 * NANOS)
    expect(after.reserved_nanos).toBe(0)
  })
})
