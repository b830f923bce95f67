import { z } from 'zod'
import { AppError } from '../../domain/errors.ts'

// Models the router can route to, each with its backend and its price. Every model has a price,
// self-hosted ones too (ARCHITECTURE.md: LiteLLM 41780). Later issues move this into identity.
const modelSchema = z.object({
  name: z.string().min(1),
  backend_url: z.url(),
  /** The model name the backend expects; defaults to name. */
  backend_model: z.string().min(1).optional(),
  input_usd_per_mtok: z.number().nonnegative(),
  output_usd_per_mtok: z.number().nonnegative(),
})

export type Model = z.infer<typeof modelSchema>

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
      if (!model)
        throw new AppError('MODEL_NOT_FOUND', `The model \`${name}\` does not exist`, { model: name })
      return model
    },
  }
}

/** USD for a request, from tokens and the model's per-million-token prices. */
export function costUsd(model: Model, inputTokens: number, outputTokens: number): number {
  return (inputTokens * model.input_usd_per_mtok + outputTokens * model.output_usd_per_mtok) / 1_000_000
}
