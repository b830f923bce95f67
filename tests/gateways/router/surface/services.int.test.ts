import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockModelSocket, serveMockModelOnSocket } from '../../../../gateways/mock-model/socket.ts'
import { spendCounters, toNanos } from '../../../../gateways/router/admission.ts'
import { loadConfig } from '../../../../infra/config/config.ts'
import type { SpendLedger } from '../../../../infra/ports/spend-ledger.ts'
import type { UsageConsumer, UsageEvent, UsagePublisher } from '../../../../infra/ports/usage.ts'
import {
  createRabbitUsageConsumer,
  createRabbitUsagePublisher,
} from '../../../../infra/rabbitmq/usage-bus.ts'
import { createRedisSpendLedger } from '../../../../infra/redis/spend-ledger.ts'
import { waitFor } from '../../../infra/contracts/usage-bus.contract.ts'
import { deleteUsageQueues } from '../../../support/rabbitmq.ts'
import { deleteKeys } from '../../../support/redis.ts'
import { keyRecord, monthlyBudget } from '../key-record.ts'
import { routerApp } from '../router-app.ts'

// The new endpoints on the production adapters: budgets held and settled on the real Redis
// ledger, usage events published to real RabbitMQ with confirms and read back by a consumer,
// against the embedded echo model on its socket (what `make run` serves).
const config = loadConfig({ AIAAS_LOG_LEVEL: 'silent' })
const PREFIX = `aiaas-test:router-surface:${v7()}:`
const QUEUE = `test.usage.surface.${randomUUID()}`
let ledger: SpendLedger
let publisher: UsagePublisher
let consumer: UsageConsumer
let mock: MockModelSocket
let dir: string
const consumed: UsageEvent[] = []

beforeAll(async () => {
  ledger = createRedisSpendLedger(config.AIAAS_REDIS_URL, { keyPrefix: PREFIX })
  publisher = createRabbitUsagePublisher(config.AIAAS_AMQP_URL, QUEUE)
  consumer = createRabbitUsageConsumer(config.AIAAS_AMQP_URL, QUEUE, { logger: { warn: () => {} } })
  await consumer.start(async (events) => {
    consumed.push(...events)
    return { rejected: [] }
  })
  dir = await mkdtemp(join(tmpdir(), 'aiaas-router-surface-'))
  mock = await serveMockModelOnSocket({ dataDir: dir, logLevel: 'silent', now: () => new Date(), newId: v7 })
})
afterAll(async () => {
  await Promise.all([publisher?.close(), consumer?.close(), mock?.close(), ledger?.close()])
  await deleteUsageQueues(QUEUE)
  await deleteKeys(config.AIAAS_REDIS_URL, PREFIX)
  await rm(dir, { recursive: true, force: true })
})

describe('completions, embeddings and responses on Redis and RabbitMQ', () => {
  it('each request: one usage event on the bus, its cost spent on the budget, no hold left', async () => {
    const model = {
      name: 'echo',
      backend_url: mock.url,
      backend_socket_path: mock.socketPath,
      input_usd_per_mtok: 100,
      output_usd_per_mtok: 200,
      max_output_tokens: 4096,
    }
    const key = keyRecord({ api_key_id: v7(), budgets: monthlyBudget(1000) })
    const { app } = await routerApp({ models: () => [model], key, ledger, usage: publisher })
    const requests = [
      ['/v1/completions', { model: 'echo', prompt: 'one two three', stream: true }],
      ['/v1/completions', { model: 'echo', prompt: ['a', 'b'] }],
      ['/v1/embeddings', { model: 'echo', input: ['first text', 'second text'] }],
      ['/v1/responses', { model: 'echo', input: 'stream me please', stream: true }],
      ['/v1/responses', { model: 'echo', input: [{ role: 'user', content: 'hello there' }] }],
    ] as const
    try {
      for (const [url, payload] of requests) {
        const response = await app.inject({
          method: 'POST',
          url,
          payload,
          headers: { authorization: 'Bearer k' },
        })
        expect(response.statusCode, url).toBe(200)
      }
      const mine = () => consumed.filter((e) => e.api_key_id === key.api_key_id)
      await waitFor(() => mine().length >= requests.length, 'the usage events of the requests')
      const events = mine()
      expect(events).toHaveLength(requests.length)
      expect(events.map((e) => [e.status, e.streamed])).toEqual([
        ['ok', true],
        ['ok', false],
        ['ok', false],
        ['ok', true],
        ['ok', false],
      ])
      expect(events.every((e) => e.input_tokens > 0)).toBe(true)
      // Embeddings generate nothing; the others something.
      expect(events.map((e) => e.output_tokens > 0)).toEqual([true, true, false, true, true])
      const counters = spendCounters(key, new Date())
      const spent = events.reduce((sum, e) => sum + toNanos(e.cost_usd), 0)
      // Every one of the six counters (organization and key × day, month, total) counted it all.
      // Settled after each response went out, so read once the last settle has landed.
      const states = () => ledger.counters(key.organization_id, counters)
      await expect
        .poll(async () => (await states()).map((state) => state.reserved_nanos))
        .toEqual(counters.map(() => 0))
      for (const state of await states())
        expect(state).toMatchObject({ spent_nanos: spent, reserved_nanos: 0 })
    } finally {
      await app.close()
    }
  })
})
