import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockModel } from '../../../gateways/processes/separate.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../../support/embedded.ts'
import { freePort } from '../../support/processes.ts'
import { createOrgAndKey, json } from '../../support/walkthrough.ts'

// The budget alert webhook through the whole embedded platform: the URL set by PATCH on the
// organization, spend past a budget's threshold by the router, the crossing recorded by the
// threshold watch and POSTed to a local receiver by the embedded webhook subscription.

type Received = { eventId: string | undefined; body: Record<string, unknown> }

describe('budget alert webhook (embedded)', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let mock: Awaited<ReturnType<typeof startMockModel>>
  let receiver: Server
  let hook: string
  const received: Received[] = []

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let text = ''
      request.on('data', (chunk) => {
        text += chunk
      })
      request.on('end', () => {
        const eventId = request.headers['x-aiaas-event-id'] as string | undefined
        received.push({ eventId, body: JSON.parse(text) })
        response.writeHead(200).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const mockPort = String(await freePort())
    mock = await startMockModel(loadConfig({ AIAAS_MOCK_MODEL_PORT: mockPort, AIAAS_LOG_LEVEL: 'silent' }))
    platform = await startEmbedded(() => ({
      AIAAS_BUDGET_ALERT_INTERVAL_MS: '100',
      // The receiver listens on loopback, an address class webhooks reach only when allowed.
      AIAAS_BACKEND_ALLOWED_ADDRESSES: 'loopback',
      // $0.01 a token either way: a budget runs out in a few requests.
      AIAAS_MODELS: JSON.stringify([
        {
          name: 'pricey',
          backend_url: `${mock.url}/v1`,
          input_usd_per_mtok: 10_000,
          output_usd_per_mtok: 10_000,
        },
      ]),
    }))
  })

  afterAll(async () => {
    await platform?.stop()
    await mock?.stop()
    await new Promise((resolve) => receiver?.close(resolve))
  })

  it("POSTs a crossing to the organization's webhook, with its event id, and counts it", async () => {
    const { base, endpoints } = platform
    const { key, organizationId } = await createOrgAndKey(endpoints)
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${base}/admin/v1${path}`, {
        method,
        headers: json(TEST_ADMIN_TOKEN),
        body: JSON.stringify(body),
      })
    const settings = { budget_alert_webhook_url: hook }
    expect((await admin('PATCH', `/organizations/${organizationId}`, { settings })).status).toBe(200)
    const terms = { limit_usd: '0.30', period: 'total', enforcement: 'hard', alert_thresholds: [0.5] }
    const created = await admin('POST', '/budgets', { organization_id: organizationId, ...terms })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    // 'hello' with max_tokens 2 spends $0.04: past half of $0.30 ($0.15) after the fourth.
    const hello = { model: 'pricey', max_tokens: 2, messages: [{ role: 'user', content: 'hello' }] }
    for (let i = 0; i < 4; i++) {
      const chat = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: json(key),
        body: JSON.stringify(hello),
      })
      expect(chat.status).toBe(200)
    }

    await expect.poll(() => received.length, { timeout: 15_000, interval: 100 }).toBeGreaterThan(0)
    const [delivery] = received
    expect(delivery!.body).toEqual({
      id: delivery!.eventId,
      type: 'BudgetThresholdCrossed',
      organization_id: organizationId,
      budget_id: id,
      api_key_id: null,
      threshold: 0.5,
      period_start: 'total',
      spent_usd: '0.16',
      limit_usd: '0.30',
      occurred_at: expect.any(String),
    })
    await expect
      .poll(async () => await (await fetch(`${base}/metrics`)).text(), { timeout: 10_000, interval: 100 })
      .toMatch(/^aiaas_budget_webhook_delivered_total\{[^}]*\} 1$/m)
  })
})
