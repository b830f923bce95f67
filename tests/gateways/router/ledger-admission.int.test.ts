import { describe, expect, it, onTestFinished } from 'vitest'
import { toNanos } from '../../../gateways/router/admission.ts'
import type { ChatCompletionRequest } from '../../../gateways/router/chat-schema.ts'
import { chatWorstCase, worstCaseUsd } from '../../../gateways/router/worst-case.ts'
import { createMemorySpendLedger } from '../../../infra/memory/spend-ledger.ts'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { startMockBackend } from '../../support/mock-backend.ts'
import { admin, chat, newOrganization, startPlatform } from '../admin/api-keys-platform.ts'
import { keyRecord } from './key-record.ts'
import { routerApp } from './router-app.ts'
import { backendOn, routedModel } from './routing-router.ts'

// The admission's life around a request: a budget change made through the admin API applies to
// the very next request (identity marks it on the ledger, the router refreshes before admitting),
// and a hold lives as long as its request, however much longer than its lease.

describe('a budget change', () => {
  it('applies at once: after the admin command returns, the very next request is refused', async () => {
    // The change feed does not poll during the test: only the ledger's mark can bring the change.
    const platform = await startPlatform(makePostgres('apikeys'), { backend: true, feedPollMs: 600_000 })
    const organization_id = await newOrganization(platform)
    const issued = await admin(platform, 'POST', '/api-keys', { name: 'k', organization_id })
    const { key } = issued.body as { key: string }
    // The key is in the router's cache, without a budget (a lookup made while the change feed
    // applies a batch is answered but not kept: asked again until kept).
    const cached = async () => {
      expect((await chat(platform, key)).status).toBe(200)
      return platform.replica.keys.size()
    }
    await expect.poll(cached, { timeout: 10_000 }).toBeGreaterThan(0)
    const terms = { organization_id, limit_usd: '0.000001', period: 'monthly', enforcement: 'hard' }
    expect((await admin(platform, 'POST', '/budgets', terms)).status).toBe(201)
    const refused = await chat(platform, key)
    expect(refused.status).toBe(429)
    expect(refused.body).toMatchObject({ error: { code: 'budget_exceeded', type: 'insufficient_quota' } })
  })
})

describe('a hold', () => {
  it('outlives its lease while its stream runs: renewed, it still keeps the next request out', async () => {
    const mock = await startMockBackend('slow')
    onTestFinished(() => mock.close())
    // The stream sends one delta, then nothing while the connection stays open.
    mock.always({ stallAfterDeltas: 1, reply: 'one two three' })
    const model = routedModel([backendOn(mock)])
    const body: ChatCompletionRequest = {
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    }
    const worst = toNanos(worstCaseUsd(model, chatWorstCase(model, body)))
    // Room for one worst case, not two.
    const limit_micros = Math.ceil((worst * 1.5) / 1000)
    const budget = {
      budget_id: crypto.randomUUID(),
      api_key_id: null,
      period: 'monthly' as const,
      limit_micros,
    }
    const memory = createMemorySpendLedger()
    let renewals = 0
    const ledger: SpendLedger = {
      ...memory,
      renew: async (...args) => {
        renewals++
        return memory.renew(...args)
      },
    }
    const key = keyRecord({ budgets: [{ ...budget, enforcement: 'hard' }] })
    const env = { AIAAS_BUDGET_LEASE_MS: '300' }
    const { app } = await routerApp({ models: () => [model], key, ledger, env })
    onTestFinished(() => app.close())
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    const client = new AbortController()
    onTestFinished(() => client.abort())
    const stream = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
      signal: client.signal,
    })
    expect(stream.status).toBe(200)
    await stream.body?.getReader().read()
    // Six renewals, one every 100 ms: twice the lease has passed since the admission.
    await expect.poll(() => renewals, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(6)
    const second = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer k' },
      payload: body,
    })
    expect(second.statusCode).toBe(429)
    expect(second.json()).toMatchObject({ error: { code: 'budget_exceeded' } })
  })
})

describe('a settle above the hold', () => {
  it('counts the whole cost and the metric, when the backend generated past max_tokens', async () => {
    const mock = await startMockBackend('verbose')
    onTestFinished(() => mock.close())
    // Twenty words answered to max_tokens 1: the backend billed far past the worst case held.
    mock.always({ reply: 'word '.repeat(20).trim() })
    const model = routedModel([backendOn(mock)])
    const key = keyRecord({ budgets: [] })
    const ledger = createMemorySpendLedger()
    const { app, metric } = await routerApp({ models: () => [model], key, ledger })
    onTestFinished(() => app.close())
    const body = { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: 'Bearer k' },
      payload: body,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().usage.completion_tokens).toBe(20)
    const over = () => metric('aiaas_budget_settle_over_hold_total')
    await expect.poll(over, { timeout: 10_000 }).toMatch(/aiaas_budget_settle_over_hold_total\{[^}]*\} 1$/m)
    // The whole cost is spent on the organization's total counter, not just what was held.
    const total = { api_key_id: null, period: 'total' as const, label: 'total', ttl_ms: 60_000 }
    const [state] = await ledger.counters(key.organization_id, [total])
    const cost = toNanos(((response.json().usage.prompt_tokens + 20) * model.input_usd_per_mtok) / 1_000_000)
    expect(state).toMatchObject({ spent_nanos: cost, reserved_nanos: 0 })
  })
})
