// The model aggregate: a routable model, its prices, its output limit and its backends. Stream
// `model-<name>`: the name is the identity, so a second create of one name is refused by the
// stream itself. Provider API keys are held only sealed (domain/secrets), with a 4-character hint.
import { z } from 'zod'
import { sealedSecretSchema } from '../secrets/sealed-secret.ts'

export const PROVIDERS = ['openai-compatible', 'vllm', 'anthropic'] as const
/** How the router orders a model's backends (docs/routing.md#strategies). */
export const STRATEGIES = ['priority', 'weighted', 'least_latency'] as const
/** Requests that cost no tokens, on the backend's origin: vLLM's `/health`, `GET /v1/models`. */
export const PROBE_PATHS = ['/health', '/v1/models'] as const

/** An active health probe of a backend (docs/routing.md#health-and-failover). */
export const probeSchema = z.object({
  path: z.enum(PROBE_PATHS),
  interval_ms: z.number().int().positive(),
})
export type Probe = z.infer<typeof probeSchema>

export const backendSchema = z.object({
  url: z.string(),
  provider: z.enum(PROVIDERS),
  weight: z.number().int().nonnegative(),
  priority: z.number().int(),
  timeout_ms: z.number().int().positive(),
  api_key: sealedSecretSchema.nullable(),
  /** The last four characters of a long api_key, else null. */
  api_key_hint: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  /** Absent: never probed (every event written before probes existed, and a backend without one). */
  probe: probeSchema.optional(),
})
export type Backend = z.infer<typeof backendSchema>

export const definitionSchema = z.object({
  name: z.string(),
  aliases: z.array(z.string()),
  input_price_per_million_usd: z.string(),
  output_price_per_million_usd: z.string(),
  max_output_tokens: z.number().int().positive(),
  /** Absent: priority (every event written before strategies existed, and a model created without one). */
  strategy: z.enum(STRATEGIES).optional(),
  /**
   * Requests / tokens per minute across every organization. Absent or null: none (every event
   * written before model limits existed, and a model created without them).
   */
  rpm_limit: z.number().int().positive().nullable().optional(),
  tpm_limit: z.number().int().positive().nullable().optional(),
  backends: z.array(backendSchema),
})
export type ModelDefinition = z.infer<typeof definitionSchema>

export const modelEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ModelCreated'),
    data: definitionSchema.extend({ created_at: z.string() }),
  }),
  z.object({
    // Carries the whole definition after the change: the read model is a plain overwrite.
    type: z.literal('ModelUpdated'),
    data: definitionSchema.extend({ updated_at: z.string() }),
  }),
  z.object({
    type: z.literal('ModelDeleted'),
    data: z.object({ name: z.string(), deleted_at: z.string() }),
  }),
])
export type ModelEvent = z.infer<typeof modelEventSchema>

export type Model =
  | { status: 'Absent' }
  | { status: 'Active'; definition: ModelDefinition; created_at: string; updated_at: string }
  | { status: 'Deleted'; name: string }

export const initialState: Model = { status: 'Absent' }

/** A definition in one key order, a limit of none left out: equal definitions stringify equally. */
export const definitionOf = ({ name, aliases, backends, max_output_tokens, ...rest }: ModelDefinition) => ({
  name,
  aliases,
  input_price_per_million_usd: rest.input_price_per_million_usd,
  output_price_per_million_usd: rest.output_price_per_million_usd,
  max_output_tokens,
  ...(rest.strategy === undefined ? {} : { strategy: rest.strategy }),
  ...(rest.rpm_limit == null ? {} : { rpm_limit: rest.rpm_limit }),
  ...(rest.tpm_limit == null ? {} : { tpm_limit: rest.tpm_limit }),
  backends,
})

export function evolve(state: Model, event: ModelEvent): Model {
  switch (event.type) {
    case 'ModelCreated': {
      const at = event.data.created_at
      return { status: 'Active', definition: definitionOf(event.data), created_at: at, updated_at: at }
    }
    case 'ModelUpdated': {
      const created_at = state.status === 'Active' ? state.created_at : event.data.updated_at
      return {
        status: 'Active',
        definition: definitionOf(event.data),
        created_at,
        updated_at: event.data.updated_at,
      }
    }
    case 'ModelDeleted':
      return { status: 'Deleted', name: event.data.name }
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export const modelStream = (name: string): string => `model-${name}`
