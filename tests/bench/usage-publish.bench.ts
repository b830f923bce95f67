import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { connect } from 'amqplib'
import type { Config } from '../../infra/config/config.ts'
import { createSpooledUsagePublisher } from '../../infra/lmdb/usage-spool.ts'
import { assertUsageTopology } from '../../infra/rabbitmq/topology.ts'
import { createRabbitUsagePublisher } from '../../infra/rabbitmq/usage-bus.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { usageEvent } from '../support/usage-event.ts'
import { type Measurement, percentile, round } from './measure.ts'

// Issue 12: the router's usage publish path (the LMDB spool in front of RabbitMQ) with one confirm
// wait per batch, against the same path sending each event alone (publishBatchSize 1: a spool
// timer, a deadline timer, a promise and a confirm wait per event, the shape before batches), and
// batches sent one message per event (the shape before packs) against packed (usage-pack.ts).
// `writers` callers each publish and await, like the router's connections; alternating rounds so
// a shared machine's load weighs on both alike. Figures only; nothing passes or fails.

interface Scenario {
  name: string
  publishBatchSize: number
  publishWindowMs?: number
  /** Events per AMQP message at most (usage-pack.ts); 1: one message per event. */
  packMaxEvents: number
}

const scenarios: readonly Scenario[] = [
  { name: 'per event (batches of 1, the path before)', publishBatchSize: 1, packMaxEvents: 1 },
  {
    name: 'batched (one event-loop turn, at most 256), a message per event',
    publishBatchSize: 256,
    packMaxEvents: 1,
  },
  {
    name: 'batched (one event-loop turn, at most 256), packed up to 64 a message',
    publishBatchSize: 256,
    packMaxEvents: 64,
  },
  {
    name: 'batched (2 ms window, at most 256), packed up to 64 a message',
    publishBatchSize: 256,
    publishWindowMs: 2,
    packMaxEvents: 64,
  },
]

/**
 * How events are handed to publish: `rate` fires and forgets at a constant rate, as the router
 * does (a request does not wait for its event's confirm); `callers` has that many callers each
 * awaiting its publish before the next (many callers: the most the path takes).
 */
export type Load = { rate: number } | { callers: number }

interface Round {
  latencies: number[]
  seconds: number
  cpuMicros: number
  brokerTicks: number
}

export interface UsagePublishMeasurement extends Measurement {
  /** This process' CPU (user + system) per event, µs: the load loop's share is the same in both. */
  cpu_us_per_event: number
  /** RabbitMQ's (beam.smp) CPU per event, µs, at the kernel's clock tick (10 ms) resolution. */
  broker_cpu_us_per_event: number | null
}

export interface UsagePublishOptions {
  loads: readonly Load[]
  rounds: number
  eventsPerRound: number
}

const defaults: UsagePublishOptions = {
  loads: [{ rate: 2000 }, { rate: 8000 }, { callers: 32 }, { callers: 1024 }],
  rounds: 4,
  eventsPerRound: 4000,
}

export async function usagePublishBench(
  config: Config,
  options: UsagePublishOptions = defaults,
): Promise<UsagePublishMeasurement[]> {
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-usage-publish-bench-'))
  const queue = `bench.usage-publish.${randomUUID()}`
  const admin = await connect(config.AIAAS_AMQP_URL)
  const channel = await admin.createChannel()
  await assertUsageTopology(channel, queue)
  const broker = findBroker()
  const results: UsagePublishMeasurement[] = []
  const run = (scenario: Scenario, load: Load) =>
    runRound(config, dir, queue, scenario, load, options, broker)
  try {
    // Warm-up, discarded: the first rounds would otherwise carry the JIT's cost.
    for (const scenario of scenarios) await run(scenario, { callers: 256 })
    for (const load of options.loads) {
      const rounds: Round[][] = scenarios.map(() => [])
      for (let round = 0; round < options.rounds; round++) {
        const order = scenarios.map((_, i) => i)
        for (const which of round % 2 === 0 ? order : order.reverse()) {
          const scenario = scenarios[which]
          if (!scenario) continue
          await channel.purgeQueue(queue)
          rounds[which]?.push(await run(scenario, load))
        }
      }
      if ('rate' in load) results.push(await pacingAlone(load, options.eventsPerRound))
      results.push(...compared(load, rounds, broker))
    }
  } finally {
    await admin.close()
    await deleteUsageQueues(queue)
    await rm(dir, { recursive: true, force: true })
  }
  // run.ts' table has no CPU columns: this one does (stderr, beside the JSON on stdout).
  console.error(
    results
      .map(({ name, ops_per_s, p50_ms, p99_ms, cpu_us_per_event, broker_cpu_us_per_event }) =>
        [
          name,
          `${ops_per_s}/s`,
          `p50 ${p50_ms} ms`,
          `p99 ${p99_ms} ms`,
          `cpu ${cpu_us_per_event} us/event`,
          `broker ${broker_cpu_us_per_event} us/event`,
        ].join(' | '),
      )
      .join('\n'),
  )
  return results
}

