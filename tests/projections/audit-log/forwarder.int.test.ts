import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { readCheckpoint, startSubscription } from '../../../infra/event-store/subscription.ts'
import { createKafkaAuditSink } from '../../../infra/kafka/audit-sink.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { AuditSink } from '../../../infra/ports/audit-sink.ts'
import { AUDIT_FORWARDER, auditForwarding } from '../../../projections/audit-log/forwarder.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { deleteTopics, readTopic } from '../../support/kafka.ts'
import { caughtUpToHead } from '../../support/read-models.ts'

// The audit-forwarder against the real Kafka of `make services`: every committed event reaches
// the topic, and a broker that is down holds the checkpoint still (nothing skipped).
const brokers = loadConfig().AIAAS_KAFKA_BROKERS.split(',')
const cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function setup() {
  const db = await createPgliteDatabase(undefined)
  await migrate(db)
  cleanup.push(() => db.close())
  const store = createEventStore(db)
  const ids: string[] = []
  for (const stream of ['organization-a', 'organization-b']) {
    const events = [
      newEvent('OrganizationCreated', { name: stream }),
      newEvent('OrganizationRenamed', { name: 'x' }),
    ]
    ids.push(...events.map((e) => e.id))
    await store.append(stream, events, -1)
  }
  return { db, store, ids }
}

describe('audit forwarder', () => {
  it('forwards every committed event to Kafka and moves its checkpoint', async () => {
    const { db, store, ids } = await setup()
    const topic = `aiaas.audit.test.${randomUUID()}`
    cleanup.push(() => deleteTopics([topic]))
    const sink = createKafkaAuditSink({ brokers, topic })
    cleanup.push(() => sink.close())
    const subscription = startSubscription(db, store, auditForwarding(sink), { idleMs: 50 })
    cleanup.push(() => subscription.stop())

    await caughtUpToHead(db, subscription)
    expect(await readCheckpoint(db, AUDIT_FORWARDER)).toBeGreaterThan(0n)
    expect((await readTopic(topic, (m) => m.length >= 4)).map((m) => m.id).sort()).toEqual([...ids].sort())
  })

  it('holds the checkpoint while the broker is down: no event is skipped', async () => {
    const { db, store } = await setup()
    const sink = createKafkaAuditSink({ brokers: ['127.0.0.1:1'], topic: 'never', timeoutMs: 2000 })
    cleanup.push(() => sink.close())
    const errors: unknown[] = []
    const subscription = startSubscription(db, store, auditForwarding(sink), {
      idleMs: 50,
      retryMs: 100,
      onError: (e) => errors.push(e),
    })
    cleanup.push(() => subscription.stop())
    // A pass reaches the events once the log shows them (another transaction of the cluster may
    // hold them back a moment): it then fails on the sink.
    await vi.waitFor(
      () => expect(subscription.catchUp()).rejects.toMatchObject({ code: 'AUDIT_SINK_UNAVAILABLE' }),
      { timeout: 10_000, interval: 50 },
    )
    expect(await readCheckpoint(db, AUDIT_FORWARDER)).toBe(0n)
  })

  it('never holds back other readers of the log while the sink is slow or down', async () => {
    const { db, dispose } = await makePostgres('audit_fwd')()
    cleanup.push(dispose)
    const store = createEventStore(db)
    await store.append('organization-a', [newEvent('OrganizationCreated')], -1)
    let release = () => {}
    const hanging: AuditSink = {
      publish: () =>
        new Promise((_, reject) => {
          release = () => reject(new Error('sink down'))
        }),
      close: async () => release(),
    }
    const subscription = startSubscription(db, store, auditForwarding(hanging), {
      idleMs: 20,
      retryMs: 20,
      onError: () => {},
    })
    cleanup.push(() => subscription.stop())
    await new Promise((r) => setTimeout(r, 200)) // the forwarder is now waiting on the sink

    // A gap-free reader only sees events below the oldest running transaction: a forwarder
    // that waited on Kafka inside a transaction would hide this event from every reader.
    const later = newEvent('OrganizationCreated')
    await store.append('organization-b', [later], -1)
    const seen = await store.readAll({ after: 0n })
    release()
    expect(seen.map((e) => e.id)).toContain(later.id)
  })
})
