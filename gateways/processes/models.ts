import type { Config } from '../../infra/config/config.ts'
import { type Model, parseModels } from '../router/models.ts'

/** The built-in `echo` model's output limit (it repeats the prompt, so any limit is honoured). */
export const ECHO_MAX_OUTPUT_TOKENS = 4096

/** Where the built-in `echo` model is reached: a base URL, over TCP or over a Unix socket. */
export interface EchoBackend {
  url: string
  socketPath?: string
}

/** AIAAS_MODELS when set, else the built-in `echo` model at its price from config. */
export function configuredModels(config: Config, echo: string | EchoBackend): Model[] {
  if (config.AIAAS_MODELS) return parseModels(config.AIAAS_MODELS)
  const backend = typeof echo === 'string' ? { url: echo } : echo
  const viaSocket = config.AIAAS_MOCK_BACKEND_URL === undefined && backend.socketPath !== undefined
  return [
    {
      name: 'echo',
      backend_url: config.AIAAS_MOCK_BACKEND_URL ?? backend.url,
      ...(viaSocket ? { backend_socket_path: backend.socketPath } : {}),
      input_usd_per_mtok: config.AIAAS_ECHO_INPUT_USD_PER_MTOK,
      output_usd_per_mtok: config.AIAAS_ECHO_OUTPUT_USD_PER_MTOK,
      max_output_tokens: ECHO_MAX_OUTPUT_TOKENS,
    },
  ]
}
