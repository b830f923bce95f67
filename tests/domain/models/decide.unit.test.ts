import { describe, expect, it } from 'vitest'
import type { BackendInput } from '../../../domain/models/decide.ts'
import { modelDecider } from '../../../domain/models/decider.ts'
import type { Backend, ModelEvent } from '../../../domain/models/model.ts'
import { specFor } from '../../support/decider.ts'

const given = specFor(modelDecider)
const now = '2026-11-26T10:00:00.000Z'
const later = '2026-11-26T11:00:00.000Z'
const sealed = (id: string) => ({
  data_key_id: id,
  alg: 'AES-256-GCM' as const,
  iv: 'aXY=',
  ciphertext: 'Y3Q=',
  tag: 'dGFn',
})
const KEY_A = sealed('0190a8e2-0000-4000-8000-00000000000a')
const KEY_B = sealed('0190a8e2-0000-4000-8000-00000000000b')

const backendIn = (over: Partial<BackendInput> = {}): BackendInput => ({
  url: 'https://api.example.com/v1',
  provider: 'openai-compatible',
  weight: 1,
  priority: 0,
  timeout_ms: 30_000,
  headers: {},
  api_key: { sealed: KEY_A, hint: 'wxyz' },
  ...over,
})
const backendOut = (over: Partial<Backend> = {}): Backend => ({
  url: 'https://api.example.com/v1',
  provider: 'openai-compatible',
  weight: 1,
  priority: 0,
  timeout_ms: 30_000,
  headers: {},
  api_key: KEY_A,
  api_key_hint: 'wxyz',
  ...over,
})
const fields = {
  name: 'gpt-x',
  aliases: ['x'],
  input_price_per_million_usd: '2.5',
  output_price_per_million_usd: '10',
  max_output_tokens: 4096,
}
const create = (
  over: Partial<BackendInput> = {},
  allowed: ('loopback' | 'private' | 'link-local')[] = [],
) => ({
  type: 'CreateModel' as const,
  data: { ...fields, backends: [backendIn(over)], allowed_addresses: allowed, now },
})
const created: ModelEvent = {
  type: 'ModelCreated',
  data: { ...fields, backends: [backendOut()], created_at: now },
}
const update = (patch: Record<string, unknown>) => ({
  type: 'UpdateModel' as const,
  data: { name: 'gpt-x', patch, allowed_addresses: [], now: later },
})
const deleted: ModelEvent = { type: 'ModelDeleted', data: { name: 'gpt-x', deleted_at: later } }

