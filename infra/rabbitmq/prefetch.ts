// The consumer's prefetch counts messages, and a message holds one usage event or a pack of up to
// 64 (usage-pack.ts). A prefetch fixed for one-event messages (2 × maxEvents) would hold 64 times
// the events with packs (a 300,000-event backlog took the ingest bench from ~400 MB to ~1 GB), and
// one fixed for packs would starve batches of one-event messages (older routers, quiet routers
// whose batches hold one event). So the consumer aims at about 2 × maxEvents EVENTS unacked —
// the batch being stored and the next one filling — and re-subscribes with a new prefetch when the
// events per message it sees move that aim by 2× or more.

/** The fewest messages asked for: enough to keep a small batch filling while one is stored. */
export const MIN_PREFETCH = 8
/** What the consumer assumes before it has seen a message: packs (the smaller prefetch). */
export const FIRST_EVENTS_PER_MESSAGE = 64

/** The prefetch that holds about 2 × maxEvents events unacked, within [MIN_PREFETCH, max]. */
export function prefetchFor(maxEvents: number, eventsPerMessage: number, max: number): number {
  const wanted = Math.ceil((2 * maxEvents) / Math.max(1, eventsPerMessage))
  return Math.min(max, Math.max(MIN_PREFETCH, wanted))
}

/** Re-subscribing costs a cancel and a consume: only for a change of 2× or more. */
export function worthRetuning(current: number, wanted: number): boolean {
  return wanted >= 2 * current || 2 * wanted <= current
}
