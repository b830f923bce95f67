import { cpus } from 'node:os'

// Shared by the benchmarks registered in run.ts: a bounded concurrent load loop and its figures.

export interface Measurement {
  name: string
  /** Operations completed (an operation may write several rows, see `rows_per_op`). */
  ops: number
  rows_per_op: number
  seconds: number
  ops_per_s: number
  rows_per_s: number
  p50_ms: number
  p99_ms: number
  /** Operations that failed (an HTTP error or no answer in time), when the benchmark counts them. */
  errors?: number
  /** ops_per_s divided by the baseline's, when the measurement has one. */
  ratio_to_baseline?: number
  baseline?: string
}

export interface LoadOptions {
  name: string
  writers: number
  /** Total operations over all writers; the run also stops at timeLimitMs. */
  total: number
  timeLimitMs: number
  rowsPerOp?: number
  op: (writer: number, index: number) => Promise<void>
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, index)] ?? 0
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits))

interface RawRun {
  latencies: number[]
  seconds: number
}

/** Runs `writers` loops that share one operation counter, each awaiting its previous operation. */
async function runOnce(options: LoadOptions, total: number): Promise<RawRun> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  const deadline = started + options.timeLimitMs
  const writer = async (id: number) => {
    while (next < total && performance.now() < deadline) {
      const index = next++
      const t0 = performance.now()
      await options.op(id, index)
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: options.writers }, (_, id) => writer(id)))
  return { latencies, seconds: (performance.now() - started) / 1000 }
}

function summarize(options: LoadOptions, runs: readonly RawRun[]): Measurement {
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b)
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0)
  const rowsPerOp = options.rowsPerOp ?? 1
  return {
    name: options.name,
    ops: latencies.length,
    rows_per_op: rowsPerOp,
    seconds: round(seconds, 3),
    ops_per_s: round(latencies.length / seconds, 1),
    rows_per_s: round((latencies.length * rowsPerOp) / seconds, 1),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
  }
}

export async function runLoad(options: LoadOptions): Promise<Measurement> {
  return summarize(options, [await runOnce(options, options.total)])
}

/**
 * Runs a candidate and its baseline in alternating rounds (A B B A …), so load from other
 * processes on a small shared machine weighs on both alike; returns [candidate, baseline].
 */
export async function runPaired(
  rounds: number,
  candidate: LoadOptions,
  baseline: LoadOptions,
): Promise<[Measurement, Measurement]> {
  const runs: [RawRun[], RawRun[]] = [[], []]
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)
    for (const which of order) {
      const load = which === 0 ? candidate : baseline
      runs[which].push(await runOnce(load, Math.ceil(load.total / rounds)))
    }
  }
  return [compare(summarize(candidate, runs[0]), summarize(baseline, runs[1])), summarize(baseline, runs[1])]
}

export function compare(measurement: Measurement, baseline: Measurement): Measurement {
  return {
    ...measurement,
    baseline: baseline.name,
    ratio_to_baseline: round(measurement.ops_per_s / baseline.ops_per_s, 3),
  }
}

export function machine(): Record<string, string | number> {
  const cpu = cpus()
  return {
    cpus: cpu.length,
    cpu_model: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: process.platform,
  }
}