describe('model decider', () => {
  it('creates a model with its prices and backends, the api_key sealed', () => {
    given([]).when(create()).then([created])
  })

  it('keeps the routing strategy given, and changes it by a patch; absent it stays absent (priority)', () => {
    const weighted = create()
    const withStrategy = { ...weighted, data: { ...weighted.data, strategy: 'weighted' as const } }
    const createdWeighted: ModelEvent = {
      type: 'ModelCreated',
      data: { ...created.data, strategy: 'weighted' },
    }
    given([]).when(withStrategy).then([createdWeighted])
    given([createdWeighted])
      .when(update({ strategy: 'least_latency' }))
      .then([
        {
          type: 'ModelUpdated',
          data: { ...fields, strategy: 'least_latency', backends: [backendOut()], updated_at: later },
        },
      ])
    given([createdWeighted])
      .when(update({ strategy: 'weighted' }))
      .then([])
  })

  it('refuses a second model of the same name: MODEL_ALREADY_EXISTS', () => {
    given([created]).when(create()).thenThrows('MODEL_ALREADY_EXISTS')
  })

  it('creates a model again after it was deleted', () => {
    given([created, deleted]).when(create()).then([created])
  })

  it('refuses the metadata address whatever the allow-list says', () => {
    given([])
      .when(create({ url: 'http://169.254.169.254/latest' }, ['loopback', 'private', 'link-local']))
      .thenThrows('BACKEND_ADDRESS_NOT_ALLOWED')
  })

  it('refuses private and link-local addresses unless the allow-list names their class', () => {
    given([])
      .when(create({ url: 'http://10.1.2.3:8000/v1' }))
      .thenThrows('BACKEND_ADDRESS_NOT_ALLOWED')
    given([])
      .when(create({ url: 'http://[fe80::1]/v1' }))
      .thenThrows('BACKEND_ADDRESS_NOT_ALLOWED')
    given([])
      .when(create({ url: 'http://localhost:8000/v1' }))
      .thenThrows('BACKEND_ADDRESS_NOT_ALLOWED')
    given([])
      .when(create({ url: 'http://10.1.2.3:8000/v1', api_key: null }, ['private']))
      .then([
        {
          type: 'ModelCreated',
          data: {
            ...fields,
            backends: [backendOut({ url: 'http://10.1.2.3:8000/v1', api_key: null, api_key_hint: null })],
            created_at: now,
          },
        },
      ])
  })

  it('refuses a URL that is not http(s) or carries credentials', () => {
    given([])
      .when(create({ url: 'file:///etc/passwd' }))
      .thenThrows('BACKEND_URL_INVALID')
    given([])
      .when(create({ url: 'https://user:pw@api.example.com/v1' }))
      .thenThrows('BACKEND_URL_INVALID')
  })

  it('refuses an alias that repeats the model’s name or another alias: MODEL_ALIAS_INVALID', () => {
    const withAliases = (aliases: string[]) => ({ ...create(), data: { ...create().data, aliases } })
    given([])
      .when(withAliases(['gpt-x']))
      .thenThrows('MODEL_ALIAS_INVALID')
    given([])
      .when(withAliases(['x', 'y', 'x']))
      .thenThrows('MODEL_ALIAS_INVALID')
    given([created])
      .when(update({ aliases: ['y', 'gpt-x'] }))
      .thenThrows('MODEL_ALIAS_INVALID')
    given([created])
      .when(update({ aliases: ['y'] }))
      .then([
        {
          type: 'ModelUpdated',
          data: { ...fields, aliases: ['y'], backends: [backendOut()], updated_at: later },
        },
      ])
  })

  it('refuses a price that is not canonical (the command layer canonicalises)', () => {
    const bad = { ...create(), data: { ...create().data, input_price_per_million_usd: '2.50' } }
    given([]).when(bad).thenThrows('MODEL_PRICE_INVALID')
  })

  it('updates only the fields given, recording the whole definition after the change', () => {
    given([created])
      .when(update({ output_price_per_million_usd: '12', max_output_tokens: 8192 }))
      .then([
        {
          type: 'ModelUpdated',
          data: {
            ...fields,
            output_price_per_million_usd: '12',
            max_output_tokens: 8192,
            backends: [backendOut()],
            updated_at: later,
          },
        },
      ])
  })

  it('keeps a backend’s api_key across a backends update when asked, matched by url', () => {
    const backends = [
      backendIn({ api_key: 'keep', weight: 5 }),
      backendIn({ url: 'https://b.example.com', api_key: 'keep' }),
    ]
    given([created])
      .when(update({ backends }))
      .then([
        {
          type: 'ModelUpdated',
          data: {
            ...fields,
            backends: [
              backendOut({ weight: 5 }),
              backendOut({ url: 'https://b.example.com', api_key: null, api_key_hint: null }),
            ],
            updated_at: later,
          },
        },
      ])
  })

  it('replaces or removes an api_key', () => {
    const replaced = update({ backends: [backendIn({ api_key: { sealed: KEY_B, hint: null } })] })
    given([created])
      .when(replaced)
      .then([
        {
          type: 'ModelUpdated',
          data: {
            ...fields,
            backends: [backendOut({ api_key: KEY_B, api_key_hint: null })],
            updated_at: later,
          },
        },
      ])
  })

  it('records nothing for a PATCH that changes nothing', () => {
    given([created])
      .when(update({ max_output_tokens: 4096 }))
      .then([])
  })

  it('refuses to update or delete a model that does not exist or was deleted', () => {
    given([])
      .when(update({ max_output_tokens: 1 }))
      .thenThrows('MODEL_NOT_FOUND')
    given([created, deleted])
      .when(update({ max_output_tokens: 1 }))
      .thenThrows('MODEL_NOT_FOUND')
    given([created, deleted])
      .when({ type: 'DeleteModel', data: { name: 'gpt-x', now } })
      .thenThrows('MODEL_NOT_FOUND')
  })

  it('refuses an update whose new backend is not allowed', () => {
    given([created])
      .when(update({ backends: [backendIn({ url: 'http://192.168.0.10/v1' })] }))
      .thenThrows('BACKEND_ADDRESS_NOT_ALLOWED')
  })

  it('deletes a model', () => {
    given([created])
      .when({ type: 'DeleteModel', data: { name: 'gpt-x', now: later } })
      .then([deleted])
  })

  it('evolves through created, updated and deleted', () => {
    const state = [created, deleted].reduce(modelDecider.evolve, modelDecider.initialState)
    expect(state).toEqual({ status: 'Deleted', name: 'gpt-x' })
    expect(modelDecider.evolve(modelDecider.initialState, created)).toMatchObject({
      status: 'Active',
      definition: { name: 'gpt-x', backends: [backendOut()] },
    })
  })
})
