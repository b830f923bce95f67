import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { v7 as uuidv7 } from 'uuid'
import type { Config } from '../../infra/config/config.ts'
import { createSpooledUsagePublisher } from '../../infra/lmdb/usage-spool.ts'
import type { UsageEvent, UsagePublisher } from '../../infra/ports/usage.ts'
import { createRabbitUsagePublisher } from '../../infra/rabbitmq/usage-bus.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { usageEvent } from '../support/usage-event.ts'
import { type Measurement, percentile, round, runLoad } from './measure.ts'

// The usage spool (ADR 0005): how fast a backlog drains into a real RabbitMQ once it is back, and
// what one spooled event costs under each LMDB sync choice. Figures only; nothing passes or fails.

const event = (): UsageEvent => usageEvent()

const refusing: UsagePublisher = {
  publish: async () => {
    throw new Error('bus down')
  },
  close: async () => {},
}

/** Fills a spool with `backlog` events while the bus refuses them, then times its drain. */
async function drainRate(config: Config, dir: string, backlog: number): Promise<Measurement[]> {
  const path = join(dir, randomUUID())
  const filling = createSpooledUsagePublisher(refusing, { path, drainIntervalMs: 3_600_000 })
  for (let i = 0; i < backlog; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, backlog - i) }, () => filling.publish(event())))
  }
  await filling.close()
  const counting = await countCost(path, backlog)
  const queue = `bench.spool.${randomUUID()}`
  const bus = createRabbitUsagePublisher(config.AIAAS_AMQP_URL, queue, { publishTimeoutMs: 10_000 })
  const spool = createSpooledUsagePublisher(bus, { path, drainIntervalMs: 3_600_000 })
  const started = performance.now()
  let sent = 0
  while (spool.pending() > 0) sent += await spool.drain()
  const seconds = (performance.now() - started) / 1000
  await spool.close()
  await deleteUsageQueues(queue)
  if (sent !== backlog) throw new Error(`drained ${sent} of ${backlog}`)
  const rate = round(sent / seconds, 1)
  return [
    counting,
    {
      name: `drain ${backlog} into RabbitMQ`,
      ops: sent,
      rows_per_op: 1,
      seconds: round(seconds, 3),
      ops_per_s: rate,
      rows_per_s: rate,
      p50_ms: 0,
      p99_ms: 0,
    },
  ]
}

/** What the first spool paid on every publish, tick and scrape: getCount() walks the range. */
async function countCost(path: string, backlog: number): Promise<Measurement> {
  const db = open<unknown, string>({ path, compression: false })
  const latencies: number[] = []
  const started = performance.now()
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now()
    if (db.getCount() !== backlog) throw new Error('the spool lost entries')
    latencies.push(performance.now() - t0)
  }
  const seconds = (performance.now() - started) / 1000
  await db.close()
  latencies.sort((a, b) => a - b)
  const rate = round(50 / seconds, 1)
  return {
    name: `getCount() over ${backlog} spooled (the old pending())`,
    ops: 50,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: rate,
    rows_per_s: rate,
    p50_ms: round(percentile(latencies, 50), 3),
    p99_ms: round(percentile(latencies, 99), 3),
  }
}

/** One event put into LMDB by `writers` concurrent callers, resolved at commit or at flush. */
async function putCost(
  dir: string,
  name: string,
  options: { overlappingSync: boolean; awaitFlush: boolean },
) {
  const db = open<UsageEvent, string>({
    path: join(dir, randomUUID()),
    compression: false,
    overlappingSync: options.overlappingSync,
  })
  const measurement = await runLoad({
    name,
    writers: 32,
    total: 5000,
    timeLimitMs: 30_000,
    op: async () => {
      await db.put(uuidv7(), event())
      if (options.awaitFlush) await db.flushed
    },
  })
  await db.close()
  return measurement
}

export async function spoolBench(config: Config, backlog = 20_000): Promise<Measurement[]> {
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-spool-bench-'))
  try {
    // Warm-up, discarded: the first scenario run would otherwise carry the JIT's cost.
    await putCost(dir, 'warm-up', { overlappingSync: true, awaitFlush: true })
    const committed = await putCost(dir, 'put, resolved at commit (overlappingSync)', {
      overlappingSync: true,
      awaitFlush: false,
    })
    const flushed = await putCost(dir, 'put, then await flushed (overlappingSync)', {
      overlappingSync: true,
      awaitFlush: true,
    })
    const synced = await putCost(dir, 'put, overlappingSync off (sync in commit)', {
      overlappingSync: false,
      awaitFlush: false,
    })
    return [committed, flushed, synced, ...(await drainRate(config, dir, backlog))]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
