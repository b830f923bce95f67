import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordedEvent } from '../../../infra/ports/event-store.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { auth, startAdminApp } from './admin-app.ts'

// Idempotency-Key on the admin API's POSTs, on real PostgreSQL: a retry gets the first response
// and writes nothing; another body is a 422; a duplicate while the first runs is a 409; a retry
// after a failure that happened once the events were stored answers with those events.

type App = Awaited<ReturnType<typeof startAdminApp>>
let handle: TestDatabase
let admin: App
/** Set by a test to hold or fail the next command after it committed. */
let beforeProjection: ((position: bigint) => Promise<void>) | undefined

beforeAll(async () => {
  handle = await makePostgres('idem')()
  admin = await startAdminApp(handle.db, {
    beforeProjection: (p) => beforeProjection?.(p) ?? Promise.resolve(),
  })
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

let keys = 0
const freshKey = () => `key-${process.pid}-${++keys}`

function post(url: string, body: unknown, key?: string) {
  const headers = { ...auth, ...(key ? { 'idempotency-key': key } : {}) }
  return admin.app.inject({ method: 'POST', url: `/admin/v1${url}`, headers, payload: body as object })
}

async function eventsOfType(type: string): Promise<RecordedEvent[]> {
  const all = await admin.store.readAll({ after: 0n })
  return all.filter((event) => event.type === type)
}

describe('Idempotency-Key', () => {
  it('a retry with the same key and body gets the first response and stores nothing new', async () => {
    const key = freshKey()
    const before = (await eventsOfType('OrganizationCreated')).length
    const first = await post('/organizations', { name: 'Idem Co' }, key)
    const second = await post('/organizations', { name: 'Idem Co' }, key)
    expect(first.statusCode).toBe(201)
    expect(second.statusCode).toBe(201)
    expect(second.json()).toEqual(first.json())
    expect(first.headers.location).toBe(`/admin/v1/organizations/${first.json().id}`)
    expect(second.headers.location).toBe(first.headers.location)
    expect(second.headers['idempotent-replayed']).toBe('true')
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    expect((await eventsOfType('OrganizationCreated')).length).toBe(before + 1)
  })

  it('the same key with another body is a 422 IDEMPOTENCY_KEY_REUSED, and nothing is written', async () => {
    const key = freshKey()
    expect((await post('/organizations', { name: 'First' }, key)).statusCode).toBe(201)
    const before = (await eventsOfType('OrganizationCreated')).length
    const reused = await post('/organizations', { name: 'Second' }, key)
    expect(reused.statusCode).toBe(422)
    expect(reused.headers['content-type']).toContain('application/problem+json')
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED')
    expect((await eventsOfType('OrganizationCreated')).length).toBe(before)
  })

  it('a duplicate while the first request still runs is a 409 IDEMPOTENCY_KEY_IN_USE', async () => {
    const key = freshKey()
    let reached = () => {}
    const committed = new Promise<void>((resolve) => {
      reached = resolve
    })
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    beforeProjection = async () => {
      reached()
      await released
    }
    const first = post('/organizations', { name: 'Slow Co' }, key)
    await committed
    beforeProjection = undefined
    const duplicate = await post('/organizations', { name: 'Slow Co' }, key)
    expect(duplicate.statusCode).toBe(409)
    expect(duplicate.json().code).toBe('IDEMPOTENCY_KEY_IN_USE')
    release()
    const done = await first
    expect(done.statusCode).toBe(201)
    const replay = await post('/organizations', { name: 'Slow Co' }, key)
    expect(replay.json()).toEqual(done.json())
    const created = await eventsOfType('OrganizationCreated')
    expect(created.filter((e) => e.data.organization_id === done.json().id)).toHaveLength(1)
  })

  it('a retry after a failure that followed the commit answers with the stored events, written once', async () => {
    const key = freshKey()
    let failures = 0
    beforeProjection = async () => {
      beforeProjection = undefined
      failures++
      throw new Error('connection lost after the commit')
    }
    const failed = await post('/organizations', { name: 'Retry Co' }, key)
    expect(failures).toBe(1)
    expect(failed.statusCode).toBe(500)
    const retried = await post('/organizations', { name: 'Retry Co' }, key)
    expect(retried.statusCode).toBe(201)
    const body = retried.json()
    const mine = (await eventsOfType('OrganizationCreated')).filter((e) => e.data.name === 'Retry Co')
    expect(mine).toHaveLength(1)
    expect(mine[0]?.data).toMatchObject({ organization_id: body.id, created_at: body.created_at })
    const read = await admin.app.inject({
      method: 'GET',
      url: `/admin/v1/organizations/${body.id}`,
      headers: auth,
    })
    expect(read.json()).toMatchObject({ id: body.id, created_at: body.created_at })
  })

  it('a refused request (4xx) writes nothing and leaves the key free for another request', async () => {
    const key = freshKey()
    const missing = '01900000-0000-7000-8000-000000000000'
    const refused = await post('/api-keys', { organization_id: missing, name: 'k' }, key)
    expect(refused.statusCode).toBe(404)
    const org = await post('/organizations', { name: 'Later Co' })
    const issued = await post('/api-keys', { organization_id: org.json().id, name: 'k' }, key)
    expect(issued.statusCode).toBe(201)
  })

  it("an API key's secret is never stored: a replay is a 409 naming the key that was issued", async () => {
    const org = await post('/organizations', { name: 'Secret Co' })
    const key = freshKey()
    const body = { organization_id: org.json().id, name: 'ci' }
    const first = await post('/api-keys', body, key)
    expect(first.statusCode).toBe(201)
    const secret: string = first.json().key
    const replay = await post('/api-keys', body, key)
    expect(replay.statusCode).toBe(409)
    expect(replay.json()).toMatchObject({
      code: 'IDEMPOTENCY_REPLAY_HAS_SECRET',
      errors: { id: first.json().id },
    })
    expect(replay.body).not.toContain(secret)
    const { rows } = await handle.db.query<{ row: string }>(
      'SELECT row_to_json(k)::text AS row FROM admin_idempotency_keys k',
    )
    expect(rows.length).toBeGreaterThan(0)
    for (const { row } of rows) expect(row).not.toContain(secret)
    const issued = (await eventsOfType('ApiKeyIssued')).filter((e) => e.data.api_key_id === first.json().id)
    expect(issued).toHaveLength(1)
  })

  it('of a burst of identical requests with one key, one runs: one organization, the others 409 or its replay', async () => {
    const key = freshKey()
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => post('/organizations', { name: 'Burst Co' }, key)),
    )
    const ok = answers.filter((a) => a.statusCode === 201)
    const busy = answers.filter((a) => a.statusCode === 409)
    expect(ok.length + busy.length).toBe(8)
    expect(ok.length).toBeGreaterThan(0)
    expect(new Set(ok.map((a) => a.json().id)).size).toBe(1)
    for (const answer of busy) expect(answer.json().code).toBe('IDEMPOTENCY_KEY_IN_USE')
    const mine = (await eventsOfType('OrganizationCreated')).filter((e) => e.data.name === 'Burst Co')
    expect(mine).toHaveLength(1)
  })

  it('a key whose process died mid-request is taken over once its lease ends, and answers with what it stored', async () => {
    const key = freshKey()
    const first = await post('/organizations', { name: 'Orphan Co' }, key)
    // As if the process had died after the commit, before recording the response.
    const orphan = (lease: string) =>
      handle.db.query(
        `UPDATE admin_idempotency_keys SET state = 'running', response_body = NULL,
                locked_until = now() + $2::interval WHERE idempotency_key = $1`,
        [key, lease],
      )
    await orphan('1 minute')
    const held = await post('/organizations', { name: 'Orphan Co' }, key)
    expect(held.statusCode).toBe(409)
    expect(held.json().code).toBe('IDEMPOTENCY_KEY_IN_USE')
    await orphan('-1 second')
    const taken = await post('/organizations', { name: 'Orphan Co' }, key)
    expect(taken.statusCode).toBe(201)
    expect(taken.json()).toEqual(first.json())
    const mine = (await eventsOfType('OrganizationCreated')).filter((e) => e.data.name === 'Orphan Co')
    expect(mine).toHaveLength(1)
  })

  it('an expired key is a new key: another body runs instead of a 422', async () => {
    const key = freshKey()
    expect((await post('/organizations', { name: 'Old Co' }, key)).statusCode).toBe(201)
    await handle.db.query(
      `UPDATE admin_idempotency_keys SET expires_at = now() - interval '1 second' WHERE idempotency_key = $1`,
      [key],
    )
    const fresh = await post('/organizations', { name: 'New Co' }, key)
    expect(fresh.statusCode).toBe(201)
    expect(fresh.headers['idempotent-replayed']).toBeUndefined()
    expect(fresh.json().name).toBe('New Co')
  })

  it('a malformed key is a 400 INVALID_IDEMPOTENCY_KEY', async () => {
    const tooLong = await post('/organizations', { name: 'x' }, 'k'.repeat(256))
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.json().code).toBe('INVALID_IDEMPOTENCY_KEY')
  })
})
