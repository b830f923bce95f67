import type { Decider, DomainEvent } from '../domain/decider.ts'
import { AppError } from '../domain/errors.ts'
import { type EventStore, NO_STREAM } from '../infra/ports/event-store.ts'

// Who and why, stored as metadata on every event a command produces.
export interface CommandContext {
  actor: string
  correlation_id: string
  causation_id: string | null
  source: string
}

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
): Promise<Loaded<S>> {
  let state = decider.initialState
  let version = NO_STREAM
  for (const recorded of await store.readStream(stream)) {
    const event = decider.eventSchema.parse({ type: recorded.type, data: recorded.data })
    state = decider.evolve(state, event)
    version = recorded.stream_version
  }
  return { state, version }
}

const MAX_ATTEMPTS = 3

/**
 * Load, decide, append with the version that was read. A concurrent writer makes the append fail
 * with VERSION_CONFLICT; the command is then decided again on the fresh state.
 */
export async function handleCommand<C, E extends DomainEvent, S>(
  deps: CommandDeps,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  context: CommandContext,
): Promise<{ events: E[]; positions: bigint[] }> {
  for (let attempt = 1; ; attempt++) {
    const { state, version } = await loadState(deps.store, stream, decider)
    const events = decider.decide(command, state)
    const stored = events.map((event) => ({
      id: deps.newId(),
      type: event.type,
      schema_version: decider.schemaVersion,
      data: event.data,
      metadata: context,
    }))
    try {
      const { positions } = await deps.store.append(stream, stored, version)
      return { events, positions }
    } catch (error) {
      const retry = error instanceof AppError && error.code === 'VERSION_CONFLICT' && attempt < MAX_ATTEMPTS
      if (!retry) throw error
    }
  }
}
