import { Readable } from 'node:stream'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'

// How the `echo` model paces a stream, for benchmarks and tests that need a backend which streams
// like a model (one event per write, time between them) or an idle open stream. Asked for in
// the request's OpenAI `metadata` (string values), which the router passes through:
// - `mock_interval_ms`: each event is written on its own, this far apart (0: one per turn of the
//   event loop) instead of all in one write;
// - `mock_hold_ms`: after the first content event, the stream waits this long before the rest.
// A request that names neither is answered in one write, as before. The waits end when the client
// goes away, so a held stream costs nothing after its reader left.

export interface Pace {
  intervalMs: number
  holdMs: number
}

/** Bounds: a paced stream ends within ~11 minutes whatever it asked for. */
const MAX_INTERVAL_MS = 1_000
const MAX_HOLD_MS = 600_000

function bounded(value: unknown, max: number): number | null {
  if (typeof value !== 'string' || !/^\d{1,7}$/.test(value)) return null
  return Math.min(Number(value), max)
}

/** The pace a request asks for, or null for one write. */
export function paceOf(body: Readonly<Record<string, unknown>>): Pace | null {
  const metadata = body.metadata
  if (typeof metadata !== 'object' || metadata === null) return null
  const { mock_interval_ms: interval, mock_hold_ms: hold } = metadata as Record<string, unknown>
  const intervalMs = bounded(interval, MAX_INTERVAL_MS)
  const holdMs = bounded(hold, MAX_HOLD_MS)
  if (intervalMs === null && holdMs === null) return null
  return { intervalMs: intervalMs ?? 0, holdMs: holdMs ?? 0 }
}

/** True after the wait, false when the client left during it. */
const wait = (ms: number, signal: AbortSignal) =>
  (ms === 0 ? nextTurn(undefined, { signal }) : sleep(ms, undefined, { signal })).then(
    () => true,
    () => false,
  )

/**
 * The events as a paced body; `firstContent` is the index of the event after which a hold waits.
 * `gone` aborts when the client closed its connection.
 */
export function pacedBody(events: readonly string[], firstContent: number, pace: Pace, gone: AbortSignal) {
  async function* paced() {
    for (const [index, event] of events.entries()) {
      yield event
      if (index === firstContent && pace.holdMs > 0 && !(await wait(pace.holdMs, gone))) return
      if (index < events.length - 1 && !(await wait(pace.intervalMs, gone))) return
    }
  }
  return Readable.from(paced(), { objectMode: false })
}
