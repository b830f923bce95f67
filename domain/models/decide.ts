import { AppError } from '../errors.ts'
import type { SealedSecret } from '../secrets/sealed-secret.ts'
import { type AddressClass, backendUrlProblem, refusedAddress } from './backend-address.ts'
import { type Backend, definitionOf, type Model, type ModelDefinition, type ModelEvent } from './model.ts'
import { canonicalPrice } from './price.ts'

/** A backend as a command gives it: its api_key already sealed by the command layer. */
export interface BackendInput extends Omit<Backend, 'api_key' | 'api_key_hint'> {
  /** A new sealed key; null for none; 'keep' for the key of the current backend with the same url. */
  api_key: { sealed: SealedSecret; hint: string | null } | null | 'keep'
}

type Fields = Omit<ModelDefinition, 'name' | 'backends'>

export interface CreateModel {
  type: 'CreateModel'
  data: Fields & { name: string; backends: BackendInput[]; allowed_addresses: AddressClass[]; now: string }
}

export interface UpdateModel {
  type: 'UpdateModel'
  data: {
    name: string
    /** Only the fields to change; backends, when given, replace the whole list. */
    patch: Partial<Fields> & { backends?: BackendInput[] }
    allowed_addresses: AddressClass[]
    now: string
  }
}

export interface DeleteModel {
  type: 'DeleteModel'
  data: { name: string; now: string }
}

export type ModelCommand = CreateModel | UpdateModel | DeleteModel

const notFound = (name: string) =>
  new AppError('MODEL_NOT_FOUND', `The model \`${name}\` does not exist`, { model: name })

function checkBackends(backends: readonly BackendInput[], allowed: readonly AddressClass[]): void {
  backends.forEach((backend, index) => {
    checkBackend(backend, index, allowed)
  })
}

function checkBackend(backend: BackendInput, index: number, allowed: readonly AddressClass[]): void {
  const field = `backends[${index}].url`
  const problem = backendUrlProblem(backend.url)
  if (problem) throw new AppError('BACKEND_URL_INVALID', `${field}: ${problem}`, { field })
  const refused = refusedAddress(backend.url, allowed)
  if (refused) {
    throw new AppError('BACKEND_ADDRESS_NOT_ALLOWED', `${field}: ${refused} addresses are not allowed`, {
      field,
      address_class: refused,
    })
  }
}

function checkPrices(fields: Partial<Fields>): void {
  for (const field of ['input_price_per_million_usd', 'output_price_per_million_usd'] as const) {
    const price = fields[field]
    if (price !== undefined && canonicalPrice(price) !== price) {
      throw new AppError('MODEL_PRICE_INVALID', `${field}: not a canonical price`, { field })
    }
  }
}

/**
 * A model's name and aliases are one set of names: an alias that repeats another or the model's
 * own name would make the router's table ambiguous. (Names held by other models are checked
 * across streams by the command layer: commands/models/model-names.ts.)
 */
function checkAliases(name: string, aliases: readonly string[]): void {
  const repeated = aliases.find((alias, index) => alias === name || aliases.indexOf(alias) !== index)
  if (repeated !== undefined) {
    throw new AppError(
      'MODEL_ALIAS_INVALID',
      `aliases: \`${repeated}\` repeats the model's name or an alias`,
      {
        field: 'aliases',
        alias: repeated,
      },
    )
  }
}

/** Resolves each backend's api_key against the current backends ('keep' matches by url). */
function resolveBackends(inputs: readonly BackendInput[], current: readonly Backend[]): Backend[] {
  return inputs.map(({ api_key, ...backend }) => {
    if (api_key === 'keep') {
      const same = current.find((b) => b.url === backend.url)
      return { ...backend, api_key: same?.api_key ?? null, api_key_hint: same?.api_key_hint ?? null }
    }
    return { ...backend, api_key: api_key?.sealed ?? null, api_key_hint: api_key?.hint ?? null }
  })
}

function createModel({ data }: CreateModel, state: Model): ModelEvent[] {
  if (state.status === 'Active') {
    throw new AppError('MODEL_ALREADY_EXISTS', `The model \`${data.name}\` already exists`, {
      model: data.name,
    })
  }
  const { allowed_addresses, now, backends, ...fields } = data
  checkBackends(backends, allowed_addresses)
  checkPrices(fields)
  checkAliases(data.name, fields.aliases)
  return [
    { type: 'ModelCreated', data: { ...fields, backends: resolveBackends(backends, []), created_at: now } },
  ]
}

function updateModel({ data }: UpdateModel, state: Model): ModelEvent[] {
  if (state.status !== 'Active') throw notFound(data.name)
  const { backends, ...fields } = data.patch
  checkBackends(backends ?? [], data.allowed_addresses)
  checkPrices(fields)
  if (fields.aliases) checkAliases(data.name, fields.aliases)
  const current = state.definition
  const next: ModelDefinition = definitionOf({
    ...current,
    ...fields,
    backends: backends ? resolveBackends(backends, current.backends) : current.backends,
  })
  // A PATCH that changes nothing records nothing, so a retried request adds no event.
  if (JSON.stringify(next) === JSON.stringify(current)) return []
  return [{ type: 'ModelUpdated', data: { ...next, updated_at: data.now } }]
}

function deleteModel({ data }: DeleteModel, state: Model): ModelEvent[] {
  if (state.status !== 'Active') throw notFound(data.name)
  return [{ type: 'ModelDeleted', data: { name: data.name, deleted_at: data.now } }]
}

export function decide(command: ModelCommand, state: Model): ModelEvent[] {
  switch (command.type) {
    case 'CreateModel':
      return createModel(command, state)
    case 'UpdateModel':
      return updateModel(command, state)
    case 'DeleteModel':
      return deleteModel(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
