import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { newKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { type MockModelSocket, serveMockModelOnSocket } from '../../../gateways/mock-model/socket.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { type CounterRef, counterRef, type SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { createRedisSpendLedger } from '../../../infra/redis/spend-ledger.ts'
import type { ApiKeyRecord, KeyBudget } from '../../../projections/api-keys/key-lookup.ts'
import { deleteKeys } from '../../support/redis.ts'
import { keyRecord } from './key-record.ts'
import { routerApp } from './router-app.ts'

// Budgets and limits as the router enforces them, on the real Redis spend ledger: every hard
// budget that applies (the organization's and the key's) must have room, periods follow the
// organization's time zone, a soft budget counts but never refuses; RPM and TPM refuse with
// Retry-After and OpenAI's x-ratelimit-* headers; the ledger down fails closed unless the
// organization chose fail-open.
const config = loadConfig({ AIAAS_LOG_LEVEL: 'silent' })
const PREFIX = `aiaas-test:router-budgets:${v7()}:`
const KEY = newKeySecret()
const NANOS = 1_000_000_000
let ledger: SpendLedger
let dir: string
let mock: MockModelSocket

beforeAll(async () => {
  ledger = createRedisSpendLedger(config.AIAAS_REDIS_URL, { keyPrefix: PREFIX })
  dir = await mkdtemp(join(tmpdir(), 'aiaas-router-budgets-'))
  mock = await serveMockModelOnSocket({ dataDir: dir, logLevel: 'silent', now: () => new Date(), newId: v7 })
})
afterAll(async () => {
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

/** A key of its own organization (so no test shares counters), with `fields`. */
const freshKey = (fields: Partial<ApiKeyRecord>) =>
  keyRecord({ api_key_id: v7(), organization_id: v7(), ...fields })

// $0.01 a token either way: a small request costs cents, its worst case tens of cents.
const price = { input_usd_per_mtok: 10_000, output_usd_per_mtok: 10_000, max_output_tokens: 4096 }

/** A router whose one key is `key`, at the instant `now()`, on `spend` (default: the Redis ledger). */
async function router(key: ApiKeyRecord, now: () => Date = () => new Date(), spend = ledger) {
  const model = { name: 'echo', backend_url: mock.url, backend_socket_path: mock.socketPath, ...price }
  const { app } = await routerApp({ models: () => [model], key, ledger: spend, now })
  onTestFinished(() => app.close())
  await app.ready()
  const chat = async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'echo', max_tokens: 2, messages: [{ role: 'user', content: 'hello' }] },
    })
    return { status: response.statusCode, body: response.json(), headers: response.headers }
  }
  return { app, chat }
}

const counterOf = (b: KeyBudget, timezone: string, at: Date): CounterRef =>
  counterRef(b.api_key_id, b.period, timezone, at)

/** Spends `usd` on a budget's counter for the period `at` falls in, as earlier requests would have. */
async function spend(key: ApiKeyRecord, b: KeyBudget, at: Date, usd: number) {
  await ledger.seed(key.organization_id, counterOf(b, key.organization_timezone, at), Math.round(usd * NANOS))
}

async function usage(key: ApiKeyRecord, b: KeyBudget, at: Date) {
  const [state] = await ledger.counters(key.organization_id, [counterOf(b, key.organization_timezone, at)])
  return { spent_nanos: state?.spent_nanos, reserved_nanos: state?.reserved_nanos }
}

/**
 * The counter once every hold on it is settled: the router settles after the response has gone
 * out, so a read right after a 200 may come before the settle lands.
 */
async function settledUsage(key: ApiKeyRecord, b: KeyBudget, at: Date) {
  await expect.poll(async () => (await usage(key, b, at)).reserved_nanos, { timeout: 5000 }).toBe(0)
  return usage(key, b, at)
}

