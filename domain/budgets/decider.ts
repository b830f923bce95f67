import type { Decider } from '../decider.ts'
import { type Budget, type BudgetEvent, budgetEventSchema, evolve, initialState } from './budget.ts'
import { type BudgetCommand, decide } from './decide.ts'

export const budgetDecider: Decider<BudgetCommand, BudgetEvent, Budget> = {
  decide,
  evolve,
  initialState,
  eventSchema: budgetEventSchema,
  schemaVersion: 1,
}
