import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleCommand } from '../../../commands/handle-command.ts'
import { budgetIdFor } from '../../../domain/budgets/budget.ts'
import { organizationDecider } from '../../../domain/organizations/decider.ts'
import { organizationStream } from '../../../domain/organizations/organization.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { auth, startAdminApp } from './admin-app.ts'

// /admin/v1/budgets on real PostgreSQL, through app.inject: create, list, read, change, delete,
// their refusals, ETag/If-Match, Idempotency-Key, and the deprecated organization budget route.

let db: Database
let dispose: () => Promise<void>
let platform: Awaited<ReturnType<typeof startAdminApp>>

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('budgets')())
  platform = await startAdminApp(db)
})
afterAll(async () => {
  await platform?.close()
  await dispose?.()
})

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
// biome-ignore lint/suspicious/noExplicitAny: a test reads response bodies by field
type Body = any
async function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const response = await platform.app.inject({
    method,
    url: `/admin/v1${url}`,
    headers: { ...auth, ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  })
  const body: Body = response.body === '' ? null : response.json()
  return { status: response.statusCode, body, headers: response.headers }
}

async function newOrganization(): Promise<string> {
  const created = await call('POST', '/organizations', { name: 'Acme' })
  expect(created.status).toBe(201)
  return created.body.id
}

async function newKey(organization_id: string): Promise<string> {
  const issued = await call('POST', '/api-keys', { organization_id, name: 'ci' })
  expect(issued.status).toBe(201)
  return issued.body.id
}

const monthly = (organization_id: string, fields: object = {}) => ({
  organization_id,
  limit_usd: '25.00',
  period: 'monthly',
  enforcement: 'hard',
  alert_thresholds: [0.8, 0.5],
  ...fields,
})

describe('POST /admin/v1/budgets', () => {
  it('creates an organization budget: 201 with Location and ETag, then readable', async () => {
    const organization_id = await newOrganization()
    const created = await call('POST', '/budgets', monthly(organization_id))
    expect(created.status).toBe(201)
    const id = created.body.id
    expect(created.headers.location).toBe(`/admin/v1/budgets/${id}`)
    expect(created.headers.etag).toBe('"0"')
    expect(created.body).toMatchObject({
      object: 'budget',
      organization_id,
      api_key_id: null,
      limit_usd: '25.00',
      period: 'monthly',
      enforcement: 'hard',
      alert_thresholds: [0.5, 0.8],
    })
    const read = await call('GET', `/budgets/${id}`)
    expect(read.status).toBe(200)
    expect(read.headers.etag).toBe('"0"')
    expect(read.body).toEqual(created.body)
  })

  it('creates a key budget for a key of the organization, and refuses a key of another one', async () => {
    const organization_id = await newOrganization()
    const other = await newOrganization()
    const api_key_id = await newKey(organization_id)
    const created = await call('POST', '/budgets', monthly(organization_id, { api_key_id, period: 'daily' }))
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ api_key_id, period: 'daily' })
    const foreign = await call('POST', '/budgets', monthly(other, { api_key_id }))
    expect(foreign.status).toBe(422)
    expect(foreign.body.code).toBe('BUDGET_KEY_NOT_IN_ORGANIZATION')
    const unknownKey = await call('POST', '/budgets', monthly(other, { api_key_id: crypto.randomUUID() }))
    expect(unknownKey.status).toBe(404)
    expect(unknownKey.body.code).toBe('API_KEY_NOT_FOUND')
  })

  it('refuses a second budget for the same organization, key and period with 409, and stores one', async () => {
    const organization_id = await newOrganization()
    const answers = await Promise.all(
      [1, 2, 3].map((n) => call('POST', '/budgets', monthly(organization_id, { limit_usd: `${n}` }))),
    )
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409])
    const refused = answers.find((a) => a.status === 409)
    expect(refused?.body).toMatchObject({ code: 'BUDGET_ALREADY_EXISTS' })
    const list = await call('GET', `/budgets?organization_id=${organization_id}`)
    expect(list.body.data).toHaveLength(1)
    // Another period is another budget.
    expect((await call('POST', '/budgets', monthly(organization_id, { period: 'total' }))).status).toBe(201)
  })

  it('refuses a negative or malformed limit and bad thresholds with a stable code; bad shapes with 400 naming the field', async () => {
    const organization_id = await newOrganization()
    for (const limit_usd of ['-5.00', '1e3', '2.1234567', 'ten']) {
      const answer = await call('POST', '/budgets', monthly(organization_id, { limit_usd }))
      expect(answer.status).toBe(422)
      expect(answer.body.code).toBe('BUDGET_LIMIT_INVALID')
    }
    const thresholds = await call(
      'POST',
      '/budgets',
      monthly(organization_id, { alert_thresholds: [0, 0.5] }),
    )
    expect(thresholds.status).toBe(422)
    expect(thresholds.body.code).toBe('BUDGET_THRESHOLDS_INVALID')
    for (const [field, value] of [
      ['period', 'weekly'],
      ['enforcement', 'strict'],
      ['limit_usd', 25],
      ['organization_id', 'acme'],
    ] as const) {
      const answer = await call('POST', '/budgets', monthly(organization_id, { [field]: value }))
      expect(answer.status).toBe(400)
      expect(JSON.stringify(answer.body.errors)).toContain(field)
    }
    const unknownOrg = await call('POST', '/budgets', monthly(crypto.randomUUID()))
    expect(unknownOrg.status).toBe(404)
    expect(unknownOrg.body.code).toBe('ORG_NOT_FOUND')
  })

  it('answers a retry with the same Idempotency-Key with the first response and stores nothing new', async () => {
    const organization_id = await newOrganization()
    const headers = { 'idempotency-key': `budget-${organization_id}` }
    const first = await call('POST', '/budgets', monthly(organization_id), headers)
    const again = await call('POST', '/budgets', monthly(organization_id), headers)
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.body).toEqual(first.body)
    const events = await db.query('SELECT 1 FROM events WHERE stream = $1', [`budget-${first.body.id}`])
    expect(events.rows).toHaveLength(1)
    const other = await call('POST', '/budgets', monthly(organization_id, { limit_usd: '3' }), headers)
    expect(other.status).toBe(422)
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED')
  })
})

