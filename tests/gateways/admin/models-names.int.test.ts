import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { auth, startAdminApp } from './admin-app.ts'

// /admin/v1/models on real PostgreSQL: model names and aliases are one namespace across models
// (409 MODEL_NAME_TAKEN), a delete frees them, and of concurrent creates claiming one alias
// exactly one is stored.
let db: Database
let dispose: () => Promise<void>
let platform: Awaited<ReturnType<typeof startAdminApp>>

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('modelnames')())
  platform = await startAdminApp(db, { secrets: createSecretBox(db, parseKeyring(newKeyringText('t'))) })
})
afterAll(async () => {
  await platform?.close()
  await dispose?.()
})

async function call(method: 'POST' | 'PATCH' | 'DELETE' | 'GET', url: string, payload?: object) {
  const response = await platform.app.inject({
    method,
    url: `/admin/v1${url}`,
    headers: auth,
    ...(payload === undefined ? {} : { payload }),
  })
  return { status: response.statusCode, body: response.body === '' ? null : response.json() }
}

const modelBody = (name: string, aliases: string[] = []) => ({
  name,
  aliases,
  input_price_per_million_usd: '1',
  output_price_per_million_usd: '2',
  max_output_tokens: 1024,
  backends: [{ url: 'https://api.example.com/v1', provider: 'openai-compatible' }],
})

const claims = async () =>
  (await db.query('SELECT name, model FROM model_name_reservations ORDER BY name COLLATE "C"')).rows

describe('/admin/v1/models: names and aliases are one namespace', () => {
  it('refuses a second model with the same alias, or named as another’s alias (409 MODEL_NAME_TAKEN)', async () => {
    expect((await call('POST', '/models', modelBody('claude-x', ['sonnet']))).status).toBe(201)
    const twin = await call('POST', '/models', modelBody('claude-y', ['sonnet']))
    expect(twin.status).toBe(409)
    expect(twin.body).toMatchObject({
      code: 'MODEL_NAME_TAKEN',
      errors: { name: 'sonnet', model: 'claude-x' },
    })
    const named = await call('POST', '/models', modelBody('sonnet'))
    expect(named).toMatchObject({ status: 409, body: { code: 'MODEL_NAME_TAKEN' } })
    expect((await call('POST', '/models', modelBody('claude-y'))).status).toBe(201)
    const patched = await call('PATCH', '/models/claude-y', { aliases: ['claude-x'] })
    expect(patched).toMatchObject({
      status: 409,
      body: { code: 'MODEL_NAME_TAKEN', errors: { model: 'claude-x' } },
    })
    expect((await call('GET', '/models/claude-y')).body.aliases).toEqual([])
  })

  it('deleting a model frees its name and aliases', async () => {
    expect((await call('POST', '/models', modelBody('llama-a', ['llama', 'meta']))).status).toBe(201)
    expect((await call('DELETE', '/models/llama-a')).status).toBe(204)
    expect((await call('POST', '/models', modelBody('llama', ['llama-a']))).status).toBe(201)
    expect((await call('PATCH', '/models/llama', { aliases: ['llama-a', 'meta'] })).status).toBe(200)
    const held = (await claims()).filter(
      (claim) => String(claim.name).startsWith('llama') || claim.name === 'meta',
    )
    expect(held).toEqual([
      { name: 'llama', model: 'llama' },
      { name: 'llama-a', model: 'llama' },
      { name: 'meta', model: 'llama' },
    ])
  })

  it('of eight concurrent creates claiming one alias, exactly one is stored', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `race-${i}`)
    const answers = await Promise.all(
      names.map((name) => call('POST', '/models', modelBody(name, ['racer']))),
    )
    const won = answers.filter((answer) => answer.status === 201)
    expect(won).toHaveLength(1)
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(7)
    const winner = won[0]?.body.name
    const { rows } = await db.query(`SELECT DISTINCT stream FROM events WHERE stream LIKE 'model-race-%'`)
    expect(rows).toEqual([{ stream: `model-${winner}` }])
    expect((await claims()).filter((claim) => String(claim.model).startsWith('race-'))).toEqual([
      { name: winner, model: winner },
      { name: 'racer', model: winner },
    ])
  })
})
