import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openAuditForwarding } from '../../../gateways/processes/audit-forwarding.ts'
import { createRuntime } from '../../../gateways/processes/runtime.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { newKeyringText } from '../../../infra/crypto/keyring.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import { createS3ObjectStore, s3OptionsOf } from '../../../infra/s3/object-store.ts'
import { verifyAnchors } from '../../../projections/audit-anchor/verify-anchors.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { deleteTopics } from '../../support/kafka.ts'

// The audit-forwarder process's adapters as `aiaas audit-forwarder` opens them: its lag on
// /metrics (read at each scrape), and, with AIAAS_AUDIT_ANCHOR_INTERVAL_MS, signed anchors of the
// chain head in the S3 store each time the head has moved. Real Kafka and S3 of `make services`.

const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function start(overrides: Partial<ReturnType<typeof loadConfig>>) {
  const topic = `aiaas.audit.test.${randomUUID()}`
  const config = { ...loadConfig(), AIAAS_AUDIT_TOPIC: topic, ...overrides }
  const db = await createPgliteDatabase(undefined)
  await migrate(db)
  cleanup.push(() => db.close())
  cleanup.push(() => deleteTopics([topic]))
  const rt = createRuntime(config, 'audit-forwarder')
  const app = Fastify()
  await openAuditForwarding(app, rt, db, config)
  cleanup.push(() => app.close())
  const store = createEventStore(db)
  /** The projector's chain, which the forwarder waits for. */
  const chain = () => {
    const subscription = startSubscription(db, store, eventChainProjection, { idleMs: 20 })
    cleanup.push(() => subscription.stop())
  }
  const metric = async (name: string) => {
    const line = (await rt.metrics.registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{`))
    return Number(line?.split(' ').at(-1))
  }
  return { db, store, chain, metric }
}

const WAIT = { timeout: 30_000, interval: 50 }

describe('audit-forwarder process', () => {
  it('shows its lag on /metrics: the events the broker has not acknowledged, then 0', async () => {
    const { store, chain, metric } = await start({})
    for (const stream of ['a', 'b']) await store.append(stream, [newEvent(), newEvent()], -1)

    // Not chained yet, so not forwarded: all four are lag.
    expect(await metric('aiaas_audit_forwarder_lag_events')).toBe(4)
    expect(await metric('aiaas_audit_forwarder_lag_seconds')).toBeGreaterThanOrEqual(0)
    chain()
    await vi.waitFor(async () => expect(await metric('aiaas_audit_forwarder_lag_events')).toBe(0), WAIT)
    expect(await metric('aiaas_audit_forwarder_lag_seconds')).toBe(0)
  })

  it('anchors the chain head in the S3 store every AIAAS_AUDIT_ANCHOR_INTERVAL_MS, a new anchor as the head moves', async () => {
    const prefix = `anchors-test/${randomUUID()}/`
    const { db, store, chain } = await start({
      AIAAS_AUDIT_ANCHOR_INTERVAL_MS: 50,
      AIAAS_AUDIT_ANCHOR_PREFIX: prefix,
      AIAAS_KEK: newKeyringText('k1'),
    })
    const objects = createS3ObjectStore(s3OptionsOf(loadConfig()))
    cleanup.push(() => objects.close())
    const anchors = async () => (await objects.list(prefix)).filter((key) => key.endsWith('.jws'))
    chain()

    await store.append('a', [newEvent(), newEvent()], -1)
    await vi.waitFor(async () => expect(await anchors()).toHaveLength(1), WAIT)
    await store.append('b', [newEvent()], -1)
    await vi.waitFor(async () => expect(await anchors()).toHaveLength(2), WAIT)

    const { rows } = await db.query<{ p: string }>('SELECT max(global_position)::text AS p FROM events')
    expect((await anchors()).at(-1)).toBe(`${prefix}${rows[0]!.p.padStart(19, '0')}.jws`)
    expect(await verifyAnchors(db, objects, prefix)).toEqual({ ok: true, checked: 2, failures: [] })
  })
})
