import type { AddressClass } from '../../domain/models/backend-address.ts'
import { modelDecider } from '../../domain/models/decider.ts'
import { type ModelDefinition, modelStream, type STRATEGIES } from '../../domain/models/model.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import { type CommandContext, type CommandDeps, handleCommand, loadState } from '../handle-command.ts'
import type { Reservations } from '../reservations.ts'
import { type BackendBody, priceOf, sealBackends } from './model-input.ts'
import { withModelNames } from './model-names.ts'

export interface ModelCommandDeps {
  commands: CommandDeps
  secrets: SecretBox
  /** AIAAS_BACKEND_ALLOWED_ADDRESSES. */
  allowedAddresses: readonly AddressClass[]
  /** Model names and aliases, one namespace across models (model_name_reservations). */
  names: Reservations
}

type Strategy = (typeof STRATEGIES)[number]

const namesDeps = (deps: ModelCommandDeps) => ({ ...deps.commands, names: deps.names })

export interface ModelBody {
  name: string
  aliases: string[]
  input_price_per_million_usd: string | number
  output_price_per_million_usd: string | number
  max_output_tokens: number
  /** Absent: priority. */
  strategy?: Strategy | undefined
  /** Requests / tokens per minute across every organization; absent or null: none. */
  rpm_limit?: number | null | undefined
  tpm_limit?: number | null | undefined
  backends: BackendBody[]
}

/**
 * What a command left: the model as the event store now has it (null once deleted) with its
 * stream version, so a response never depends on how far the read model has got; and the global
 * position of the last event written (null: nothing changed), for read-your-writes.
 */
export interface ModelWritten {
  name: string
  model: (ModelDefinition & { created_at: string; updated_at: string; version: number }) | null
  position: bigint | null
}

async function written(
  deps: ModelCommandDeps,
  name: string,
  positions: readonly bigint[],
): Promise<ModelWritten> {
  const { state, version } = await loadState(deps.commands.store, modelStream(name), modelDecider)
  const position = positions.at(-1) ?? null
  if (state.status !== 'Active') return { name, model: null, position }
  const { definition, created_at, updated_at } = state
  return { name, model: { ...definition, created_at, updated_at, version }, position }
}

export async function createModel(
  deps: ModelCommandDeps,
  body: ModelBody,
  context: CommandContext,
): Promise<ModelWritten> {
  const data = {
    ...body,
    input_price_per_million_usd: priceOf('input_price_per_million_usd', body.input_price_per_million_usd),
    output_price_per_million_usd: priceOf('output_price_per_million_usd', body.output_price_per_million_usd),
    backends: await sealBackends(deps.secrets, body.backends),
    allowed_addresses: [...deps.allowedAddresses],
    now: deps.commands.now().toISOString(),
  }
  const command = { type: 'CreateModel' as const, data }
  const { positions } = await withModelNames(
    namesDeps(deps),
    body.name,
    () => [body.name, ...body.aliases],
    () => handleCommand(deps.commands, modelStream(body.name), modelDecider, command, context),
  )
  return written(deps, body.name, positions)
}

export type ModelPatch = Partial<Omit<ModelBody, 'name'>>

export async function updateModel(
  deps: ModelCommandDeps,
  name: string,
  body: ModelPatch,
  context: CommandContext,
): Promise<ModelWritten> {
  const { input_price_per_million_usd: input, output_price_per_million_usd: output, backends, ...rest } = body
  const patch = {
    ...rest,
    ...(input === undefined
      ? {}
      : { input_price_per_million_usd: priceOf('input_price_per_million_usd', input) }),
    ...(output === undefined
      ? {}
      : { output_price_per_million_usd: priceOf('output_price_per_million_usd', output) }),
    ...(backends === undefined ? {} : { backends: await sealBackends(deps.secrets, backends) }),
  }
  const data = {
    name,
    patch,
    allowed_addresses: [...deps.allowedAddresses],
    now: deps.commands.now().toISOString(),
  }
  const command = { type: 'UpdateModel' as const, data }
  const { positions } = await withModelNames(
    namesDeps(deps),
    name,
    (state) => (state.status === 'Active' ? [name, ...(body.aliases ?? state.definition.aliases)] : []),
    () => handleCommand(deps.commands, modelStream(name), modelDecider, command, context),
  )
  return written(deps, name, positions)
}

export async function deleteModel(
  deps: ModelCommandDeps,
  name: string,
  context: CommandContext,
): Promise<ModelWritten> {
  const command = { type: 'DeleteModel' as const, data: { name, now: deps.commands.now().toISOString() } }
  // A deleted model holds no name: its name and aliases are free again once the delete is stored.
  const { positions } = await withModelNames(
    namesDeps(deps),
    name,
    () => [],
    () => handleCommand(deps.commands, modelStream(name), modelDecider, command, context),
  )
  return written(deps, name, positions)
}
