import { afterEach, describe, expect, it } from 'vitest'
import { accessDeniedSchema } from '../../../domain/authorization/access-denied.ts'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { AppError } from '../../../domain/errors.ts'
import { authorizeRequests, orgResource, type RouteRules } from '../../../gateways/http/authorize.ts'
import { denialRecorder } from '../../../gateways/http/denial-audit.ts'
import { denialBudget } from '../../../gateways/http/denial-budget.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { requestMetadata } from '../../../gateways/http/request-metadata.ts'
import { createServer } from '../../../gateways/http/server.ts'
import type { Authorizer } from '../../../infra/ports/authorizer.ts'
import type { NewEvent } from '../../../infra/ports/event-store.ts'

// authorizeRequests records every denial through denialRecorder: one AccessDenied event per
// refused request, none for an allowed one; a failing append still answers the refusal (and logs
// an error); the per-actor bound records the first denials of a window and carries the count of
// the rest to the next recorded one. The policy is a stub here: what it decides is not the point.

const ORG = '0190a000-0000-7000-8000-00000000000a'
const caller: Subject = { actor: 'user:u1', kind: 'user', platform_admin: false, memberships: {} }

const rules: RouteRules = {
  'GET /things/:thing_id': {
    action: 'api_keys:read',
    resource: (request) => {
      const { thing_id } = request.params as { thing_id: string }
      return thing_id === 'missing' ? null : orgResource('thing', ORG)
    },
    missing: () => new AppError('API_KEY_NOT_FOUND', 'no such API key'),
  },
}

interface Setup {
  allow?: boolean
  append?: (stream: string, events: readonly NewEvent[]) => Promise<unknown>
  budget?: ReturnType<typeof denialBudget>
  now?: () => Date
}

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
})

async function appWith(setup: Setup) {
  const appended: { stream: string; event: NewEvent }[] = []
  const logged: Record<string, unknown>[] = []
  const app = createServer({
    logLevel: 'warn',
    logStream: { write: (line) => logged.push(JSON.parse(line)) },
    metrics: createMetrics('denial-audit-test'),
  })
  close = () => app.close()
  const authorizer: Authorizer = {
    decide: () => ({ allow: setup.allow ?? false, deny_as: 'forbidden' }),
  }
  const record = denialRecorder({
    append:
      setup.append ??
      (async (stream, events) => {
        for (const event of events) appended.push({ stream, event })
      }),
    newId: () => `0190a000-0000-7000-8000-${String(appended.length).padStart(12, '0')}`,
    now: setup.now ?? (() => new Date('2026-11-26T10:00:00Z')),
    metadata: (request, actor) => requestMetadata(request, actor, 'test-api'),
    ...(setup.budget ? { budget: setup.budget } : {}),
  })
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request) => {
        request.subject = caller
      })
      authorizeRequests(scope, authorizer, rules, record)
      scope.get('/things/:thing_id', async () => ({ ok: true }))
      scope.get('/unruled', async () => ({ ok: true }))
    },
    { prefix: '/api' },
  )
  await app.ready()
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { 'user-agent': 'probe/1' } })
  return { get, appended, logged }
}

describe('denials as audit events', () => {
  it('records one AccessDenied with who, what, where and how it was answered', async () => {
    const { get, appended } = await appWith({})
    const response = await get('/api/things/t1')
    expect(response.statusCode).toBe(403)
    expect(appended).toHaveLength(1)
    const [{ stream, event }] = appended as [{ stream: string; event: NewEvent }]
    expect(stream).toBe('access_denials-2026-11-26')
    expect(accessDeniedSchema.parse({ type: event.type, data: event.data }).data).toEqual({
      actor: 'user:u1',
      action: 'api_keys:read',
      resource_type: 'thing',
      resource_organization_id: ORG,
      route: '/api/things/:thing_id',
      method: 'GET',
      request_id: response.headers['x-request-id'],
      answered: 'forbidden',
      suppressed_before: 0,
      denied_at: '2026-11-26T10:00:00.000Z',
    })
    expect(event.metadata).toMatchObject({
      actor: 'user:u1',
      correlation_id: response.headers['x-request-id'],
      source: 'test-api',
      user_agent: 'probe/1',
    })
  })

  it('records the not-found refusal of a missing resource, and a route without a rule', async () => {
    const { get, appended } = await appWith({})
    expect((await get('/api/things/missing')).statusCode).toBe(404)
    expect((await get('/api/unruled')).statusCode).toBe(403)
    expect(appended.map(({ event }) => [event.data.answered, event.data.action, event.data.route])).toEqual([
      ['not_found', 'api_keys:read', '/api/things/:thing_id'],
      ['forbidden', null, '/api/unruled'],
    ])
  })

  it('records nothing for an allowed request', async () => {
    const { get, appended } = await appWith({ allow: true })
    expect((await get('/api/things/t1')).statusCode).toBe(200)
    expect(appended).toEqual([])
  })

  it('still answers the refusal when the append fails, and logs an error', async () => {
    const { get, logged } = await appWith({
      append: async () => {
        throw new Error('event store down')
      },
    })
    expect((await get('/api/things/t1')).statusCode).toBe(403)
    const failure = logged.find((line) => line.msg === 'access denial not recorded in the audit log')
    expect(failure).toMatchObject({ level: 50, denial: { actor: 'user:u1', answered: 'forbidden' } })
  })

  it('records at most the bound per window and reports the rest on the next recorded denial', async () => {
    let now = new Date('2026-11-26T10:00:00Z')
    const budget = denialBudget({ perWindow: 2, windowMs: 60_000, maxActors: 10 })
    const { get, appended } = await appWith({ budget, now: () => now })
    for (let i = 0; i < 5; i++) expect((await get('/api/things/t1')).statusCode).toBe(403)
    expect(appended.map(({ event }) => event.data.suppressed_before)).toEqual([0, 0])
    now = new Date('2026-11-26T10:01:00Z')
    expect((await get('/api/things/t1')).statusCode).toBe(403)
    expect(appended.map(({ event }) => event.data.suppressed_before)).toEqual([0, 0, 3])
  })
})

describe('the denial bound', () => {
  it('counts per actor, and forgets the oldest actor beyond its capacity', () => {
    const budget = denialBudget({ perWindow: 1, windowMs: 1000, maxActors: 2 })
    expect(budget.admit('a', 0)).toEqual({ record: true, suppressed_before: 0 })
    expect(budget.admit('a', 1)).toEqual({ record: false, suppressed_before: 0 })
    expect(budget.admit('b', 2)).toEqual({ record: true, suppressed_before: 0 })
    expect(budget.admit('c', 3)).toEqual({ record: true, suppressed_before: 0 })
    // `a` was forgotten for `c`: its suppressed denial is lost, and it starts a fresh window
    // (forgetting `b`, now the oldest).
    expect(budget.admit('a', 4)).toEqual({ record: true, suppressed_before: 0 })
    expect(budget.admit('c', 5)).toEqual({ record: false, suppressed_before: 0 })
    expect(budget.admit('c', 1003)).toEqual({ record: true, suppressed_before: 1 })
  })
})
