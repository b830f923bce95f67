import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { BudgetAlertBody } from '../../../commands/budgets/alert-webhook.ts'
import { createBudget, recordThresholdCrossed } from '../../../commands/budgets/budget-commands.ts'
import type { CommandDeps } from '../../../commands/handle-command.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import {
  BUDGET_WEBHOOK_SUBSCRIPTION,
  budgetWebhookForwarder,
} from '../../../gateways/processes/budget-webhooks.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { readCheckpoint, startSubscription } from '../../../infra/event-store/subscription.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { testContext } from '../../support/read-models.ts'

// The budget alert webhook on real PostgreSQL with local receivers: each crossing of an
// organization with a URL is POSTed once, a receiver that fails is retried until it answers 2xx,
// a dead receiver is given up after its attempts without holding back the others, and an
// organization without a URL gets nothing.

type Received = {
  path: string
  eventId: string | undefined
  type: string | undefined
  body: BudgetAlertBody
  status: number
}

/** While true, `/down` answers 500. */
let down = true

/** A receiver on 127.0.0.1: `/flaky` answers 500 to its first two requests, `/dead` always. */
function startReceiver() {
  const received: Received[] = []
  const server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      const path = request.url ?? ''
      const eventId = request.headers['x-aiaas-event-id'] as string | undefined
      const seen = received.filter((r) => r.path === path).length + 1
      const fail = path === '/dead' || (path === '/flaky' && seen <= 2) || (path === '/down' && down)
      const status = fail ? 500 : 204
      received.push({ path, eventId, type: request.headers['content-type'], body: JSON.parse(text), status })
      response.writeHead(status).end()
    })
  })
  return { server, received }
}

let db: Database
let dispose: () => Promise<void>
let server: Server
let received: Received[]
let base: string

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('webhooks')())
  ;({ server, received } = startReceiver())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
  await dispose?.()
})

/** An organization (webhook at `path`, or none) with a monthly budget that crossed 50% of $10. */
async function crossed(commands: CommandDeps, path: string | null, threshold = 0.5) {
  const { organization_id } = await createOrganization(commands, { name: `org ${v7()}` }, testContext)
  const budget_alert_webhook_url = path === null ? null : `${base}${path}`
  await updateOrganization(commands, { organization_id, settings: { budget_alert_webhook_url } }, testContext)
  const input = {
    organization_id,
    limit_usd: '10.00',
    period: 'monthly' as const,
    enforcement: 'soft' as const,
  }
  const { budget_id } = await createBudget(commands, { ...input, alert_thresholds: [0.5, 0.8] }, testContext)
  const crossing = { budget_id, organization_id, period_start: '2026-11-01', spent_micros: 5_250_001 }
  await recordThresholdCrossed(commands, { ...crossing, threshold }, testContext)
  return { organization_id, budget_id }
}

