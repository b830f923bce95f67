import type { Decider } from '../decider.ts'
import { type ApiKey, type ApiKeyEvent, apiKeyEventSchema, evolve, initialState } from './api-key.ts'
import { type ApiKeyCommand, decide } from './decide.ts'

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKey> = {
  decide,
  evolve,
  initialState,
  eventSchema: apiKeyEventSchema,
  schemaVersion: 2,
}
