import type { FastifyInstance } from 'fastify'
import type { CommandDeps } from '../../commands/handle-command.ts'
import { seedModels } from '../../commands/models/seed-models.ts'
import type { Config } from '../../infra/config/config.ts'
import type { Keyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import type { RouterReplicaStore } from '../../infra/lmdb/router-replica.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { sqlModelNames } from '../../projections/models/model-names.ts'
import { startCatalogueModels } from '../router/catalogue-models.ts'
import { type Model, parseModels } from '../router/models.ts'
import { dataKeysWithCopy } from '../router/replica-secrets.ts'
import { openAdapter } from './adapter.ts'
import { ERROR_LOG_MS } from './router-replica.ts'
import type { Runtime } from './runtime.ts'
import { throttled } from './throttled-log.ts'

/** How often a router re-reads the whole model catalogue besides the change feed's refreshes (a fallback). */
export const CATALOGUE_REFRESH_MS = 500

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

/**
 * The router's models: the catalogue's first (it is the source of truth), then each configured
 * model (AIAAS_MODELS or `echo`) whose name the catalogue does not use.
 */
export function withCatalogue(
  catalogue: () => readonly Model[],
  configured: readonly Model[],
): () => readonly Model[] {
  let seen: readonly Model[] | null = null
  let merged: readonly Model[] = configured
  return () => {
    const models = catalogue()
    if (models !== seen) {
      const names = new Set(models.map((m) => m.name))
      merged = [...models, ...configured.filter((m) => !names.has(m.name))]
      seen = models
    }
    return merged
  }
}

/** The catalogue reader as adapter `catalogue`, read once before the router takes requests. */
export function openCatalogue(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  db: Sql,
  keyring: Keyring | undefined,
  copy?: RouterReplicaStore,
) {
  // The error is logged, never the key: SECRET_UNREADABLE names only the data key's id. A read
  // fails on every poll while PostgreSQL is down: said once per ERROR_LOG_MS per model (or read).
  const log = throttled(ERROR_LOG_MS, (error: unknown, model?: string) =>
    rt.log.error({ err: error, model }, 'model catalogue: a read failed or a model was left out'),
  )
  const onError = (error: unknown, model?: string) => log(model ?? '', error, model)
  return openAdapter(app, 'catalogue', async () => {
    const secrets = copy
      ? createSecretBox(db, keyring, dataKeysWithCopy(db, copy))
      : createSecretBox(db, keyring)
    const catalogue = startCatalogueModels({
      db,
      secrets,
      intervalMs: CATALOGUE_REFRESH_MS,
      onError,
      ...(copy ? { copy } : {}),
    })
    await catalogue.refresh().catch(onError)
    return catalogue
  })
}

/**
 * On start, AIAAS_MODELS seeds the model catalogue: a model never created is created (by
 * `system:seed`); one changed or deleted through the admin API is left alone. Entries the catalogue
 * cannot hold (a Unix socket, an upstream name) keep being routed from the config only.
 */
export async function seedCatalogue(
  rt: Runtime,
  commands: CommandDeps,
  secrets: SecretBox,
  db: Sql,
): Promise<void> {
  if (!rt.config.AIAAS_MODELS) return
  const models = parseModels(rt.config.AIAAS_MODELS)
  const deps = { commands, secrets, allowedAddresses: [], names: sqlModelNames(db) }
  const { created, skipped } = await seedModels(deps, models, rt.newId())
  if (created.length > 0) rt.log.info({ models: created }, 'seeded the model catalogue from AIAAS_MODELS')
  for (const { name, reason } of skipped)
    rt.log.info({ model: name, reason }, 'AIAAS_MODELS entry not seeded')
}
