import { ADDRESS_CLASSES } from '../../domain/models/backend-address.ts'
import { modelDecider } from '../../domain/models/decider.ts'
import { modelStream } from '../../domain/models/model.ts'
import { canonicalPrice } from '../../domain/models/price.ts'
import type { CommandContext } from '../handle-command.ts'
import { loadState } from '../handle-command.ts'
import { createModel, type ModelCommandDeps } from './model-commands.ts'

/** An AIAAS_MODELS entry, as far as the catalogue can hold it. */
export interface ConfiguredModel {
  name: string
  backend_url: string
  backend_socket_path?: string | undefined
  backend_model?: string | undefined
  input_usd_per_mtok: number
  output_usd_per_mtok: number
  max_output_tokens: number
}

export interface Seeded {
  created: string[]
  /** Not seeded, with why: the catalogue has no socket path or upstream name, or a refusal. */
  skipped: { name: string; reason: string }[]
}

const SEED_CONTEXT: Omit<CommandContext, 'correlation_id'> = {
  actor: 'system:seed',
  causation_id: null,
  source: 'config',
  source_ip: null,
  user_agent: null,
}

function unseedable(model: ConfiguredModel): string | null {
  if (model.backend_socket_path !== undefined) return 'a Unix socket backend'
  if (model.backend_model !== undefined) return 'an upstream model name (backend_model)'
  if (
    canonicalPrice(model.input_usd_per_mtok) === null ||
    canonicalPrice(model.output_usd_per_mtok) === null
  ) {
    return 'a price with more than 9 decimals'
  }
  return null
}

/**
 * AIAAS_MODELS seeds the catalogue: each model whose stream was never written is created, once.
 * A model changed or deleted through the admin API is left as it is, so the catalogue stays the
 * source of truth. The operator's own config may name any address class but a metadata address.
 */
export async function seedModels(
  deps: ModelCommandDeps,
  models: readonly ConfiguredModel[],
  correlationId: string,
): Promise<Seeded> {
  const seeded: Seeded = { created: [], skipped: [] }
  const seedDeps = { ...deps, allowedAddresses: ADDRESS_CLASSES }
  for (const model of models) {
    const reason = unseedable(model)
    if (reason) {
      seeded.skipped.push({ name: model.name, reason })
      continue
    }
    const { version } = await loadState(deps.commands.store, modelStream(model.name), modelDecider)
    if (version !== -1) continue
    const body = {
      name: model.name,
      aliases: [],
      input_price_per_million_usd: model.input_usd_per_mtok,
      output_price_per_million_usd: model.output_usd_per_mtok,
      max_output_tokens: model.max_output_tokens,
      backends: [
        {
          url: model.backend_url,
          provider: 'openai-compatible' as const,
          weight: 1,
          priority: 0,
          timeout_ms: 60_000,
          headers: {},
        },
      ],
    }
    try {
      await createModel(seedDeps, body, { ...SEED_CONTEXT, correlation_id: correlationId })
      seeded.created.push(model.name)
    } catch (error) {
      // Another replica seeding at the same moment, or an address no setting allows.
      seeded.skipped.push({
        name: model.name,
        reason: error instanceof Error ? error.message : String(error),
      })
    }
  }
  return seeded
}
