import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sealedSecretSchema } from '../../../domain/secrets/sealed-secret.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { auth, startAdminApp } from './admin-app.ts'

// /admin/v1/models through app.inject, run on PGlite (unit) and on real PostgreSQL (int): the
// catalogue's routes, their refusals, and a provider key that is stored only sealed and never
// shown, stored or logged in plaintext.
const SECRET = 'sk-ant-known-provider-secret-7f3a9c2e1b'
const SECRET2 = 'sk-ant-another-provider-secret-0d4e8b6a'

export function modelRouteSuite(makeDatabase: MakeDatabase): void {
  let db: Database
  let dispose: () => Promise<void>
  let platform: Awaited<ReturnType<typeof startAdminApp>>
  const logs: string[] = []
  const secrets = () => createSecretBox(db, keyring)
  const keyring = parseKeyring(newKeyringText('test'))

  beforeAll(async () => {
    ;({ db, dispose } = await makeDatabase())
    platform = await startAdminApp(db, {
      secrets: createSecretBox(db, keyring),
      backendAddresses: ['private'],
      // Everything the admin API logs, at its most talkative.
      logLevel: 'trace',
      logStream: { write: (line) => logs.push(line) },
    })
  })
  afterAll(async () => {
    await platform?.close()
    await dispose?.()
  })

  type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'
  async function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const response = await platform.app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: { ...auth, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    const body = response.body === '' ? null : response.json()
    const answer = { status: response.statusCode, body, headers: response.headers }
    if (method !== 'GET' && answer.status < 300) {
      const path = method === 'POST' ? `/models/${encodeURIComponent(body.name)}` : url
      await readModelAt(path, answer.headers.etag)
    }
    return answer
  }

  /**
   * Waits until GET shows what a write answered (its ETag; nothing, after a DELETE). A write
   * waits for its projection only so long (5 s): on a PostgreSQL shared with test files that hold
   * transactions open, the projector may lag past that, and the reads below assert on the
   * caught-up read model.
   */
  async function readModelAt(path: string, etag: unknown) {
    const deadline = Date.now() + 30_000
    for (;;) {
      const read = await platform.app.inject({ method: 'GET', url: `/admin/v1${path}`, headers: auth })
      const caughtUp = etag === undefined ? read.statusCode === 404 : read.headers.etag === etag
      if (caughtUp || Date.now() > deadline) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  const backend = (over: Record<string, unknown> = {}) => ({
    url: 'https://api.anthropic.example/v1',
    provider: 'anthropic',
    api_key: SECRET,
    ...over,
  })
  const modelBody = (name: string, over: Record<string, unknown> = {}) => ({
    name,
    input_price_per_million_usd: '3.00',
    output_price_per_million_usd: 15,
    max_output_tokens: 8192,
    backends: [backend()],
    ...over,
  })

  describe('POST /admin/v1/models', () => {
    it('creates a model: 201, Location, ETag, canonical prices, defaults, the key shown as set and last four', async () => {
      const created = await call('POST', '/models', modelBody('claude-x', { aliases: ['cx'] }))
      expect(created.status).toBe(201)
      expect(created.headers.location).toBe('/admin/v1/models/claude-x')
      expect(created.headers.etag).toBe('"0"')
      expect(created.body).toEqual({
        object: 'model',
        name: 'claude-x',
        aliases: ['cx'],
        input_price_per_million_usd: '3',
        output_price_per_million_usd: '15',
        max_output_tokens: 8192,
        strategy: 'priority',
        rpm_limit: null,
        tpm_limit: null,
        backends: [
          {
            url: 'https://api.anthropic.example/v1',
            provider: 'anthropic',
            weight: 1,
            priority: 0,
            timeout_ms: 60_000,
            headers: {},
            api_key_set: true,
            api_key_last4: SECRET.slice(-4),
          },
        ],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      })
    })

    it('answers a retry with the same Idempotency-Key with the first response, storing one model', async () => {
      const headers = { 'idempotency-key': 'create-idem-1' }
      const first = await call('POST', '/models', modelBody('idem'), headers)
      const retry = await call('POST', '/models', modelBody('idem'), headers)
      expect(first.status).toBe(201)
      expect(retry.status).toBe(201)
      expect(retry.body).toEqual(first.body)
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE stream = 'model-idem'`)
      expect(rows[0]).toEqual({ n: 1 })
    })

    it('refuses a second model of one name with 409 MODEL_ALREADY_EXISTS', async () => {
      expect((await call('POST', '/models', modelBody('dup'))).status).toBe(201)
      const again = await call('POST', '/models', modelBody('dup'))
      expect(again.status).toBe(409)
      expect(again.body).toMatchObject({ code: 'MODEL_ALREADY_EXISTS' })
    })

    it('refuses bad input with a 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [modelBody('p', { input_price_per_million_usd: '-1' }), 'input_price_per_million_usd'],
        [modelBody('p', { output_price_per_million_usd: undefined }), 'output_price_per_million_usd'],
        [modelBody('p', { backends: [backend({ url: 'ftp://x.example/' })] }), 'url'],
        [modelBody('p', { backends: [backend({ url: 'https://u:p@x.example/' })] }), 'url'],
        [modelBody('p', { backends: [backend({ provider: 'bedrock' })] }), 'provider'],
        [modelBody('p', { backends: [backend({ headers: { Authorization: 'Bearer x' } })] }), 'headers'],
        [modelBody('p', { backends: [] }), 'backends'],
        [modelBody('p', { aliases: ['p'] }), 'aliases'],
        [modelBody('bad name'), 'name'],
        [modelBody('p', { strategy: 'random' }), 'strategy'],
        [modelBody('p', { rpm_limit: 0 }), 'rpm_limit'],
        [modelBody('p', { tpm_limit: 1.5 }), 'tpm_limit'],
      ]
      for (const [payload, field] of cases) {
        const refused = await call('POST', '/models', payload)
        expect(refused.status, field).toBe(400)
        expect(JSON.stringify(refused.body), field).toContain(field)
      }
    })

    it('refuses the metadata address always, and non-public addresses the allow-list does not name (422)', async () => {
      const metadata = await call(
        'POST',
        '/models',
        modelBody('m', { backends: [backend({ url: 'http://169.254.169.254/' })] }),
      )
      expect(metadata.status).toBe(422)
      expect(metadata.body).toMatchObject({ code: 'BACKEND_ADDRESS_NOT_ALLOWED' })
      const loopback = await call(
        'POST',
        '/models',
        modelBody('m', { backends: [backend({ url: 'http://127.0.0.1:8000/v1' })] }),
      )
      expect(loopback.body).toMatchObject({ code: 'BACKEND_ADDRESS_NOT_ALLOWED' })
      // 'private' is on this app's allow-list.
      const internal = await call(
        'POST',
        '/models',
        modelBody('m', { backends: [backend({ url: 'http://10.2.3.4:8000/v1' })] }),
      )
      expect(internal.status).toBe(201)
    })
  })

  describe('GET /admin/v1/models', () => {
    it('reads one model with its ETag, 404 for an unknown one, names with a slash too', async () => {
      expect((await call('POST', '/models', modelBody('meta-llama/Llama-3-8B'))).status).toBe(201)
      const one = await call('GET', `/models/${encodeURIComponent('meta-llama/Llama-3-8B')}`)
      expect(one.status).toBe(200)
      expect(one.headers.etag).toBe('"0"')
      expect(one.body).toMatchObject({ name: 'meta-llama/Llama-3-8B' })
      const unknown = await call('GET', '/models/nope')
      expect(unknown.status).toBe(404)
      expect(unknown.body).toMatchObject({ code: 'MODEL_NOT_FOUND' })
    })

    it('lists in commit order with a cursor, never missing or repeating a model created while paging', async () => {
      for (const name of ['list-b', 'list-d']) await call('POST', '/models', modelBody(name))
      const seen: string[] = []
      let cursor: string | null = null
      let page = 0
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
        const listed = await call('GET', `/models?limit=2${query}`)
        expect(listed.status).toBe(200)
        const body = listed.body as { data: { name: string }[]; next_cursor: string | null }
        seen.push(...body.data.map((m) => m.name))
        cursor = body.next_cursor
        // Sorts first by name, yet was created last: it comes on a later page.
        if (page++ === 0) await call('POST', '/models', modelBody('aaa-late'))
      } while (cursor)
      const all = await call('GET', '/models?limit=100')
      expect(seen).toEqual((all.body as { data: { name: string }[] }).data.map((m) => m.name))
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen.slice(-3)).toEqual(['list-b', 'list-d', 'aaa-late'])
      const bad = await call('GET', '/models?cursor=not-a-cursor')
      expect(bad.status).toBe(400)
      expect(bad.body).toMatchObject({ code: 'INVALID_CURSOR' })
    })
  })

  describe('PATCH and DELETE /admin/v1/models/{name}', () => {
    it('changes the given fields, keeps an unchanged backend’s key, and honours If-Match', async () => {
      await call('POST', '/models', modelBody('patch-me'))
      const patched = await call(
        'PATCH',
        '/models/patch-me',
        { output_price_per_million_usd: '16.5', backends: [backend({ api_key: undefined, weight: 3 })] },
        { 'if-match': '"0"' },
      )
      expect(patched.status).toBe(200)
      expect(patched.headers.etag).toBe('"1"')
      expect(patched.body).toMatchObject({
        output_price_per_million_usd: '16.5',
        backends: [{ weight: 3, api_key_set: true, api_key_last4: SECRET.slice(-4) }],
      })
      const stale = await call('PATCH', '/models/patch-me', { max_output_tokens: 1 }, { 'if-match': '"0"' })
      expect(stale.status).toBe(412)
      const removed = await call('PATCH', '/models/patch-me', { backends: [backend({ api_key: null })] })
      expect(removed.body).toMatchObject({ backends: [{ api_key_set: false, api_key_last4: null }] })
      expect((await call('PATCH', '/models/nope', { max_output_tokens: 1 })).status).toBe(404)
      expect((await call('PATCH', '/models/patch-me', { price: 1 })).status).toBe(400)
    })

    it('sets the routing strategy; the read model (GET) carries it', async () => {
      await call('POST', '/models', modelBody('routed', { strategy: 'weighted' }))
      const patched = await call('PATCH', '/models/routed', { strategy: 'least_latency' })
      expect(patched.body).toMatchObject({ strategy: 'least_latency' })
      const read = await call('GET', '/models/routed')
      expect(read.body).toMatchObject({ strategy: 'least_latency' })
    })

    it('sets and clears per-minute limits; the read model (GET) carries them; an unchanged PATCH adds no event', async () => {
      await call('POST', '/models', modelBody('capped', { rpm_limit: 100 }))
      expect((await call('GET', '/models/capped')).body).toMatchObject({ rpm_limit: 100, tpm_limit: null })
      const patched = await call('PATCH', '/models/capped', { rpm_limit: null, tpm_limit: 5000 })
      expect(patched.headers.etag).toBe('"1"')
      expect(patched.body).toMatchObject({ rpm_limit: null, tpm_limit: 5000 })
      expect((await call('GET', '/models/capped')).body).toMatchObject({ rpm_limit: null, tpm_limit: 5000 })
      const same = await call('PATCH', '/models/capped', { rpm_limit: null })
      expect(same.headers.etag).toBe('"1"')
    })

    it('sets a backend’s active probe (interval defaulted), refuses an unknown probe path; GET carries it', async () => {
      const probed = backend({ probe: { path: '/v1/models' } })
      const created = await call(
        'POST',
        '/models',
        modelBody('probed', { backends: [probed, backend({ url: 'https://b.example/v1' })] }),
      )
      expect(created.status).toBe(201)
      const read = await call('GET', '/models/probed')
      expect(read.body.backends[0].probe).toEqual({ path: '/v1/models', interval_ms: 10_000 })
      expect(read.body.backends[1]).not.toHaveProperty('probe')
      const refused = await call(
        'POST',
        '/models',
        modelBody('p', { backends: [backend({ probe: { path: '/v1/chat/completions' } })] }),
      )
      expect(refused.status).toBe(400)
      expect(JSON.stringify(refused.body)).toContain('probe')
    })

    it('deletes a model: 204, then 404; a stale If-Match is 412', async () => {
      await call('POST', '/models', modelBody('delete-me'))
      expect((await call('DELETE', '/models/delete-me', undefined, { 'if-match': '"5"' })).status).toBe(412)
      const deleted = await call('DELETE', '/models/delete-me', undefined, { 'if-match': '"0"' })
      expect(deleted.status).toBe(204)
      expect((await call('GET', '/models/delete-me')).status).toBe(404)
      expect((await call('DELETE', '/models/delete-me')).status).toBe(404)
    })
  })

  describe('provider keys', () => {
    it('are stored sealed (the read model’s envelope opens to the key) and never in plaintext anywhere', async () => {
      await call('POST', '/models', modelBody('sealed', { backends: [backend({ api_key: SECRET2 })] }))
      // Refusals with a key in the body are logged too: they must not carry it either.
      await call('POST', '/models', modelBody('sealed', { backends: [backend({ api_key: SECRET2 })] }))
      await call(
        'POST',
        '/models',
        modelBody('x', { backends: [backend({ api_key: SECRET2, url: 'http://[::1]/' })] }),
      )
      await call(
        'POST',
        '/models',
        modelBody('y', { backends: [backend({ api_key: SECRET2, provider: 'nope' })] }),
      )
      const { rows } = await db.query<{ backends: { api_key: unknown }[] }>(
        `SELECT backends FROM rm_models WHERE name = 'sealed'`,
      )
      const sealed = sealedSecretSchema.parse(rows[0]?.backends[0]?.api_key)
      expect(await secrets().open(sealed)).toBe(SECRET2)

      const tables = ['events', 'rm_models', 'secret_data_keys']
      const stored = await Promise.all(
        tables.map(async (t) => JSON.stringify((await db.query(`SELECT * FROM ${t}`)).rows)),
      )
      const everything = [...stored, ...logs].join('\n')
      expect(logs.length).toBeGreaterThan(0)
      for (const secret of [SECRET, SECRET2]) {
        expect(everything).not.toContain(secret)
        expect(everything).not.toContain(secret.slice(0, 16))
      }
    })
  })
}