describe('GET /admin/v1/budgets', () => {
  it('lists an organization’s budgets in creation order, in pages, and never another organization’s', async () => {
    const a = await newOrganization()
    const b = await newOrganization()
    const key = await newKey(a)
    const ids: string[] = []
    for (const fields of [
      { period: 'daily' },
      { period: 'monthly' },
      { period: 'total' },
      { api_key_id: key },
    ]) {
      ids.push((await call('POST', '/budgets', monthly(a, fields))).body.id)
    }
    await call('POST', '/budgets', monthly(b))
    const first = await call('GET', `/budgets?organization_id=${a}&limit=3`)
    expect(first.body.data.map((x: Body) => x.id)).toEqual(ids.slice(0, 3))
    const second = await call('GET', `/budgets?organization_id=${a}&limit=3&cursor=${first.body.next_cursor}`)
    expect(second.body).toMatchObject({ next_cursor: null })
    expect(second.body.data.map((x: Body) => x.id)).toEqual(ids.slice(3))
    const ofKey = await call('GET', `/budgets?organization_id=${a}&api_key_id=${key}`)
    expect(ofKey.body.data.map((x: Body) => x.id)).toEqual([ids[3]])
    const ofB = await call('GET', `/budgets?organization_id=${b}`)
    expect(ofB.body.data).toHaveLength(1)
    expect(ofB.body.data[0].organization_id).toBe(b)
    expect((await call('GET', '/budgets')).status).toBe(400)
  })

  it('answers 404 for an unknown budget id and 400 for a malformed one', async () => {
    const unknown = await call('GET', `/budgets/${crypto.randomUUID()}`)
    expect(unknown.status).toBe(404)
    expect(unknown.body.code).toBe('BUDGET_NOT_FOUND')
    expect((await call('GET', '/budgets/nope')).status).toBe(400)
  })
})

describe('PATCH and DELETE /admin/v1/budgets/{id}', () => {
  it('changes a budget with If-Match; a stale ETag is a 412 that writes nothing', async () => {
    const organization_id = await newOrganization()
    const id = (await call('POST', '/budgets', monthly(organization_id))).body.id
    const changed = await call(
      'PATCH',
      `/budgets/${id}`,
      { limit_usd: '40', enforcement: 'soft' },
      { 'if-match': '"0"' },
    )
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).toBe('"1"')
    expect(changed.body).toMatchObject({
      limit_usd: '40.00',
      enforcement: 'soft',
      alert_thresholds: [0.5, 0.8],
    })
    const stale = await call('PATCH', `/budgets/${id}`, { limit_usd: '50' }, { 'if-match': '"0"' })
    expect(stale.status).toBe(412)
    expect((await call('GET', `/budgets/${id}`)).body.limit_usd).toBe('40.00')
    const bad = await call('PATCH', `/budgets/${id}`, { limit_usd: '-1' })
    expect(bad.status).toBe(422)
    expect(bad.body.code).toBe('BUDGET_LIMIT_INVALID')
    expect((await call('PATCH', `/budgets/${id}`, { period: 'daily' })).status).toBe(400)
  })

  it('deletes a budget (204); it is then not found, cannot be deleted again, and its scope takes a new one', async () => {
    const organization_id = await newOrganization()
    const id = (await call('POST', '/budgets', monthly(organization_id))).body.id
    expect((await call('DELETE', `/budgets/${id}`, undefined, { 'if-match': '"7"' })).status).toBe(412)
    expect((await call('DELETE', `/budgets/${id}`, undefined, { 'if-match': '"0"' })).status).toBe(204)
    expect((await call('GET', `/budgets/${id}`)).status).toBe(404)
    const again = await call('DELETE', `/budgets/${id}`)
    expect(again.status).toBe(409)
    expect(again.body.code).toBe('BUDGET_DELETED')
    const change = await call('PATCH', `/budgets/${id}`, { limit_usd: '1' })
    expect(change.body.code).toBe('BUDGET_DELETED')
    expect((await call('GET', `/budgets?organization_id=${organization_id}`)).body.data).toHaveLength(0)
    const recreated = await call('POST', '/budgets', monthly(organization_id, { limit_usd: '5' }))
    expect(recreated.status).toBe(201)
    expect(recreated.body).toMatchObject({ id, limit_usd: '5.00' })
    expect(recreated.headers.etag).toBe('"2"')
    expect((await call('DELETE', `/budgets/${crypto.randomUUID()}`)).status).toBe(404)
  })
})