describe('router budgets', () => {
  it('refuses on the key’s budget while the organization’s has room, naming it and when it resets', async () => {
    const now = new Date('2026-11-26T10:00:00Z')
    const api_key_id = v7()
    const org = budget({ limit_micros: 100_000_000 })
    const own = budget({ api_key_id, period: 'daily', limit_micros: 1_000_000 })
    const key = freshKey({ api_key_id, budgets: [org, own] })
    await spend(key, own, now, 0.95)
    const { chat } = await router(key, () => now)
    const refused = await chat()
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatchObject({ type: 'insufficient_quota', code: 'budget_exceeded' })
    expect(refused.body.error.message).toContain(`daily budget ${own.budget_id} of this API key`)
    expect(refused.body.error.message).toContain('it resets at 2026-11-27T00:00:00.000Z')
    expect(refused.headers['x-ratelimit-limit-requests']).toBe(String(config.AIAAS_DEFAULT_KEY_RPM))
    // Nothing was held on the organization's budget for the refused request.
    expect(await usage(key, org, now)).toMatchObject({ spent_nanos: 0, reserved_nanos: 0 })

    // With room on the key, the same request passes and is counted on both counters.
    const roomy = { ...own, limit_micros: 5_000_000 }
    const ok = await (await router({ ...key, budgets: [org, roomy] }, () => now)).chat()
    expect(ok.status).toBe(200)
    const orgSpent = (await settledUsage(key, org, now)).spent_nanos ?? 0
    expect(orgSpent).toBeGreaterThan(0)
    expect((await settledUsage(key, roomy, now)).spent_nanos).toBe(Math.round(0.95 * NANOS) + orgSpent)
  })

  it('counts a daily budget in the organization’s day: in Tokyo (UTC+9) the day turns at 15:00 UTC', async () => {
    const daily = budget({ period: 'daily', limit_micros: 1_000_000 })
    const key = freshKey({ budgets: [daily], organization_timezone: 'Asia/Tokyo' })
    const lateOn30th = new Date('2026-11-30T14:30:00Z') // 23:30 on 30 November in Tokyo
    const earlyOn1st = new Date('2026-11-30T15:30:00Z') // 00:30 on 1 December in Tokyo, still the 30th in UTC
    await spend(key, daily, lateOn30th, 1)
    let now = lateOn30th
    const { chat } = await router(key, () => now)
    expect((await chat()).status).toBe(429)
    now = earlyOn1st
    expect((await chat()).status).toBe(200)
    expect(counterOf(daily, 'Asia/Tokyo', now).label).toBe('2026-12-01')
    expect((await settledUsage(key, daily, earlyOn1st)).spent_nanos).toBeGreaterThan(0)
    expect((await usage(key, daily, lateOn30th)).spent_nanos).toBe(NANOS)
  })

  it('never refuses on a soft budget, even spent past its limit, and still counts the spend', async () => {
    const now = new Date('2026-11-26T10:00:00Z')
    const soft = budget({ enforcement: 'soft', limit_micros: 10_000 })
    const key = freshKey({ budgets: [soft] })
    await spend(key, soft, now, 0.5)
    const { chat } = await router(key, () => now)
    for (let i = 0; i < 3; i++) expect((await chat()).status).toBe(200)
    const after = await settledUsage(key, soft, now)
    expect(after.spent_nanos).toBeGreaterThan(0.5 * NANOS)
    expect(after.reserved_nanos).toBe(0)
  })
})

describe('router limits', () => {
  it('RPM: the key’s third request in a minute is 429 rate_limited with Retry-After and the headers', async () => {
    const { chat } = await router(freshKey({ rpm_limit: 2 }))
    const first = await chat()
    expect(first.status).toBe(200)
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
    })
    expect((await chat()).status).toBe(200)
    const refused = await chat()
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' })
    expect(refused.body.error.message).toContain('2 requests per minute for this API key')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(refused.headers).toMatchObject({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
    })
    expect(refused.headers['x-ratelimit-reset-requests']).toMatch(/^\d+(\.\d+)?s$/)
  })

  it('RPM: a body that fails validation counts too', async () => {
    const { app, chat } = await router(freshKey({ rpm_limit: 1 }))
    const invalid = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'echo', messages: 'not a list' },
    })
    expect(invalid.statusCode).toBe(400)
    const refused = await chat()
    expect(refused.status).toBe(429)
    expect(refused.body.error.code).toBe('rate_limited')
  })

  it('TPM: the organization’s tokens per minute refuse once the worst cases fill them', async () => {
    const { chat } = await router(freshKey({ organization_tpm_limit: 200 }))
    let refused: Awaited<ReturnType<typeof chat>> | undefined
    for (let i = 0; i < 200 && !refused; i++) {
      const answer = await chat()
      if (answer.status !== 200) refused = answer
      else expect(answer.headers['x-ratelimit-limit-tokens']).toBe('200')
    }
    expect(refused?.status).toBe(429)
    expect(refused?.body.error.code).toBe('rate_limited')
    expect(refused?.body.error.message).toContain('200 tokens per minute for the organization')
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(refused?.headers['x-ratelimit-limit-tokens']).toBe('200')
  })
})

describe('the spend ledger down', () => {
  const down = () => {
    const closed = createRedisSpendLedger('redis://127.0.0.1:1', { keyPrefix: PREFIX })
    onTestFinished(() => closed.close())
    return closed
  }

  it('fails closed: 503 budget_ledger_unavailable with Retry-After 1', async () => {
    const { chat } = await router(freshKey({ budgets: [budget({})] }), () => new Date(), down())
    const refused = await chat()
    expect(refused.status).toBe(503)
    expect(refused.body.error.code).toBe('budget_ledger_unavailable')
    expect(refused.headers['retry-after']).toBe('1')
  })

  it('an organization that fails open is served unmetered, and the admission is counted', async () => {
    const key = freshKey({ budgets: [budget({})], organization_limits_fail_open: true })
    const model = { name: 'echo', backend_url: mock.url, backend_socket_path: mock.socketPath, ...price }
    const { app, outcomes, metric } = await routerApp({ models: () => [model], key, ledger: down() })
    onTestFinished(() => app.close())
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { model: 'echo', max_tokens: 2, messages: [{ role: 'user', content: 'hello' }] },
    })
    expect(response.statusCode).toBe(200)
    expect(await outcomes()).toContain('outcome="ok"')
    expect(await metric('aiaas_ledger_fail_open_total')).toMatch(/aiaas_ledger_fail_open_total\{[^}]*\} 1$/m)
  })
})
