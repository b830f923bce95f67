import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { isAppError } from '../../../domain/errors.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { readCheckpoint, startSubscription } from '../../../infra/event-store/subscription.ts'
import { createKafkaAuditSink } from '../../../infra/kafka/audit-sink.ts'
import type { AuditSink } from '../../../infra/ports/audit-sink.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { chainedLog } from '../../../projections/audit-log/chained-records.ts'
import { AUDIT_FORWARDER, auditForwarding } from '../../../projections/audit-log/forwarder.ts'
import { forwarderLag } from '../../../projections/audit-log/lag.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { type AuditMessage, readTopic } from '../../support/kafka.ts'
import { startTestBroker, type TestBroker } from '../../support/kafka-broker.ts'

// Issue 11: a burst of appends while the audit-forwarder runs, the broker restarted in the middle
// of it, then the forwarder restarted too, and a forwarder that "crashes" after the broker
// acknowledged a batch but before its checkpoint moved. A consumer that deduplicates by event id
// sees every event exactly once, in stream order per key. The broker is this test's own
// (tests/support/kafka-broker.ts): the shared one must never be restarted.

const STREAMS = 6
const WAIT = { timeout: 120_000, interval: 100 }
let broker: TestBroker
let db: Database
let dispose: () => Promise<void>

beforeAll(async () => {
  broker = await startTestBroker()
  ;({ db, dispose } = await makePostgres('audit_once')())
}, 240_000)
afterAll(async () => {
  await broker?.dispose()
  await dispose?.()
}, 120_000)

/** Writers append one to three events to their own streams, paced, until stopped. */
function burst(store: EventStore) {
  let stopped = false
  let appended = 0
  const writer = async (stream: string) => {
    for (let version = -1; !stopped; ) {
      const events = Array.from({ length: 1 + (appended % 3) }, () => newEvent('OrganizationRenamed'))
      await store.append(stream, events, version)
      version += events.length
      appended += events.length
      // Pacing the load, not waiting for anything: about 120 events/s in all, so a broker that
      // takes a minute to restart on a loaded machine leaves thousands of events, not tens of.
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  const running = Promise.all(Array.from({ length: STREAMS }, (_, i) => writer(`organization-${i}`)))
  return {
    appended: () => appended,
    stop: async () => {
      stopped = true
      await running
    },
  }
}

/** The forwarder as the audit-forwarder process runs it; `crashAfterAck` fails one acked batch. */
function startForwarder(store: EventStore, topic: string, errors: unknown[], crashAfterAck = false) {
  const kafka = createKafkaAuditSink({ brokers: broker.brokers, topic, numPartitions: 3, timeoutMs: 5_000 })
  let crashed = !crashAfterAck
  const sink: AuditSink = {
    async publish(records) {
      await kafka.publish(records)
      if (crashed) return
      crashed = true
      throw new Error('crashed after the broker acknowledged, before the checkpoint moved')
    },
    close: () => kafka.close(),
  }
  const subscription = startSubscription(db, chainedLog(db, store), auditForwarding(db, sink), {
    idleMs: 20,
    retryMs: 200,
    onError: (error) => errors.push(error),
  })
  return {
    stop: async () => {
      await subscription.stop()
      await sink.close()
    },
  }
}

const checkpoint = () => readCheckpoint(db, AUDIT_FORWARDER)

describe('audit forwarding through broker and forwarder restarts', () => {
  it('delivers every event exactly once after deduplication, in stream order per key', async () => {
    const store = createEventStore(db)
    const topic = `aiaas.audit.once.${randomUUID()}`
    const chain = startSubscription(db, store, eventChainProjection, { idleMs: 20 })
    const errors: unknown[] = []
    let forwarder = startForwarder(store, topic, errors, true)
    const writers = burst(store)
    // Stopped in any case, so that a failure leaves nothing writing to the dropped schema.
    onTestFinished(async () => {
      await writers.stop()
      await forwarder.stop()
      await chain.stop()
    })

    // Some batches acknowledged (and one acknowledged batch re-sent after the "crash").
    await vi.waitFor(async () => expect(await checkpoint()).toBeGreaterThan(0n), WAIT)
    expect(errors.some((e) => String(e).includes('crashed after'))).toBe(true)

    await broker.stop()
    const downSince = errors.length
    const failed = () =>
      errors.slice(downSince).filter((e) => isAppError(e) && e.code === 'AUDIT_SINK_UNAVAILABLE')
    await vi.waitFor(() => expect(failed().length).toBeGreaterThanOrEqual(1), WAIT)
    const held = await checkpoint()
    const appendedWhileDown = writers.appended()
    await vi.waitFor(() => expect(failed().length).toBeGreaterThanOrEqual(2), WAIT)
    await vi.waitFor(() => expect(writers.appended()).toBeGreaterThan(appendedWhileDown), WAIT)
    // Nothing acknowledged while the broker is down: the checkpoint holds, the lag shows it.
    expect(await checkpoint()).toBe(held)
    expect((await forwarderLag(db)).events).toBeGreaterThan(0)

    await broker.start()
    const lastErrors = () => errors.slice(-3).map(String).join('; ')
    await vi.waitFor(async () => expect(await checkpoint(), lastErrors()).toBeGreaterThan(held), WAIT)
    await forwarder.stop()
    const appendedAtRestart = writers.appended()
    await vi.waitFor(() => expect(writers.appended()).toBeGreaterThan(appendedAtRestart), WAIT)
    forwarder = startForwarder(store, topic, errors)
    const atSecondStart = await checkpoint()
    await vi.waitFor(async () => expect(await checkpoint()).toBeGreaterThan(atSecondStart), WAIT)
    await writers.stop()

    const { rows } = await db.query<{ id: string; stream: string; stream_version: number }>(
      'SELECT id::text AS id, stream, stream_version::int AS stream_version FROM events',
    )
    await vi.waitFor(async () => expect((await forwarderLag(db)).events).toBe(0), WAIT)
    await forwarder.stop()
    await chain.stop()

    const all = new Set(rows.map((r) => r.id))
    // Counted as they come (not recounted per message: thousands of messages).
    const arrived = new Set<string>()
    let counted = 0
    const everyEvent = (m: readonly AuditMessage[]) => {
      for (; counted < m.length; counted++) arrived.add(m[counted]!.id)
      return arrived.size >= all.size
    }
    const messages = await readTopic(topic, everyEvent, { brokers: broker.brokers, timeoutMs: 120_000 })
    const seen = new Set<string>()
    const versions = new Map<string, number[]>()
    for (const message of messages) {
      if (seen.has(message.id)) continue // the consumer's deduplication by event id
      seen.add(message.id)
      const value = JSON.parse(message.value) as { stream: string; stream_version: number }
      expect(value.stream).toBe(message.key)
      versions.set(message.key, [...(versions.get(message.key) ?? []), value.stream_version])
    }
    expect(seen).toEqual(all)
    expect(messages.length).toBeGreaterThan(seen.size) // the re-sent batch: deduplication mattered
    for (const [stream, got] of versions) {
      const count = rows.filter((r) => r.stream === stream).length
      expect(got, stream).toEqual(Array.from({ length: count }, (_, i) => i))
    }
    expect(versions.size).toBe(STREAMS)
  }, 600_000)
})
