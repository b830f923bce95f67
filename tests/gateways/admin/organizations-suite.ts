import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { organizationStream } from '../../../domain/organizations/organization.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { auth, startAdminApp } from './admin-app.ts'

// /admin/v1/organizations through app.inject, on the database the tier chose: every route, every
// refusal, the ETag / If-Match pair and the list's cursor. Run by organizations.unit.test.ts
// (PGlite) and organizations.int.test.ts (PostgreSQL).
type Method = 'GET' | 'POST' | 'PATCH'
const UNKNOWN = '0190a8e2-0000-7000-8000-00000000dead'

export function organizationRouteSuite(makeDatabase: MakeDatabase) {
  let platform: Awaited<ReturnType<typeof startAdminApp>>
  let dispose: () => Promise<void>
  beforeAll(async () => {
    const handle = await makeDatabase()
    dispose = handle.dispose
    platform = await startAdminApp(handle.db)
  })
  afterAll(async () => {
    await platform?.close()
    await dispose?.()
  })

  async function call(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const response = await platform.app.inject({
      method,
      url: `/admin/v1${url}`,
      headers: { ...auth, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    })
    const answer = { status: response.statusCode, body: response.json(), headers: response.headers }
    if (method !== 'GET' && answer.status < 300) await readModelAt(answer.body.id, answer.headers.etag)
    return answer
  }

  /**
   * Waits until GET shows the version a write answered with. A write waits for its projection
   * only so long (5 s): on a PostgreSQL shared with test files that hold transactions open, the
   * projector may lag past that, and the reads below assert on the caught-up read model.
   */
  async function readModelAt(id: string, etag: unknown) {
    const deadline = Date.now() + 30_000
    for (;;) {
      const read = await platform.app.inject({
        method: 'GET',
        url: `/admin/v1/organizations/${id}`,
        headers: auth,
      })
      if (read.headers.etag === etag || Date.now() > deadline) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  const create = async (name: string) => {
    const created = await call('POST', '/organizations', { name })
    expect(created.status).toBe(201)
    return created.body.id as string
  }

  describe('create and read', () => {
    it('creates an active organization with default settings, its Location and ETag', async () => {
      const created = await call('POST', '/organizations', { name: 'Acme' })
      expect(created.status).toBe(201)
      expect(created.headers.location).toBe(`/admin/v1/organizations/${created.body.id}`)
      expect(created.headers.etag).toBe('"0"')
      expect(created.body).toMatchObject({
        object: 'organization',
        name: 'Acme',
        status: 'active',
        suspended_reason: null,
        settings: { timezone: 'UTC', allowed_models: null, mfa_required: false },
        monthly_limit_usd: null,
      })
      const read = await call('GET', `/organizations/${created.body.id}`)
      expect(read.status).toBe(200)
      expect(read.headers.etag).toBe('"0"')
      expect(read.body).toEqual(created.body)
    })

    it('answers 404 for an unknown id and 400 for one that is not a uuid', async () => {
      const unknown = await call('GET', `/organizations/${UNKNOWN}`)
      expect(unknown.status).toBe(404)
      expect(unknown.body.code).toBe('ORG_NOT_FOUND')
      expect((await call('GET', '/organizations/not-a-uuid')).status).toBe(400)
    })
  })

  describe('list', () => {
    it('pages in creation order; one created while paging comes last, nothing missed or repeated', async () => {
      for (const name of ['Paged 1', 'Paged 2', 'Paged 3']) await create(name)
      const seen: string[] = []
      const first = await call('GET', '/organizations?limit=2')
      expect(first.status).toBe(200)
      expect(first.body.data).toHaveLength(2)
      seen.push(...first.body.data.map((org: { id: string }) => org.id))
      const late = await create('created while paging')
      let cursor: string | null = first.body.next_cursor
      while (cursor !== null) {
        const page = await call('GET', `/organizations?limit=2&cursor=${cursor}`)
        seen.push(...page.body.data.map((org: { id: string }) => org.id))
        cursor = page.body.next_cursor
      }
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen.at(-1)).toBe(late)
      expect(seen).toEqual([...seen].sort())
    })

    it('filters by status and refuses a bad limit, cursor or status', async () => {
      const id = await create('to suspend')
      expect((await call('POST', `/organizations/${id}/suspend`, { reason: 'audit' })).status).toBe(200)
      const suspended = await call('GET', '/organizations?status=suspended&limit=100')
      expect(suspended.body.data.map((org: { id: string }) => org.id)).toContain(id)
      expect(suspended.body.data.every((org: { status: string }) => org.status === 'suspended')).toBe(true)
      for (const query of ['limit=0', 'limit=101', 'status=gone', 'colour=red']) {
        const refused = await call('GET', `/organizations?${query}`)
        expect([refused.status, refused.body.code], query).toEqual([400, 'VALIDATION_FAILED'])
      }
      const cursor = await call('GET', '/organizations?cursor=bm9wZQ')
      expect([cursor.status, cursor.body.code]).toEqual([400, 'INVALID_CURSOR'])
    })
  })

  describe('PATCH', () => {
    it('renames and changes settings in one request; the ETag is the new stream version', async () => {
      const id = await create('Acme')
      const settings = {
        timezone: 'Europe/Paris',
        allowed_models: ['echo', 'echo', 'gpt-4o'],
        mfa_required: true,
      }
      const patched = await call('PATCH', `/organizations/${id}`, { name: 'Acme Corp', settings })
      expect(patched.status).toBe(200)
      expect(patched.headers.etag).toBe('"2"')
      expect(patched.body).toMatchObject({
        name: 'Acme Corp',
        settings: { timezone: 'Europe/Paris', allowed_models: ['echo', 'gpt-4o'], mfa_required: true },
      })
      expect((await call('GET', `/organizations/${id}`)).body).toEqual(patched.body)
      const partial = await call('PATCH', `/organizations/${id}`, { settings: { allowed_models: null } })
      expect(partial.body.settings).toEqual({
        timezone: 'Europe/Paris',
        allowed_models: null,
        mfa_required: true,
        rpm_limit: null,
        tpm_limit: null,
        limits_fail_open: false,
        budget_alert_webhook_url: null,
      })
    })

    it('refuses a bad organization limit or webhook URL with 422 and its code', async () => {
      const id = await create('Limited')
      const limit = await call('PATCH', `/organizations/${id}`, { settings: { rpm_limit: 0 } })
      expect(limit.status).toBe(422)
      expect(limit.body.code).toBe('ORG_LIMIT_INVALID')
      const hook = { settings: { budget_alert_webhook_url: 'http://hooks.example.com/x' } }
      const url = await call('PATCH', `/organizations/${id}`, hook)
      expect(url.status).toBe(422)
      expect(url.body.code).toBe('ORG_WEBHOOK_URL_INVALID')
      const fine = await call('PATCH', `/organizations/${id}`, {
        settings: { rpm_limit: 60, tpm_limit: 1000 },
      })
      expect(fine.status).toBe(200)
      expect(await platform.store.readStream(organizationStream(id))).toHaveLength(2)
      expect((await call('GET', `/organizations/${id}`)).body.settings).toMatchObject({
        rpm_limit: 60,
        tpm_limit: 1000,
        limits_fail_open: false,
      })
    })

    it('changes nothing when nothing differs: same ETag, no event', async () => {
      const id = await create('Same')
      const same = await call('PATCH', `/organizations/${id}`, {
        name: 'Same',
        settings: { timezone: 'UTC' },
      })
      expect(same.status).toBe(200)
      expect(same.headers.etag).toBe('"0"')
      expect(await platform.store.readStream(organizationStream(id))).toHaveLength(1)
    })

    it('with a stale If-Match answers 412 and changes nothing; with the current one it applies', async () => {
      const id = await create('Guarded')
      await call('PATCH', `/organizations/${id}`, { name: 'Guarded 2' })
      const stale = await call(
        'PATCH',
        `/organizations/${id}`,
        { name: 'Lost update' },
        { 'if-match': '"0"' },
      )
      expect(stale.status).toBe(412)
      expect(stale.body.code).toBe('PRECONDITION_FAILED')
      expect((await call('GET', `/organizations/${id}`)).body.name).toBe('Guarded 2')
      const current = await call(
        'PATCH',
        `/organizations/${id}`,
        { name: 'Guarded 3' },
        { 'if-match': '"1"' },
      )
      expect(current.status).toBe(200)
      expect(current.headers.etag).toBe('"2"')
    })

    it('two PATCHes with the same If-Match: one applies, the other is a 412, one event stored', async () => {
      const id = await create('Contested')
      const patch = (name: string) => call('PATCH', `/organizations/${id}`, { name }, { 'if-match': '"0"' })
      const answers = await Promise.all([patch('Left'), patch('Right')])
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412])
      const events = await platform.store.readStream(organizationStream(id))
      expect(events.map((e) => e.type)).toEqual(['OrganizationCreated', 'OrganizationRenamed'])
      const winner = answers.find((a) => a.status === 200)
      expect((await call('GET', `/organizations/${id}`)).body.name).toBe(winner?.body.name)
    })

    it('refuses bad fields with a 400 naming the field, and an unknown id with 404', async () => {
      const id = await create('Strict')
      const zone = await call('PATCH', `/organizations/${id}`, { settings: { timezone: 'Mars/Olympus' } })
      expect(zone.status).toBe(400)
      expect(zone.body.detail).toContain('settings.timezone')
      const cases = [
        { name: '' },
        { settings: { mfa_required: 'yes' } },
        { colour: 'red' },
        { settings: { x: 1 } },
      ]
      for (const body of cases) expect((await call('PATCH', `/organizations/${id}`, body)).status).toBe(400)
      const unknown = await call('PATCH', `/organizations/${UNKNOWN}`, { name: 'Nobody' })
      expect(unknown.status).toBe(404)
      expect(unknown.body.code).toBe('ORG_NOT_FOUND')
      expect(await platform.store.readStream(organizationStream(id))).toHaveLength(1)
    })
  })

  describe('suspend, reactivate, close', () => {
    it('suspends with a reason and reactivates; each refused a second time with its code', async () => {
      const id = await create('Lifecycle')
      const suspended = await call('POST', `/organizations/${id}/suspend`, { reason: 'unpaid invoice' })
      expect(suspended.status).toBe(200)
      expect(suspended.body).toMatchObject({ status: 'suspended', suspended_reason: 'unpaid invoice' })
      expect(suspended.headers.etag).toBe('"1"')
      const again = await call('POST', `/organizations/${id}/suspend`, { reason: 'again' })
      expect([again.status, again.body.code]).toEqual([409, 'ORG_SUSPENDED'])

      const reactivated = await call('POST', `/organizations/${id}/reactivate`)
      expect(reactivated.status).toBe(200)
      expect(reactivated.body).toMatchObject({ status: 'active', suspended_reason: null })
      const notSuspended = await call('POST', `/organizations/${id}/reactivate`, {})
      expect([notSuspended.status, notSuspended.body.code]).toEqual([409, 'ORG_NOT_SUSPENDED'])
    })

    it('closes for good: every later command is a 409 ORG_CLOSED, reads still work', async () => {
      const id = await create('Closing')
      await call('POST', `/organizations/${id}/suspend`, { reason: 'winding down' })
      const closed = await call('POST', `/organizations/${id}/close`)
      expect(closed.status).toBe(200)
      expect(closed.body.status).toBe('closed')
      const refused = [
        await call('POST', `/organizations/${id}/close`),
        await call('POST', `/organizations/${id}/suspend`, { reason: 'x' }),
        await call('POST', `/organizations/${id}/reactivate`),
        await call('PATCH', `/organizations/${id}`, { name: 'Reopened?' }),
      ]
      expect(refused.map((r) => [r.status, r.body.code])).toEqual(Array(4).fill([409, 'ORG_CLOSED']))
      const read = await call('GET', `/organizations/${id}`)
      expect(read.body).toMatchObject({ status: 'closed', name: 'Closing' })
    })

    it('refuses an unknown id with 404 and a missing or blank reason with 400', async () => {
      const id = await create('Reasons')
      for (const body of [{}, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }]) {
        expect((await call('POST', `/organizations/${id}/suspend`, body)).status).toBe(400)
      }
      expect((await call('POST', `/organizations/${id}/close`, { force: true })).status).toBe(400)
      expect((await call('GET', `/organizations/${id}`)).body.status).toBe('active')
      for (const [action, body] of [
        ['suspend', { reason: 'x' }],
        ['reactivate', undefined],
        ['close', undefined],
      ] as const) {
        const unknown = await call('POST', `/organizations/${UNKNOWN}/${action}`, body)
        expect([unknown.status, unknown.body.code], action).toEqual([404, 'ORG_NOT_FOUND'])
      }
    })

    it('answers a retried suspend (same Idempotency-Key) with the first response, not ORG_SUSPENDED', async () => {
      const id = await create('Retried')
      const headers = { 'idempotency-key': `suspend-${id}` }
      const first = await call('POST', `/organizations/${id}/suspend`, { reason: 'fraud' }, headers)
      const retry = await call('POST', `/organizations/${id}/suspend`, { reason: 'fraud' }, headers)
      expect(first.status).toBe(200)
      expect([retry.status, retry.body, retry.headers.etag]).toEqual([200, first.body, first.headers.etag])
      expect(retry.headers['idempotent-replayed']).toBe('true')
      const other = await call('POST', `/organizations/${id}/suspend`, { reason: 'another' }, headers)
      expect(other.status).toBe(422)
      expect(await platform.store.readStream(organizationStream(id))).toHaveLength(2)
    })

    it('records the admin as the actor of each event', async () => {
      const id = await create('Audited')
      await call('POST', `/organizations/${id}/suspend`, { reason: 'audit' })
      const events = await platform.store.readStream(organizationStream(id))
      expect(events.map((e) => [e.type, e.metadata.actor, e.metadata.source])).toEqual([
        ['OrganizationCreated', 'platform-admin', 'admin-api'],
        ['OrganizationSuspended', 'platform-admin', 'admin-api'],
      ])
    })
  })
}
