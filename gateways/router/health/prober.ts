import type { AttemptVerdict } from './backend-health.ts'
import type { SharedHealth } from './shared-health.ts'

// Active probes of the backends that name one in the catalogue (docs/routing.md#health-and-failover):
// one timer per probed backend, at most `maxConcurrent` probes in flight, each bounded by its
// backend's timeout. A probe's verdict feeds the same health view as requests: a failure counts
// towards opening like a failed request; once an open circuit's cooldown has passed, the probe
// takes the half-open trial, so a success closes the circuit without a request spending tokens.
// Every replica probes for itself: the board's trial lock already keeps the half-open trial to
// one replica, and a closed backend's probes are cheap (ADR 0019).

export interface ProbeTarget {
  /** The backend's health id (RoutedBackend.id). */
  id: string
  interval_ms: number
  timeout_ms: number
}

/** Calls one probe; resolves true when the backend answered healthy, false (or throws) otherwise. */
export type ProbeCall<T extends ProbeTarget> = (target: T, signal: AbortSignal) => Promise<boolean>

export interface Prober<T extends ProbeTarget> {
  /** The backends to probe now: new ones start, gone ones stop, changed ones restart. */
  update(targets: readonly T[]): void
  /** Ids of the backends being probed. */
  probed(): string[]
  /** Stops every timer and waits for the probes in flight; nothing is left behind. */
  close(): Promise<void>
}

export interface ProberOptions<T extends ProbeTarget> {
  health: Pick<SharedHealth, 'stateOf' | 'admit' | 'report' | 'abandon'>
  call: ProbeCall<T>
  maxConcurrent?: number
  /** Compares a target with the one it replaces: unequal restarts its timer. Default JSON. */
  key?: (target: T) => string
  /** A probe that broke (not a failed probe: that is a verdict); its timer goes on. */
  onError?: (error: unknown) => void
}

export function createProber<T extends ProbeTarget>(options: ProberOptions<T>): Prober<T> {
  const key = options.key ?? ((t: T) => JSON.stringify(t))
  const onError = options.onError ?? (() => {})
  const slots = createSlots(options.maxConcurrent ?? 4)
  const timers = new Map<string, { key: string; timer?: NodeJS.Timeout; stop: AbortController }>()
  const inFlight = new Set<Promise<void>>()
  let closed = false

  const schedule = (target: T, stop: AbortController) => {
    const timer = setTimeout(() => {
      const run = slots
        .run(() => probeOnce(options, target, stop.signal).catch(onError))
        .finally(() => {
          inFlight.delete(run)
          if (!stop.signal.aborted) schedule(target, stop)
        })
      inFlight.add(run)
    }, target.interval_ms)
    timer.unref()
    const entry = timers.get(target.id)
    if (entry) entry.timer = timer
  }
  const stopOne = (id: string) => {
    const entry = timers.get(id)
    if (!entry) return
    entry.stop.abort()
    clearTimeout(entry.timer)
    timers.delete(id)
  }

  return {
    update(targets) {
      if (closed) return
      const wanted = new Map(targets.map((t) => [t.id, t]))
      for (const id of [...timers.keys()]) {
        const target = wanted.get(id)
        if (!target || key(target) !== timers.get(id)?.key) stopOne(id)
      }
      for (const target of wanted.values()) {
        if (timers.has(target.id)) continue
        const stop = new AbortController()
        timers.set(target.id, { key: key(target), stop })
        schedule(target, stop)
      }
    },
    probed: () => [...timers.keys()],
    async close() {
      closed = true
      for (const id of [...timers.keys()]) stopOne(id)
      await Promise.allSettled([...inFlight])
    },
  }
}

/** One probe and its verdict; a probe stopped midway (backend removed, prober closed) says nothing. */
async function probeOnce<T extends ProbeTarget>(
  options: ProberOptions<T>,
  target: T,
  stopped: AbortSignal,
): Promise<void> {
  const { health } = options
  if (stopped.aborted) return
  const state = health.stateOf(target.id)
  // Open and cooling down: nothing may be sent to it yet, a probe included.
  if (state === 2) return
  // Half-open: the probe is the trial, if no request or other replica holds it already.
  if (state === 1 && !(await health.admit(target.id))) return
  const signal = AbortSignal.any([stopped, AbortSignal.timeout(target.timeout_ms)])
  const verdict: AttemptVerdict | null = await options
    .call(target, signal)
    .then(
      (healthy) => (healthy ? 'success' : 'failure'),
      () => 'failure' as const,
    )
    .then((v) => (stopped.aborted ? null : v))
  if (verdict === null) health.abandon(target.id)
  else health.report(target.id, verdict)
}

/** At most `size` tasks at once; the others wait their turn in order. */
function createSlots(size: number) {
  let running = 0
  const waiting: (() => void)[] = []
  return {
    async run(task: () => Promise<void>): Promise<void> {
      if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve))
      else running += 1
      try {
        await task()
      } finally {
        const nextTask = waiting.shift()
        if (nextTask) nextTask()
        else running -= 1
      }
    },
  }
}
