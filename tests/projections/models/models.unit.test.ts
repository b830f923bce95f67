import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import {
  createModel,
  deleteModel,
  type ModelBody,
  type ModelCommandDeps,
  updateModel,
} from '../../../commands/models/model-commands.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { sqlModelNames } from '../../../projections/models/model-names.ts'
import { findModel, listModels } from '../../../projections/models/model-query.ts'
import { rebuildReadModel } from '../../../projections/rebuild.ts'
import { startReadModels } from '../../support/read-models.ts'

// Not annotated: the command context grows fields (source IP, user agent) as the issue goes on.
const context = {
  actor: 'test',
  correlation_id: v7(),
  causation_id: null,
  source: 'test',
  source_ip: '127.0.0.1',
  user_agent: null,
}
const SECRET = 'sk-live-known-secret-0123456789abcdef'
const SECRET2 = 'sk-live-second-secret-fedcba9876543210'

async function platform() {
  const { db, store, projector: subscription } = await startReadModels()
  const secrets = createSecretBox(db, parseKeyring(newKeyringText('k1')))
  const deps: ModelCommandDeps = {
    commands: { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 },
    secrets,
    allowedAddresses: ['private'],
    names: sqlModelNames(db),
  }
  return { db, store, deps, secrets, subscription }
}

const backend = {
  url: 'https://api.example.com/v1',
  provider: 'openai-compatible' as const,
  weight: 1,
  priority: 0,
  timeout_ms: 30_000,
  headers: { 'x-team': 'ml' },
}
const body = (name: string): ModelBody => ({
  name,
  aliases: [],
  input_price_per_million_usd: '2.50',
  output_price_per_million_usd: 10,
  max_output_tokens: 4096,
  backends: [{ ...backend, api_key: SECRET }],
})

const rows = async (db: Database) =>
  (await db.query('SELECT * FROM rm_models ORDER BY name COLLATE "C"')).rows

describe('model catalogue read model', () => {
  it('holds each model with canonical prices and its api_key sealed, which opens to the secret', async () => {
    const { db, deps, secrets, subscription } = await platform()
    await createModel(deps, body('gpt-x'), context)
    await subscription.catchUp()
    const found = await findModel(db, 'gpt-x')
    expect(found).toMatchObject({
      name: 'gpt-x',
      input_price_per_million_usd: '2.5',
      output_price_per_million_usd: '10',
      max_output_tokens: 4096,
      version: 0,
      backends: [{ ...backend, api_key_hint: 'cdef' }],
    })
    const sealed = found?.backends[0]?.api_key
    expect(sealed).toBeTruthy()
    expect(sealed && (await secrets.open(sealed))).toBe(SECRET)
  })

  it('follows updates and deletes, and a deleted name can be created again', async () => {
    const { db, deps, secrets, subscription } = await platform()
    await createModel(deps, body('a'), context)
    await createModel(deps, body('b'), context)
    await updateModel(
      deps,
      'a',
      { backends: [{ ...backend, api_key: SECRET2 }], max_output_tokens: 100 },
      context,
    )
    await deleteModel(deps, 'b', context)
    await subscription.catchUp()
    expect((await listModels(db, { after: null, limit: 10 })).map((m) => m.name)).toEqual(['a'])
    const a = await findModel(db, 'a')
    expect(a).toMatchObject({ max_output_tokens: 100, version: 1 })
    const sealed = a?.backends[0]?.api_key
    expect(sealed && (await secrets.open(sealed))).toBe(SECRET2)

    await createModel(deps, body('b'), context)
    await subscription.catchUp()
    expect(await findModel(db, 'b')).toMatchObject({ version: 2 })
  })

  it('pages in commit order without missing or repeating a model, a re-created one last', async () => {
    const { db, deps, subscription } = await platform()
    for (const name of ['m3', 'm1', 'M2', 'm0']) await createModel(deps, body(name), context)
    await deleteModel(deps, 'm1', context)
    await createModel(deps, body('m1'), context)
    await subscription.catchUp()
    const first = await listModels(db, { after: null, limit: 2 })
    const second = await listModels(db, { after: first.at(-1)?.created_position ?? null, limit: 2 })
    const third = await listModels(db, { after: second.at(-1)?.created_position ?? null, limit: 2 })
    expect([...first, ...second, ...third].map((m) => m.name)).toEqual(['m3', 'M2', 'm0', 'm1'])
  })

  it('keeps no plaintext secret in events, read models or the data key table', async () => {
    const { db, deps, subscription } = await platform()
    await createModel(deps, body('gpt-x'), context)
    await updateModel(deps, 'gpt-x', { backends: [{ ...backend, api_key: SECRET2 }] }, context)
    await subscription.catchUp()
    const everything = JSON.stringify([
      (await db.query('SELECT * FROM events')).rows,
      await rows(db),
      (await db.query('SELECT * FROM secret_data_keys')).rows,
    ])
    expect(everything).toContain('gpt-x')
    for (const secret of [SECRET, SECRET2]) {
      expect(everything).not.toContain(secret)
      expect(everything).not.toContain(secret.slice(0, 12))
      expect(everything).not.toContain(Buffer.from(secret).toString('base64').slice(0, 16))
    }
  })

  it('rebuilt from the log equals the live one', async () => {
    const { db, deps, subscription } = await platform()
    await createModel(deps, body('a'), context)
    await createModel(deps, { ...body('b'), backends: [{ ...backend, url: 'http://10.0.0.7/v1' }] }, context)
    await updateModel(deps, 'a', { aliases: ['alpha'], input_price_per_million_usd: '3' }, context)
    await deleteModel(deps, 'b', context)
    await createModel(deps, body('b'), context)
    await subscription.catchUp()
    const live = await rows(db)

    await rebuildReadModel(db, 'models')
    expect(await rows(db)).toEqual(live)
    expect(live.map((r) => r.name)).toEqual(['a', 'b'])
  })
})
