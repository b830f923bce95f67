import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Pool } from 'undici'
import { type CpuProfile, summarize } from './cpu-profile.ts'
import { type Measurement, percentile, round } from './measure.ts'
import { idleStream, streamBody, type Target, timedStream } from './stream/clients.ts'
import { cpuMs, rssKb } from './stream/proc-stats.ts'
import { type StreamRig, startStreamRig } from './stream/setup.ts'

// Streaming through the router (issue 12): the embedded router (`aiaas dev`, logs at info) relaying
// `aiaas mock-model`'s stream, against the mock called directly and a bare @fastify/http-proxy in
// front of the same mock, in alternating rounds:
// - time to first byte, one request at a time (a short stream, written whole by the mock);
// - CPU of the relaying process per 1,000-chunk stream (the mock writes one event per turn of its
//   event loop, as a model streams), from /proc;
// - memory per idle open stream: N streams each sent one content chunk, then held open by the mock.
// Sizes from the environment: AIAAS_BENCH_STREAM_TTFB (requests per target, 1,000),
// AIAAS_BENCH_STREAM_CPU (streams per target, 20), AIAAS_BENCH_STREAM_CHUNKS (1,000),
// AIAAS_BENCH_STREAM_IDLE (2,000; each costs the router two sockets, so at most ~9,500 under a
// 20,000 file descriptor limit). Every loop is bounded in count and in time. A profile of the
// router over the CPU scenario: AIAAS_BENCH_STREAM_PROFILE=<file.cpuprofile> (its top entries are
// printed to stderr).

type StreamMeasurement = Measurement & Record<string, number | string>

const sizes = {
  ttfb: Number(process.env.AIAAS_BENCH_STREAM_TTFB ?? 1000),
  cpu: Number(process.env.AIAAS_BENCH_STREAM_CPU ?? 20),
  chunks: Number(process.env.AIAAS_BENCH_STREAM_CHUNKS ?? 1000),
  idle: Number(process.env.AIAAS_BENCH_STREAM_IDLE ?? 2000),
}
/** AIAAS_BENCH_STREAM_ONLY=ttfb,cpu,idle: the scenarios to run (all when unset). */
const only = process.env.AIAAS_BENCH_STREAM_ONLY?.split(',')
const wanted = (scenario: string) => !only || only.includes(scenario)
const ROUNDS = 4
const TIME_LIMIT_MS = 120_000

/** Runs `each` for every target `count` times per round, in alternating order, within the time limit. */
async function alternate<T>(targets: Target[], count: number, each: (t: Target) => Promise<T>) {
  const results = new Map<Target, T[]>(targets.map((t) => [t, []]))
  const deadline = performance.now() + TIME_LIMIT_MS
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse()
    for (const t of order)
      for (let i = 0; i < Math.ceil(count / ROUNDS) && performance.now() < deadline; i++)
        results.get(t)?.push(await each(t))
  }
  return results
}

const summary = (name: string, samples: number[], seconds: number): StreamMeasurement => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    name,
    ops: samples.length,
    rows_per_op: 1,
    seconds: round(seconds, 3),
    ops_per_s: round(samples.length / seconds, 1),
    rows_per_s: round(samples.length / seconds, 1),
    p50_ms: round(percentile(sorted, 50), 3),
    p99_ms: round(percentile(sorted, 99), 3),
  }
}