/** Each scenario's figures, the later ones against the first (the path before). */
function compared(load: Load, rounds: readonly Round[][], broker: number | null): UsagePublishMeasurement[] {
  const shape = describe(load)
  const [before, ...after] = scenarios.map((scenario, i) =>
    summarize(`${scenario.name}, ${shape}`, rounds[i] ?? [], broker),
  )
  if (!before) throw new Error('no scenarios')
  const ratio = (m: Measurement) => round(m.ops_per_s / before.ops_per_s, 3)
  return [before, ...after.map((m) => ({ ...m, baseline: before.name, ratio_to_baseline: ratio(m) }))]
}

const describe = (load: Load): string =>
  'rate' in load ? `${load.rate}/s fire and forget` : `${load.callers} callers awaiting`

async function runRound(
  config: Config,
  dir: string,
  queue: string,
  scenario: Scenario,
  load: Load,
  options: { eventsPerRound: number },
  broker: number | null,
): Promise<Round> {
  const bus = createRabbitUsagePublisher(config.AIAAS_AMQP_URL, queue, {
    pack: { maxEvents: scenario.packMaxEvents },
  })
  const spool = createSpooledUsagePublisher(bus, {
    path: join(dir, randomUUID()),
    drainIntervalMs: 3_600_000,
    // A confirm later than 200 ms (a loaded machine) would spool and take back events, in one
    // scenario more than the other by chance: measured here is the path to the broker alone.
    spoolAfterMs: 10_000,
    publishBatchSize: scenario.publishBatchSize,
    publishWindowMs: scenario.publishWindowMs ?? 0,
  })
  await spool.publish(usageEvent()) // opens the connection outside the measured time
  const events = Array.from({ length: options.eventsPerRound }, () => usageEvent())
  const latencies: number[] = []
  const publish = (index: number): Promise<void> => {
    const t0 = performance.now()
    return spool.publish(events[index] ?? usageEvent()).then(() => {
      latencies.push(performance.now() - t0)
    })
  }
  const brokerBefore = brokerTicks(broker)
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  await drive(load, events.length, publish)
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const brokerAfter = brokerTicks(broker)
  if (spool.pending() > 0) process.stderr.write(`${scenario.name}: ${spool.pending()} events spooled\n`)
  await spool.close()
  return { latencies, seconds, cpuMicros: cpu.user + cpu.system, brokerTicks: brokerAfter - brokerBefore }
}

/** What the pacing loop costs by itself, per event, to read the rate rounds' CPU against. */
async function pacingAlone(load: { rate: number }, total: number): Promise<UsagePublishMeasurement> {
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  await drive(load, total, () => Promise.resolve())
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const rate = round(total / seconds, 1)
  return {
    name: `pacing alone (no publish), ${describe(load)}`,
    ops: total,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: rate,
    rows_per_s: rate,
    p50_ms: 0,
    p99_ms: 0,
    cpu_us_per_event: round((cpu.user + cpu.system) / total, 1),
    broker_cpu_us_per_event: null,
  }
}

/** Publishes `total` events under `load`; resolves once every publish has. */
async function drive(load: Load, total: number, publish: (index: number) => Promise<void>): Promise<void> {
  let next = 0
  if ('callers' in load) {
    const caller = async () => {
      while (next < total) await publish(next++)
    }
    await Promise.all(Array.from({ length: load.callers }, caller))
  } else {
    // Every millisecond, what is due since the start: the router finishes requests in bursts too.
    const published: Promise<void>[] = []
    const started = performance.now()
    while (next < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) * load.rate) / 1000))
      while (next < due) published.push(publish(next++))
      await sleep(1)
    }
    await Promise.all(published)
  }
}

function summarize(name: string, rounds: readonly Round[], broker: number | null): UsagePublishMeasurement {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b)
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0)
  const cpuMicros = rounds.reduce((sum, r) => sum + r.cpuMicros, 0)
  const ticks = rounds.reduce((sum, r) => sum + r.brokerTicks, 0)
  const rate = round(latencies.length / seconds, 1)
  return {
    name,
    ops: latencies.length,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: rate,
    rows_per_s: rate,
    p50_ms: round(percentile(latencies, 50), 3),
    p99_ms: round(percentile(latencies, 99), 3),
    cpu_us_per_event: round(cpuMicros / latencies.length, 1),
    broker_cpu_us_per_event: broker === null ? null : round((ticks * 10_000) / latencies.length, 1),
  }
}

/** The pid of the local RabbitMQ's Erlang VM, to read its CPU from /proc; null when not found. */
function findBroker(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('rabbit')) return Number(entry)
    } catch {
      // The process ended while we looked.
    }
  }
  return null
}

/** utime + stime of `pid`, in clock ticks (fields 14 and 15 of /proc/pid/stat). */
function brokerTicks(pid: number | null): number {
  if (pid === null) return 0
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}
