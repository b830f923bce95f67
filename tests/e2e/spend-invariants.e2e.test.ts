import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/processes.ts'
import {
  type Answer,
  REQUEST_MICROS,
  REQUEST_TOKENS,
  type Router,
  type SpendFleet,
  startSpendFleet,
  type Tenant,
  usdOf,
} from '../support/spend-fleet.ts'

// Issue 9's invariants on real services: identity, projector, ingest and analytics processes on
// PostgreSQL, RabbitMQ and Redis, and two `aiaas router` processes sharing the spend ledger. Every
// request costs exactly what it holds (tests/support/spend-fleet.ts), so "within the budget" is a
// count of requests. Budgets are `total`, so no period ends during a test.

/** `count` requests at once, spread over the routers in turn. */
const burst = (
  fleet: SpendFleet,
  routers: readonly Router[],
  key: string,
  count: number,
  options: { stream?: boolean } = {},
) =>
  Promise.all(
    Array.from({ length: count }, (_, i) => fleet.chat(routers[i % routers.length] as Router, key, options)),
  )

const admitted = (answers: readonly Answer[]) => answers.filter((a) => a.status === 200).length

async function hardBudget(fleet: SpendFleet, tenant: Tenant, requests: number): Promise<string> {
  const created = await fleet.admin('POST', '/budgets', {
    organization_id: tenant.organizationId,
    limit_usd: usdOf(requests),
    period: 'total',
    enforcement: 'hard',
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return String(created.body.id)
}

/** Every answer is a success or a refusal for the budget: nothing else went wrong. */
function expectOnlyBudgetRefusals(answers: readonly Answer[]) {
  const other = answers.filter((a) => a.status !== 200 && !(a.status === 429 && a.code === 'budget_exceeded'))
  expect(other).toEqual([])
}

describe('spend invariants across two router processes', () => {
  let fleet: SpendFleet
  let routers: Router[]

  beforeAll(async () => {
    fleet = await startSpendFleet('spend_invariants')
    routers = [await fleet.startRouter('a'), await fleet.startRouter('b')]
  })

  afterAll(async () => {
    await fleet?.stop()
  })

  it.each(['plain', 'streamed'])(
    '200 concurrent %s requests against a hard budget worth 20: at most 20 admitted, settled within it',
    async (kind) => {
      const stream = kind === 'streamed'
      const tenant = await fleet.tenant(routers)
      await hardBudget(fleet, tenant, 20)

      const answers = await burst(fleet, routers, tenant.key, 200, { stream })
      expectOnlyBudgetRefusals(answers)
      const ok = admitted(answers)
      expect(ok).toBeGreaterThanOrEqual(1)
      expect(ok).toBeLessThanOrEqual(20)

      const recorded = await fleet.recordedMicros(tenant.organizationId, ok * REQUEST_MICROS)
      expect(recorded).toBe(ok * REQUEST_MICROS)
      expect(recorded).toBeLessThanOrEqual(20 * REQUEST_MICROS)
      // A hold is settled after its answer is sent: wait for the last one.
      const ledger = await eventually(
        () => fleet.ledgerMicros(tenant.organizationId),
        (state) => state.reserved === 0,
        30_000,
      )
      expect(ledger.spent).toBe(recorded)
    },
  )

  it('a budget lowered while requests are in flight: later requests see the lower limit, settled within the higher', async () => {
    const tenant = await fleet.tenant(routers)
    const budgetId = await hardBudget(fleet, tenant, 20)
    // 15 requests admitted and held at the backend, then the limit drops to 10 requests' worth.
    fleet.backend.close()
    const before = fleet.backend.arrived()
    const inFlight = burst(fleet, routers, tenant.key, 15)
    await eventually(
      async () => fleet.backend.arrived() - before,
      (n) => n === 15,
      60_000,
    )
    const patched = await fleet.admin('PATCH', `/budgets/${budgetId}`, { limit_usd: usdOf(10) })
    expect(patched.status, JSON.stringify(patched.body)).toBe(200)

    // The old limit had room for 5 more; the new one has none, while the 15 still hold theirs.
    const after = await burst(fleet, routers, tenant.key, 185)
    expectOnlyBudgetRefusals(after)
    expect(admitted(after)).toBe(0)
    fleet.backend.open()
    const held = await inFlight
    expect(admitted(held)).toBe(15)

    const recorded = await fleet.recordedMicros(tenant.organizationId, 15 * REQUEST_MICROS)
    expect(recorded).toBe(15 * REQUEST_MICROS)
    expect(recorded).toBeLessThanOrEqual(20 * REQUEST_MICROS)
    // Spent above the new limit: every router refuses from now on.
    for (const router of routers) expect(await fleet.chat(router, tenant.key)).toMatchObject({ status: 429 })
  })

  it('spend recorded before a budget existed counts against it on every router', async () => {
    const tenant = await fleet.tenant(routers)
    for (const router of routers) expect((await fleet.chat(router, tenant.key)).status).toBe(200)
    await fleet.recordedMicros(tenant.organizationId, 2 * REQUEST_MICROS)

    await hardBudget(fleet, tenant, 1)
    for (const router of routers) {
      expect(await fleet.chat(router, tenant.key)).toMatchObject({ status: 429, code: 'budget_exceeded' })
    }
  })

  // GCRA over a minute (ADR 0020): the whole limit at once, then one more each 60 s / limit. A burst
  // that took longer than that on a loaded machine may rightly admit one more per interval.
  const limitBurst = async (
    limits: { rpm_limit?: number; tpm_limit?: number },
    allowed: number,
    perMinute: number,
  ) => {
    const tenant = await fleet.tenant(routers, limits)
    const started = performance.now()
    const answers = await burst(fleet, routers, tenant.key, 30)
    const elapsed = performance.now() - started
    const refused = answers.filter((a) => a.status === 429)
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([])
    expect(refused.every((a) => a.code !== 'budget_exceeded' && a.retryAfter !== null)).toBe(true)
    const ok = admitted(answers)
    expect(ok).toBeGreaterThanOrEqual(allowed)
    expect(ok).toBeLessThanOrEqual(allowed + Math.floor(elapsed / (60_000 / perMinute)))
  }

  it('RPM 10 on a key, 30 concurrent requests over two routers: 10 admitted, 20 refused with Retry-After', async () => {
    await limitBurst({ rpm_limit: 10 }, 10, 10)
  })

  it('TPM on a key: floor(limit / worst case) admitted over two routers', async () => {
    const tpm = 10 * REQUEST_TOKENS + REQUEST_TOKENS - 1
    // Requests per minute the token rate refills: tpm / REQUEST_TOKENS.
    await limitBurst({ tpm_limit: tpm }, Math.floor(tpm / REQUEST_TOKENS), tpm / REQUEST_TOKENS)
  })

  it("a SIGKILLed router's requests hold the budget until their lease lapses, then free it unbilled", async () => {
    const tenant = await fleet.tenant(routers)
    await hardBudget(fleet, tenant, 10)
    // Renewed every lease / 3 while the router lives: a 10 s lease outlasts a loaded machine's pauses.
    const doomed = await fleet.startRouter('doomed', { AIAAS_BUDGET_LEASE_MS: '10000' })
    await fleet.knows([doomed], tenant.key)
    // 10 requests held at the backend through the doomed router fill the budget with holds.
    fleet.backend.close()
    const before = fleet.backend.arrived()
    const held = Promise.allSettled(Array.from({ length: 10 }, () => fleet.chat(doomed, tenant.key)))
    await eventually(
      async () => fleet.backend.arrived() - before,
      (n) => n === 10,
      60_000,
    )
    for (const router of routers) {
      expect(await fleet.chat(router, tenant.key)).toMatchObject({ status: 429, code: 'budget_exceeded' })
    }

    await fleet.kill(doomed)
    expect((await held).map((outcome) => outcome.status)).toEqual(Array(10).fill('rejected'))
    fleet.backend.open()
    // Nothing settled the holds: once their lease lapses they stop counting, and nothing was billed.
    const router = routers[0] as Router
    await eventually(
      () => fleet.chat(router, tenant.key),
      (answer) => answer.status === 200,
      60_000,
    )
    expect(await fleet.recordedMicros(tenant.organizationId, REQUEST_MICROS)).toBe(REQUEST_MICROS)
  })

  it('a spent budget stays spent through SIGKILLed routers and a ledger that lost the organization', async () => {
    const tenant = await fleet.tenant(routers)
    await hardBudget(fleet, tenant, 5)
    const first = await burst(fleet, routers, tenant.key, 12)
    expectOnlyBudgetRefusals(first)
    const ok = admitted(first)
    expect(ok).toBeGreaterThanOrEqual(1)
    expect(ok).toBeLessThanOrEqual(5)
    const recorded = await fleet.recordedMicros(tenant.organizationId, ok * REQUEST_MICROS)
    // Fill the budget exactly: one at a time until refused.
    let spent = recorded
    while (spent < 5 * REQUEST_MICROS) {
      expect((await fleet.chat(routers[0] as Router, tenant.key)).status).toBe(200)
      spent += REQUEST_MICROS
    }
    await fleet.recordedMicros(tenant.organizationId, 5 * REQUEST_MICROS)

    for (const router of routers) await fleet.kill(router)
    routers = [await fleet.startRouter('a'), await fleet.startRouter('b')]
    const restarted = await burst(fleet, routers, tenant.key, 10)
    expectOnlyBudgetRefusals(restarted)
    expect(admitted(restarted)).toBe(0)

    // The ledger loses everything it held for the organization, as a flushed or restarted Redis
    // would; only this organization's keys, since other tests share the Redis (no FLUSHALL).
    await fleet.forgetLedger(tenant.organizationId)
    expect(await fleet.ledgerMicros(tenant.organizationId)).toEqual({ spent: 0, reserved: 0, seeded: false })
    const flushed = await burst(fleet, routers, tenant.key, 10)
    expectOnlyBudgetRefusals(flushed)
    expect(admitted(flushed)).toBe(0)
    expect(await fleet.ledgerMicros(tenant.organizationId)).toEqual({
      spent: 5 * REQUEST_MICROS,
      reserved: 0,
      seeded: true,
    })
    expect(await fleet.recordedMicros(tenant.organizationId, 0)).toBe(5 * REQUEST_MICROS)
  })
})