describe('budget alert webhook', () => {
  it('delivers each crossing once, retries a failing receiver, drops a dead one, skips no URL', async () => {
    const store = createEventStore(db)
    const commands = { store, now: () => new Date('2026-11-20T10:00:00Z'), newId: v7 }
    const dead = await crossed(commands, '/dead')
    const none = await crossed(commands, null)
    const flaky = await crossed(commands, '/flaky')
    const good = await crossed(commands, '/good')
    await recordThresholdCrossed(
      commands,
      { ...good, threshold: 0.8, period_start: '2026-11-01', spent_micros: 8_000_000 },
      testContext,
    )
    const head = (await store.readAll({ after: 0n, limit: 10_000 })).at(-1)!.global_position

    const dropped: BudgetAlertBody[] = []
    const delivered: BudgetAlertBody[] = []
    const stopping = new AbortController()
    const forwarder = budgetWebhookForwarder({
      store,
      allowedAddresses: ['loopback'],
      signal: stopping.signal,
      attempts: 3,
      baseDelayMs: 5,
      onDelivered: (body) => delivered.push(body),
      onDropped: (body) => dropped.push(body),
      onRetry: () => {},
    })
    const subscription = startSubscription(db, store, forwarder, { idleMs: 20, retryMs: 20 })
    try {
      await vi.waitFor(async () => expect(await readCheckpoint(db, BUDGET_WEBHOOK_SUBSCRIPTION)).toBe(head), {
        timeout: 30_000,
        interval: 20,
      })
      // A further pass finds nothing new to send: each crossing went out exactly as counted below.
      await subscription.catchUp()
    } finally {
      stopping.abort()
      await subscription.stop()
    }

    const at = (path: string) => received.filter((r) => r.path === path)
    // The dead receiver got its 3 attempts, then the delivery was dropped and the others went on.
    expect(at('/dead')).toHaveLength(3)
    expect(dropped.map((body) => body.organization_id)).toEqual([dead.organization_id])
    // Two failures, then one success: exactly one more request after the failures.
    expect(at('/flaky').map((r) => r.status)).toEqual([500, 500, 204])
    expect(new Set(at('/flaky').map((r) => r.eventId)).size).toBe(1)
    expect(at('/good').map((r) => r.body.threshold)).toEqual([0.5, 0.8])
    // The organization without a URL: nothing was sent about it anywhere.
    expect(received.filter((r) => r.body.organization_id === none.organization_id)).toEqual([])
    expect(delivered.map((body) => body.organization_id)).toEqual([
      flaky.organization_id,
      good.organization_id,
      good.organization_id,
    ])

    const [first] = at('/good')
    expect(first!.type).toBe('application/json')
    expect(first!.eventId).toBe(first!.body.id)
    expect(first!.body).toEqual({
      id: expect.any(String),
      type: 'BudgetThresholdCrossed',
      organization_id: good.organization_id,
      budget_id: good.budget_id,
      api_key_id: null,
      threshold: 0.5,
      period_start: '2026-11-01',
      spent_usd: '5.250001',
      limit_usd: '10.00',
      occurred_at: '2026-11-20T10:00:00.000Z',
    })
    const crossings = await store.readStream(`budget-${good.budget_id}`)
    expect(crossings.filter((e) => e.type === 'BudgetThresholdCrossed').map((e) => e.id)).toEqual(
      at('/good').map((r) => r.eventId),
    )
  })

  it('never loses a crossing whose delivery a stop interrupted: the next start sends it', async () => {
    const store = createEventStore(db)
    const commands = { store, now: () => new Date('2026-11-21T10:00:00Z'), newId: v7 }
    const { budget_id } = await crossed(commands, '/down')
    const [crossing] = (await store.readStream(`budget-${budget_id}`)).filter(
      (e) => e.type === 'BudgetThresholdCrossed',
    )
    const start = () => {
      const stopping = new AbortController()
      const forwarder = budgetWebhookForwarder({
        store,
        allowedAddresses: ['loopback'],
        signal: stopping.signal,
        attempts: 1_000,
        baseDelayMs: 5,
        maxDelayMs: 20,
        onDelivered: () => {},
        onDropped: () => {},
        onRetry: () => {},
      })
      const subscription = startSubscription(db, store, forwarder, { idleMs: 20, onError: () => {} })
      return async () => {
        stopping.abort()
        await subscription.stop()
      }
    }
    const attempts = () => received.filter((r) => r.path === '/down')
    const stop = start()
    await vi.waitFor(() => expect(attempts().length).toBeGreaterThanOrEqual(2), { timeout: 30_000 })
    await stop()
    // Stopped while retrying: the checkpoint stayed before the crossing.
    expect(await readCheckpoint(db, BUDGET_WEBHOOK_SUBSCRIPTION)).toBeLessThan(crossing!.global_position)

    down = false
    const restart = start()
    try {
      await vi.waitFor(
        async () =>
          expect(await readCheckpoint(db, BUDGET_WEBHOOK_SUBSCRIPTION)).toBeGreaterThanOrEqual(
            crossing!.global_position,
          ),
        { timeout: 30_000, interval: 20 },
      )
    } finally {
      await restart()
    }
    expect(new Set(attempts().map((r) => r.eventId))).toEqual(new Set([crossing!.id]))
    expect(attempts().filter((r) => r.status === 204)).toHaveLength(1)
  })

  it('never calls a webhook whose address is of a class not allowed (loopback here), and drops it', async () => {
    const store = createEventStore(db)
    const commands = { store, now: () => new Date('2026-11-20T10:00:00Z'), newId: v7 }
    const { budget_id } = await crossed(commands, '/internal')
    const crossings = (await store.readStream(`budget-${budget_id}`)).filter(
      (e) => e.type === 'BudgetThresholdCrossed',
    )
    const dropped: string[] = []
    const forwarder = budgetWebhookForwarder({
      store,
      allowedAddresses: [],
      signal: new AbortController().signal,
      onDelivered: () => {},
      onDropped: (body, error) => dropped.push(`${body.id} ${(error as Error).message}`),
      onRetry: () => {},
    })
    await forwarder.forward(crossings)
    expect(dropped).toEqual([`${crossings[0]?.id} webhook address is loopback: not allowed`])
    expect(received.filter((r) => r.path === '/internal')).toEqual([])
  })
})
