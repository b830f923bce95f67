import type { Config } from '../../infra/config/config.ts'
import { type Model, parseModels } from '../router/models.ts'

/** AIAAS_MODELS when set, else the built-in `echo` model at its price from config. */
export function configuredModels(config: Config, echoBaseUrl: string): Model[] {
  if (config.AIAAS_MODELS) return parseModels(config.AIAAS_MODELS)
  return [
    {
      name: 'echo',
      backend_url: config.AIAAS_MOCK_BACKEND_URL ?? echoBaseUrl,
      input_usd_per_mtok: config.AIAAS_ECHO_INPUT_USD_PER_MTOK,
      output_usd_per_mtok: config.AIAAS_ECHO_OUTPUT_USD_PER_MTOK,
    },
  ]
}
