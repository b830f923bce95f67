import type { z } from 'zod'

// A decider (emmett / Jérémie Chassaing): three pure functions over one aggregate, plus the
// schema that parses its stored events and the version its events are written at.
export interface DomainEvent {
  type: string
  data: Record<string, unknown>
}

export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[]
  evolve(state: State, event: Event): State
  initialState: State
  eventSchema: z.ZodType<Event>
  schemaVersion: number
}
