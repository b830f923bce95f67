import type { Decider } from '../decider.ts'
import { decide, type ModelCommand } from './decide.ts'
import { evolve, initialState, type Model, type ModelEvent, modelEventSchema } from './model.ts'

export const modelDecider: Decider<ModelCommand, ModelEvent, Model> = {
  decide,
  evolve,
  initialState,
  eventSchema: modelEventSchema,
  schemaVersion: 1,
}