describe('PUT /admin/v1/organizations/{id}/budget (deprecated alias)', () => {
  it('sets, changes and removes the organization’s monthly hard budget as a budget', async () => {
    const organization_id = await newOrganization()
    const id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
    const set = await call('PUT', `/organizations/${organization_id}/budget`, { monthly_limit_usd: 12.5 })
    expect(set.status).toBe(200)
    expect(set.headers.deprecation).toBe('true')
    expect(set.body).toEqual({
      id,
      object: 'budget',
      organization_id,
      period: 'monthly',
      monthly_limit_usd: 12.5,
    })
    expect((await call('GET', `/budgets/${id}`)).body).toMatchObject({
      limit_usd: '12.50',
      enforcement: 'hard',
    })
    expect((await call('GET', `/organizations/${organization_id}`)).body.monthly_limit_usd).toBe(12.5)
    // An organization write answers from the streams, and shows the same budget.
    const renamed = await call('PATCH', `/organizations/${organization_id}`, { name: 'Acme 2' })
    expect(renamed.body.monthly_limit_usd).toBe(12.5)

    await call('PUT', `/organizations/${organization_id}/budget`, { monthly_limit_usd: 3 })
    expect((await call('GET', `/budgets/${id}`)).body.limit_usd).toBe('3.00')
    // A budget created through /budgets is the same one the alias changes.
    expect((await call('POST', '/budgets', monthly(organization_id))).status).toBe(409)

    await call('PUT', `/organizations/${organization_id}/budget`, { monthly_limit_usd: null })
    expect((await call('GET', `/budgets/${id}`)).status).toBe(404)
    expect((await call('GET', `/organizations/${organization_id}`)).body.monthly_limit_usd).toBeNull()
    expect(
      (await call('PUT', `/organizations/${organization_id}/budget`, { monthly_limit_usd: null })).status,
    ).toBe(200)
  })

  it('shows an organization budget of an old log (OrganizationBudgetSet) as its monthly hard budget, and changes it', async () => {
    const organization_id = await newOrganization()
    // What a log written before budgets were their own streams holds: no command writes it now.
    const now = new Date().toISOString()
    const legacy = { type: 'SetMonthlyBudget' as const, data: { organization_id, monthly_limit_usd: 4, now } }
    const context = { actor: 'test', correlation_id: 'legacy', causation_id: null, source: 'test' }
    const commands = { store: platform.store, now: () => new Date(), newId: () => crypto.randomUUID() }
    await handleCommand(commands, organizationStream(organization_id), organizationDecider, legacy, context)
    // A later command's read-your-writes wait brings the read models past the old event.
    expect((await call('PATCH', `/organizations/${organization_id}`, { name: 'Acme 2' })).status).toBe(200)
    const id = budgetIdFor({ organization_id, api_key_id: null, period: 'monthly' })
    const listed = await call('GET', `/budgets?organization_id=${organization_id}`)
    expect(listed.body.data).toMatchObject([
      { id, limit_usd: '4.00', period: 'monthly', enforcement: 'hard' },
    ])
    const read = await call('GET', `/budgets/${id}`)
    // No stream of its own yet, so no version an If-Match could name.
    expect(read.headers.etag).toBeUndefined()
    const changed = await call('PATCH', `/budgets/${id}`, { limit_usd: '6', alert_thresholds: [0.5] })
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).toBe('"0"')
    expect(changed.body).toMatchObject({ id, limit_usd: '6.00', alert_thresholds: [0.5] })
    expect((await call('POST', '/budgets', monthly(organization_id))).status).toBe(409)
  })
})
