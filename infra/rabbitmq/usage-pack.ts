import type { MessageProperties } from 'amqplib'
import type { UsageEvent } from '../ports/usage.ts'

// The usage pack (ADR 0004, "packs"): several usage events in one AMQP message, so the broker pays
// its per-message cost (routing, quorum log entry, confirm, delivery, ack) once per pack instead of
// once per event. Newline-delimited JSON rather than a JSON array: each line is parsed and
// validated on its own, so one malformed event is dead-lettered alone (its line's bytes, verbatim)
// and the pack's good events are stored. JSON.stringify escapes every newline inside strings, so a
// line is always exactly one event. A single event keeps the message shape from before packs (one
// JSON object, no header), which consumers older than packs read.

/** Names the pack format's version; a message without it is one event (the format before packs). */
export const PACK_HEADER = 'x-aiaas-usage-pack'
/** How many events the pack holds (for operators looking at a queue; lines are what count). */
export const PACK_COUNT_HEADER = 'x-aiaas-usage-pack-count'
/** On a dead letter cut out of a pack: the event's line number in its pack, from 0. */
export const PACK_INDEX_HEADER = 'x-aiaas-usage-pack-index'
export const PACK_VERSION = 1
export const PACK_CONTENT_TYPE = 'application/x-ndjson'

export interface PackBounds {
  /** The most events in one pack. */
  maxEvents: number
  /** The most bytes in one pack's body; an event larger than this travels alone. */
  maxBytes: number
}

export const DEFAULT_PACK_BOUNDS: PackBounds = { maxEvents: 64, maxBytes: 64 * 1024 }

/** One message to send: its body and the events it carries (indices into the batch). */
export interface OutgoingPack {
  body: Buffer
  first: number
  count: number
}

/** Cuts `events` into messages in order, each within the bounds; a message of one event is a plain event. */
export function packsOf(events: readonly UsageEvent[], bounds: PackBounds): OutgoingPack[] {
  const packs: OutgoingPack[] = []
  let lines: string[] = []
  let bytes = 0
  let first = 0
  const cut = () => {
    if (lines.length === 0) return
    packs.push({ body: Buffer.from(lines.join('\n')), first, count: lines.length })
    first += lines.length
    lines = []
    bytes = 0
  }
  for (const event of events) {
    const line = JSON.stringify(event)
    // Bytes counted as UTF-16 units: exact for the ASCII ids and names, an approximation otherwise.
    const size = line.length + 1
    if (lines.length >= bounds.maxEvents || (lines.length > 0 && bytes + size > bounds.maxBytes)) cut()
    lines.push(line)
    bytes += size
  }
  cut()
  return packs
}

/** The headers and content type a message of `count` events carries. */
export function packProperties(count: number): { contentType: string; headers?: Record<string, number> } {
  if (count === 1) return { contentType: 'application/json' }
  return {
    contentType: PACK_CONTENT_TYPE,
    headers: { [PACK_HEADER]: PACK_VERSION, [PACK_COUNT_HEADER]: count },
  }
}

/**
 * The bodies of the events a message carries: the body itself for a plain event, one per line for a
 * pack; an error reason (for the whole message's dead letter) when it names a format this reader
 * does not know.
 */
export function eventBodiesOf(
  content: Buffer,
  properties: Pick<MessageProperties, 'headers'>,
): { ok: true; pack: boolean; bodies: Buffer[] } | { ok: false; reason: string } {
  const version: unknown = properties.headers?.[PACK_HEADER]
  if (version === undefined) return { ok: true, pack: false, bodies: [content] }
  // Read as a number or its text: another AMQP client may send the header as a string.
  if (String(version) !== String(PACK_VERSION)) {
    return { ok: false, reason: `unknown usage pack format ${String(version)}` }
  }
  const bodies: Buffer[] = []
  let start = 0
  while (start <= content.length) {
    const end = content.indexOf(0x0a, start)
    const stop = end === -1 ? content.length : end
    // Blank lines (a trailing newline, say) carry no event.
    if (stop > start) bodies.push(content.subarray(start, stop))
    start = stop + 1
  }
  if (bodies.length === 0) return { ok: false, reason: 'usage pack holds no event' }
  return { ok: true, pack: true, bodies }
}
