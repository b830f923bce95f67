import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { chainHash } from '../../../infra/event-store/chain-canonical.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import {
  readCheckpoint,
  type SubscriptionOptions,
  startSubscription,
} from '../../../infra/event-store/subscription.ts'
import { createKafkaAuditSink } from '../../../infra/kafka/audit-sink.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import { createPgliteDatabase } from '../../../infra/pglite/database.ts'
import type { AuditSink } from '../../../infra/ports/audit-sink.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { EVENT_CHAIN, eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { chainedLog } from '../../../projections/audit-log/chained-records.ts'
import { AUDIT_FORWARDER, auditForwarding } from '../../../projections/audit-log/forwarder.ts'
import { forwarderLag } from '../../../projections/audit-log/lag.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { deleteTopics, readTopic } from '../../support/kafka.ts'
import { caughtUpToHead } from '../../support/read-models.ts'

// The audit-forwarder against the real Kafka of `make services`: every committed event reaches
// the topic with its chain hashes, never ahead of the chain, and a broker that is down holds the
// checkpoint still (nothing skipped). Restarts of the broker and of the forwarder in the middle
// of a burst: forwarder-exactly-once.int.test.ts.
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

/** The forwarder as the audit-forwarder process runs it: on the chained part of the log. */
const forwarding = (db: Database, store: EventStore, sink: AuditSink, options: SubscriptionOptions) =>
  startSubscription(db, chainedLog(db, store), auditForwarding(db, sink), options)

/** The chain caught up to the head; bounded generously: on the shared server, other tests' transactions hold it back a moment. */
async function chained(db: Database, store: EventStore) {
  const chain = startSubscription(db, store, eventChainProjection, { idleMs: 10_000 })
  cleanup.push(() => chain.stop())
  const { rows } = await db.query<{ head: string }>('SELECT max(global_position)::text AS head FROM events')
  const head = BigInt(rows[0]!.head)
  await vi.waitFor(async () => expect(await chain.catchUp()).toBeGreaterThanOrEqual(head), {
    timeout: 60_000,
    interval: 50,
  })
  return chain
}

describe('audit forwarder', () => {
  it('forwards every chained event with its hashes as versioned JSON, never ahead of the chain', async () => {
    const { db, store, ids } = await setup()
    const topic = `aiaas.audit.test.${randomUUID()}`
    cleanup.push(() => deleteTopics([topic]))
    const sink = createKafkaAuditSink({ brokers, topic })
    cleanup.push(() => sink.close())
    const subscription = forwarding(db, store, sink, { idleMs: 10_000 })
    cleanup.push(() => subscription.stop())

    // Nothing chained yet: nothing forwarded, the lag counts every event.
    expect(await subscription.catchUp()).toBe(0n)
    expect(await forwarderLag(db)).toMatchObject({ events: 4 })
    await chained(db, store)
    await caughtUpToHead(db, subscription)
    expect(await readCheckpoint(db, AUDIT_FORWARDER)).toBe(await readCheckpoint(db, EVENT_CHAIN))
    expect(await forwarderLag(db)).toEqual({ events: 0, seconds: 0 })

    const messages = await readTopic(topic, (m) => m.length >= 4)
    expect(messages.map((m) => m.id).sort()).toEqual([...ids].sort())
    const { rows } = await db.query<{ id: string; position: string; prev: string; hash: string }>(
      `SELECT e.id::text AS id, e.global_position::text AS position, encode(c.prev_hash, 'hex') AS prev,
         encode(c.hash, 'hex') AS hash FROM events e JOIN event_chain c USING (global_position)`,
    )
    for (const message of messages) {
      const value = JSON.parse(message.value)
      const row = rows.find((r) => r.id === message.id)!
      expect(value).toMatchObject({
        v: 1,
        id: row.id,
        global_position: row.position,
        stream: message.key,
        type: message.type,
        schema_version: 1,
        prev_hash: row.prev,
        hash: row.hash,
      })
      // The message alone recomputes its hash (the chain's canonical form, docs/audit.md).
      expect(chainHash(Buffer.from(value.prev_hash, 'hex'), value).toString('hex')).toBe(row.hash)
      expect(value.recorded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    }
  })

  it('holds the checkpoint while the broker is down: no event is skipped', async () => {
    const { db, store } = await setup()
    await chained(db, store)
    const sink = createKafkaAuditSink({ brokers: ['127.0.0.1:1'], topic: 'never', timeoutMs: 2000 })
    cleanup.push(() => sink.close())
    const errors: unknown[] = []
    const subscription = forwarding(db, store, sink, {
      idleMs: 50,
      retryMs: 100,
      onError: (e) => errors.push(e),
    })
    cleanup.push(() => subscription.stop())
    await vi.waitFor(
      () => expect(subscription.catchUp()).rejects.toMatchObject({ code: 'AUDIT_SINK_UNAVAILABLE' }),
      { timeout: 10_000, interval: 50 },
    )
    expect(await readCheckpoint(db, AUDIT_FORWARDER)).toBe(0n)
    expect(await forwarderLag(db)).toMatchObject({ events: 4 })
  })

  it('never holds back other readers of the log while the sink is slow or down', async () => {
    const { db, dispose } = await makePostgres('audit_fwd')()
    cleanup.push(dispose)
    const store = createEventStore(db)
    await store.append('organization-a', [newEvent('OrganizationCreated')], -1)
    await chained(db, store)
    let release = () => {}
    let called = false
    const hanging: AuditSink = {
      publish: () =>
        new Promise((_, reject) => {
          called = true
          release = () => reject(new Error('sink down'))
        }),
      close: async () => release(),
    }
    const subscription = forwarding(db, store, hanging, { idleMs: 20, retryMs: 20, onError: () => {} })
    cleanup.push(() => subscription.stop())
    await vi.waitFor(() => expect(called).toBe(true), { timeout: 10_000, interval: 20 })

    // A gap-free reader only sees events below the oldest running transaction: a forwarder
    // that waited on Kafka inside a transaction would hide this event from every reader.
    const later = newEvent('OrganizationCreated')
    await store.append('organization-b', [later], -1)
    // Other tests' transactions on the shared server may hide it a moment; the forwarder's
    // would hide it until the sink answers, and the sink answers only after this.
    try {
      await vi.waitFor(
        async () => expect((await store.readAll({ after: 0n })).map((e) => e.id)).toContain(later.id),
        { timeout: 30_000, interval: 50 },
      )
      expect(called).toBe(true)
    } finally {
      release()
    }
  })
})
