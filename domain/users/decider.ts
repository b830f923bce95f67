import type { Decider } from '../decider.ts'
import { decide, type UserCommand } from './decide.ts'
import { evolve, initialState, type User, type UserEvent, userEventSchema } from './user.ts'

export const userDecider: Decider<UserCommand, UserEvent, User> = {
  decide,
  evolve,
  initialState,
  eventSchema: userEventSchema,
  schemaVersion: 1,
}
