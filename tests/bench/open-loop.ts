import { type Measurement, percentile, round } from './measure.ts'

// An open-loop load: requests start on a fixed schedule (`ratePerS`), whether or not earlier ones
// have answered, as independent clients would send them. Each latency is measured from the
// request's scheduled start, not from when it was sent, so a stalled client loop or a server that
// falls behind shows up in the figures instead of silently lowering the offered rate
// (coordinated omission). Bounded in count (ratePerS × durationMs) and time (drainMs after the
// last start, then the stragglers count as errors).

export interface Request {
  kind: string
  /** Resolves when answered as expected; rejects on any other answer. */
  send: () => Promise<void>
}

export interface OpenLoopOptions {
  ratePerS: number
  durationMs: number
  drainMs: number
  next: (index: number) => Request
}

interface Outcome {
  kind: string
  ms: number
  ok: boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function timed(request: Request, scheduledAt: number): Promise<Outcome> {
  try {
    await request.send()
    return { kind: request.kind, ms: performance.now() - scheduledAt, ok: true }
  } catch {
    return { kind: request.kind, ms: performance.now() - scheduledAt, ok: false }
  }
}

/** One measurement per kind, then `all`; ops_per_s is the achieved rate of answered requests. */
function summarize(outcomes: readonly Outcome[], total: number, seconds: number, label: string) {
  const kinds = [...new Set(outcomes.map((o) => o.kind)), label]
  const lost = total - outcomes.length
  return kinds.map((kind): Measurement => {
    const mine = kind === label ? outcomes : outcomes.filter((o) => o.kind === kind)
    const ok = mine.filter((o) => o.ok)
    const sorted = ok.map((o) => o.ms).sort((a, b) => a - b)
    return {
      name: kind,
      ops: ok.length,
      rows_per_op: 1,
      seconds: round(seconds, 3),
      ops_per_s: round(ok.length / seconds, 1),
      rows_per_s: round(ok.length / seconds, 1),
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      errors: mine.length - ok.length + (kind === label ? lost : 0),
    }
  })
}

export async function runOpenLoop(options: OpenLoopOptions, label: string): Promise<Measurement[]> {
  const interval = 1000 / options.ratePerS
  const total = Math.floor((options.ratePerS * options.durationMs) / 1000)
  const outcomes: Outcome[] = []
  const running: Promise<void>[] = []
  const started = performance.now()
  for (let index = 0; index < total; index++) {
    const scheduledAt = started + index * interval
    const wait = scheduledAt - performance.now()
    if (wait > 1) await sleep(wait)
    running.push(timed(options.next(index), scheduledAt).then((outcome) => void outcomes.push(outcome)))
  }
  await Promise.race([Promise.all(running), sleep(options.drainMs)])
  const seconds = (performance.now() - started) / 1000
  return summarize([...outcomes], total, seconds, label)
}