async function ttfb(targets: Target[]): Promise<StreamMeasurement[]> {
  const body = streamBody(3)
  const runs = await alternate(targets, sizes.ttfb, async (t) => (await timedStream(t, body)).ttfbMs)
  const out = targets.map((t) => {
    const samples = runs.get(t) ?? []
    return summary(`first byte: ${t.name}`, samples, samples.reduce((a, b) => a + b, 0) / 1000)
  })
  const direct = out[0]
  for (const m of out.slice(1)) {
    m.added_p50_ms = round(m.p50_ms - (direct?.p50_ms ?? 0), 3)
    m.added_p99_ms = round(m.p99_ms - (direct?.p99_ms ?? 0), 3)
  }
  return out
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

/** CPU ms of `pid` over one stream read to its end, and the stream's wall time. */
async function cpuOf(pid: number, t: Target, body: string) {
  const [cpu0, t0] = [cpuMs(pid), performance.now()]
  await timedStream(t, body)
  return { cpuMs: cpuMs(pid) - cpu0, wallMs: performance.now() - t0 }
}

/**
 * CPU of each relaying process (the mock's own for the direct calls) per stream of `chunks`
 * events, and per 1,000 chunks: a long stream's CPU less a one-chunk stream's, paced alike, so
 * what every request costs once (auth, admission, the usage event and, embedded, its ingest into
 * PGlite in the same process) is left out.
 */
async function cpu(rig: StreamRig, targets: Target[]): Promise<StreamMeasurement[]> {
  const pace = { mock_interval_ms: '0' }
  const [long, short] = [streamBody(sizes.chunks, pace), streamBody(1, pace)]
  const runs = await alternate(targets, sizes.cpu, async (t) => {
    const pid = t.pid ?? rig.direct.pid ?? 0
    return { long: await cpuOf(pid, t, long), short: await cpuOf(pid, t, short) }
  })
  const out = targets.map((t) => {
    const samples = runs.get(t) ?? []
    const wall = samples.map((s) => s.long.wallMs)
    const m = summary(`${sizes.chunks}-chunk stream: ${t.name}`, wall, (mean(wall) * wall.length) / 1000)
    const [perLong, perShort] = [
      mean(samples.map((s) => s.long.cpuMs)),
      mean(samples.map((s) => s.short.cpuMs)),
    ]
    m.cpu_of = t === rig.direct ? 'the mock' : t.name
    m.cpu_ms_per_stream = round(perLong, 2)
    m.cpu_ms_per_one_chunk_stream = round(perShort, 2)
    m.cpu_ms_per_1000_chunks = round(((perLong - perShort) * 1000) / (sizes.chunks - 1), 2)
    return m
  })
  const proxy = out.find((m) => m.cpu_of === 'bare proxy')
  const router = out.find((m) => m.cpu_of === rig.router.name)
  if (proxy && router) {
    const ratio = (field: string) => round(Number(router[field]) / Number(proxy[field]), 2)
    router.cpu_ratio_to_bare_proxy = ratio('cpu_ms_per_stream')
    router.cpu_per_chunk_ratio_to_bare_proxy = ratio('cpu_ms_per_1000_chunks')
  }
  return out
}

/**
 * The CPU scenario, under the router's profiler when AIAAS_BENCH_STREAM_PROFILE names a file: the
 * profile is written there and its top entries (cpu-profile.ts) printed to stderr.
 */
async function cpuScenario(rig: StreamRig, targets: Target[]): Promise<StreamMeasurement[]> {
  const file = process.env.AIAAS_BENCH_STREAM_PROFILE
  if (!file) return cpu(rig, targets)
  const [results, profile] = await rig.profileRouter(() => cpu(rig, targets))
  await writeFile(file, profile)
  const summary = summarize(
    JSON.parse(profile) as CpuProfile,
    fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''),
    25,
  )
  process.stderr.write(`router profile over the CPU scenario (${file}): busy ${summary.busy_ms} ms\n`)
  for (const [title, entries] of [
    ['self time', summary.self],
    ['by entry', summary.entry],
  ] as const) {
    process.stderr.write(`${title}:\n`)
    for (const { frame, percent } of entries)
      process.stderr.write(`${String(percent).padStart(6)} %  ${frame}\n`)
  }
  return results
}

const IDLE_OPENING = 64

/**
 * Opens up to `sizes.idle` idle streams through `t`, IDLE_OPENING at a time, until the deadline;
 * the first that fails stops the opening. Returns how many are open, and their settling promises.
 */
async function openIdle(t: Target, pool: Pool, closing: AbortSignal, deadline: number) {
  const body = streamBody(4, { mock_hold_ms: '600000' })
  const opened: Promise<void>[] = []
  let [started, open, failure] = [0, 0, null as unknown]
  const opener = async () => {
    while (started < sizes.idle && failure === null && performance.now() < deadline) {
      started++
      const stream = idleStream(t, body, closing, pool, deadline - performance.now())
      opened.push(stream.catch(() => {}))
      try {
        await stream
        open++
      } catch (error) {
        failure = error
      }
    }
  }
  await Promise.all(Array.from({ length: IDLE_OPENING }, opener))
  if (failure !== null) process.stderr.write(`${t.name}: stopped opening idle streams: ${String(failure)}\n`)
  return { open, settled: () => Promise.all(opened) }
}

/** Memory of `t`'s process with `sizes.idle` idle streams open through it, per stream. */
async function idle(rig: StreamRig, t: Target): Promise<StreamMeasurement> {
  const pid = t.pid ?? 0
  const pool = rig.poolTo(t, sizes.idle)
  const closing = new AbortController()
  const heap = t === rig.router ? rig.routerHeapBytes : null
  const [rss0, heap0] = [rssKb(pid), await heap?.()]
  const started = performance.now()
  const streams = await openIdle(t, pool, closing.signal, started + TIME_LIMIT_MS)
  try {
    const seconds = (performance.now() - started) / 1000
    const [rss1, heap1] = [rssKb(pid), await heap?.()]
    const m = summary(`${streams.open} idle streams: ${t.name}`, [], seconds)
    m.ops = streams.open
    m.rss_kb_before = rss0
    m.rss_kb_with_streams = rss1
    m.rss_kb_per_stream = round((rss1 - rss0) / streams.open, 1)
    if (heap0 !== undefined && heap1 !== undefined)
      m.heap_kb_per_stream = round((heap1 - heap0) / 1024 / streams.open, 1)
    return m
  } finally {
    closing.abort()
    await streams.settled()
    await pool.destroy()
  }
}

export async function streamBench(): Promise<StreamMeasurement[]> {
  const rig = await startStreamRig()
  try {
    for (const note of rig.notes) process.stderr.write(`${note}\n`)
    const targets = [rig.direct, rig.router, ...(rig.proxy ? [rig.proxy] : [])]
    // Warm-up: the JIT, the key cache, the pools.
    await alternate(targets, 200, (t) => timedStream(t, streamBody(3)))
    const results: StreamMeasurement[] = []
    if (wanted('ttfb')) results.push(...(await ttfb(targets)))
    if (wanted('cpu')) results.push(...(await cpuScenario(rig, targets)))
    if (wanted('idle'))
      for (const t of [rig.router, ...(rig.proxy ? [rig.proxy] : [])]) results.push(await idle(rig, t))
    return results
  } finally {
    await rig.close()
  }
}
