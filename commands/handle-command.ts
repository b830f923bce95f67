import type { Decider, DomainEvent } from '../domain/decider.ts'
import { AppError } from '../domain/errors.ts'
import {
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  NO_STREAM,
  type RecordedEvent,
} from '../infra/ports/event-store.ts'

// Who and why, stored as metadata on every event a command produces.
export type CommandContext = EventMetadata

export interface CommandDeps {
  store: EventStore
  now: () => Date
  newId: () => string
}

export interface Loaded<State> {
  state: State
  version: number
}

/** Folds a stream into the decider's state; stored events are parsed, never cast. */
export async function loadState<C, E extends DomainEvent, S>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S>,
  onEvent: (recorded: RecordedEvent, event: E) => void = () => {},
): Promise<Loaded<S>> {
  let state = decider.initialState
  let version = NO_STREAM
  for (const recorded of await store.readStream(stream)) {
    const event = decider.eventSchema.parse({ type: recorded.type, data: recorded.data })
    onEvent(recorded, event)
    state = decider.evolve(state, event)
    version = recorded.stream_version
  }
  return { state, version }
}

const MAX_ATTEMPTS = 3
/** Sends of one append when the database connection fails (the first send included). */
const MAX_SENDS = 3

const isCode = (error: unknown, code: string) => error instanceof AppError && error.code === code

/**
 * Sends the same append again when the connection failed: the first send may have committed with
 * its reply lost, and the event store answers a repeated batch (same ids) with what it stored.
 * Re-deciding instead would decide on a state that includes our own events.
 */
async function appendResending(
  store: EventStore,
  stream: string,
  events: readonly NewEvent[],
  expected: number,
): Promise<AppendResult> {
  for (let send = 1; ; send++) {
    try {
      return await store.append(stream, events, expected)
    } catch (error) {
      if (!(isCode(error, 'DATABASE_UNAVAILABLE') && send < MAX_SENDS)) throw error
    }
  }
}

/** The i-th event id of a command invocation: drawn once, the same on every attempt. */
function eventIds(newId: () => string): (index: number) => string {
  const drawn: string[] = []
  return (index) => {
    drawn[index] ??= newId()
    return drawn[index]
  }
}

/**
 * Load, decide, append with the version that was read. A concurrent writer makes the append fail
 * with VERSION_CONFLICT; the command is then decided again on the fresh state. Event ids are drawn
 * once per invocation and reused by every attempt: a conflict proves none of them was stored, and
 * a lost reply (DATABASE_UNAVAILABLE) is answered idempotently when the append is sent again.
 * When the stream already holds this invocation's first event id (deps.newId derives ids from an
 * Idempotency-Key), the invocation committed before: its stored events are returned.
 */
export async function handleCommand<C, E extends DomainEvent, S>(
  deps: CommandDeps,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  context: CommandContext,
): Promise<{ events: E[]; positions: bigint[] }> {
  const idAt = eventIds(deps.newId)
  for (let attempt = 1; ; attempt++) {
    const ours: { event: E; position: bigint }[] = []
    const { state, version } = await loadState(deps.store, stream, decider, (recorded, event) => {
      if (recorded.id === idAt(ours.length)) ours.push({ event, position: recorded.global_position })
    })
    // Ids that derive from an Idempotency-Key are the same when a request whose outcome was lost
    // runs again: finding them means it committed, so its events are the answer, not a new decision.
    if (ours.length > 0) return { events: ours.map((o) => o.event), positions: ours.map((o) => o.position) }
    const events = decider.decide(command, state)
    const stored = events.map((event, index) => ({
      id: idAt(index),
      type: event.type,
      schema_version: decider.schemaVersion,
      data: event.data,
      metadata: context,
    }))
    try {
      const { positions } = await appendResending(deps.store, stream, stored, version)
      return { events, positions }
    } catch (error) {
      if (!(isCode(error, 'VERSION_CONFLICT') && attempt < MAX_ATTEMPTS)) throw error
    }
  }
}
