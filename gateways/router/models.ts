import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'
import type { PROVIDERS, Probe } from '../../domain/models/model.ts'
import { clip } from '../http/clip.ts'
import { CHAT_BOUNDS } from './chat-schema.ts'

// Models the router can route to, each with its backend, its price and its output limit. Every
// model has a price, self-hosted ones too (ARCHITECTURE.md: LiteLLM 41780). Later issues move
// this into identity.
/** The output limit of a configured model that names none. */
export const DEFAULT_MODEL_MAX_OUTPUT_TOKENS = 32_768
/** USD per million tokens: far above any real price, low enough that a worst case stays exact. */
const MAX_USD_PER_MTOK = 100_000

const modelSchema = z.object({
  name: z.string().min(1),
  backend_url: z.url(),
  /** Reach the backend over this Unix socket instead of TCP (the URL's host is then a label). */
  backend_socket_path: z.string().min(1).optional(),
  /** The model name the backend expects; defaults to name. */
  backend_model: z.string().min(1).optional(),
  input_usd_per_mtok: z.number().nonnegative().max(MAX_USD_PER_MTOK),
  output_usd_per_mtok: z.number().nonnegative().max(MAX_USD_PER_MTOK),
  /** The most output tokens one choice may ask for (max_tokens / max_completion_tokens). */
  max_output_tokens: z
    .number()
    .int()
    .positive()
    .max(CHAT_BOUNDS.output_tokens)
    .default(DEFAULT_MODEL_MAX_OUTPUT_TOKENS),
})

export type Model = z.infer<typeof modelSchema> & {
  /** Headers sent to the backend (a catalogue model's own headers and its api key). */
  backend_headers?: Readonly<Record<string, string>> | undefined
  /** A catalogue model's backends, all of them; a configured model has only backend_url. */
  backends?: readonly RoutedBackend[] | undefined
  strategy?: Strategy | undefined
  /** The model's own limits across every organization (the catalogue); absent: none. */
  rpm_limit?: number | null | undefined
  tpm_limit?: number | null | undefined
}

export const STRATEGIES = ['weighted', 'priority', 'least_latency'] as const
export type Strategy = (typeof STRATEGIES)[number]
/** The catalogue's providers: the provider seam has an adapter for each (a type error if not). */
export type Provider = (typeof PROVIDERS)[number]

/** One backend a request can be sent to, with everything needed to call it. */
export interface RoutedBackend {
  /** Stable across catalogue reloads and replicas: health and latency are kept under it. */
  id: string
  url: string
  provider: Provider
  weight: number
  priority: number
  /** Limit of one attempt before its first content, and of each silence after it. */
  timeout_ms: number
  /** Configured headers and, when the backend has an api key, `authorization: Bearer …`. */
  headers: Readonly<Record<string, string>>
  /** The model name sent upstream (an alias is sent as its model's name). */
  upstream_model: string
  /**
   * The model's output limit: sent upstream as the request's limit when it names none and the
   * provider requires one (Anthropic's max_tokens), so a model with a lower limit is not refused.
   */
  max_output_tokens: number
  socket_path?: string | undefined
  /** The catalogue's active probe of this backend; absent: never probed (health/prober.ts). */
  probe?: Probe | undefined
}

/**
 * The backends of a model: a catalogue model's list, or the one backend of a configured model.
 * `timeoutMs` (AIAAS_BACKEND_TIMEOUT_MS) is the operator's cap on every attempt; a catalogue
 * backend's own timeout_ms applies when lower.
 */
export function backendsOf(model: Model, timeoutMs: number): readonly RoutedBackend[] {
  if (model.backends) {
    return model.backends.map((b) => (b.timeout_ms <= timeoutMs ? b : { ...b, timeout_ms: timeoutMs }))
  }
  return [
    {
      id: model.backend_url,
      url: model.backend_url,
      provider: 'openai-compatible',
      weight: 1,
      priority: 0,
      timeout_ms: timeoutMs,
      headers: model.backend_headers ?? {},
      upstream_model: model.backend_model ?? model.name,
      max_output_tokens: model.max_output_tokens,
      socket_path: model.backend_socket_path,
    },
  ]
}

export interface ModelCatalog {
  list(): readonly Model[]
  get(name: string): Model
}

export function parseModels(json: string): Model[] {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new AppError('CONFIG_INVALID', 'AIAAS_MODELS is not valid JSON')
  }
  const parsed = z.array(modelSchema).min(1).safeParse(raw)
  if (!parsed.success) {
    throw new AppError('CONFIG_INVALID', `AIAAS_MODELS: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  }
  return parsed.data
}

/** models is read on each call: embedded mode learns the echo backend's URL once it listens. */
export function createModelCatalog(models: () => readonly Model[]): ModelCatalog {
  return {
    list: models,
    get(name) {
      const model = models().find((m) => m.name === name)
      if (!model) {
        const shown = clip(name)
        throw new AppError('MODEL_NOT_FOUND', `The model \`${shown}\` does not exist`, { model: shown })
      }
      return model
    },
  }
}

/** USD for a request, from tokens and the model's per-million-token prices. */
export function costUsd(model: Model, inputTokens: number, outputTokens: number): number {
  return (inputTokens * model.input_usd_per_mtok + outputTokens * model.output_usd_per_mtok) / 1_000_000
}
